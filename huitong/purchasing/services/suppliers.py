"""Suppliers and the prices they charge per SKU."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from huitong.catalog import selectors as catalog
from huitong.core import audit
from huitong.core.actors import Actor
from huitong.purchasing.errors import (
    DuplicateSupplier,
    InvalidSupplier,
    SupplierNotFound,
    SupplierPriceNotFound,
)
from huitong.purchasing.models import Supplier, SupplierPrice
from huitong.purchasing.selectors import get_supplier
from huitong.purchasing.services.checks import MAX_QUANTITY, check_int

MAX_DAYS = 3650
_TEXT_LIMITS = {"code": 40, "name": 100, "contact_name": 50, "phone": 30, "address": 200, "note": 500}


def _validate(values: dict) -> None:
    errors: dict[str, str] = {}
    for field, limit in _TEXT_LIMITS.items():
        value = values.get(field)
        if value is not None and len(value) > limit:
            errors[field] = f"不能超过 {limit} 个字符"
    for field in ("code", "name"):
        if field in values and values[field] is not None and not values[field].strip():
            errors[field] = "不能为空"
    for field in ("lead_time_days", "payment_terms_days"):
        if values.get(field) is not None:
            check_int(values[field], field, errors, maximum=MAX_DAYS)
    if values.get("min_order_fen") is not None:
        check_int(values["min_order_fen"], "min_order_fen", errors)
    if errors:
        raise InvalidSupplier.for_fields(errors)


def create_supplier(
    *, code: str, name: str, actor: Actor, contact_name: str = "", phone: str = "", address: str = "",
    lead_time_days: int = 7, min_order_fen: int = 0, payment_terms_days: int = 30, note: str = "",
) -> Supplier:
    values = dict(code=code.strip(), name=name.strip(), contact_name=contact_name.strip(), phone=phone.strip(),
                  address=address.strip(), lead_time_days=lead_time_days, min_order_fen=min_order_fen,
                  payment_terms_days=payment_terms_days, note=note)
    _validate(values)
    try:
        with transaction.atomic():
            supplier = Supplier.objects.create(**values)
            audit.record(actor=actor, obj=supplier, reason="created", data={"code": supplier.code})
    except IntegrityError as exc:
        raise DuplicateSupplier(code=f"供应商编码 {values['code']} 已存在") from exc
    return supplier


@transaction.atomic
def update_supplier(
    *, supplier_id: int, actor: Actor, name: str | None = None, contact_name: str | None = None,
    phone: str | None = None, address: str | None = None, lead_time_days: int | None = None,
    min_order_fen: int | None = None, payment_terms_days: int | None = None, note: str | None = None,
    is_active: bool | None = None,
) -> Supplier:
    """Change what is given (None leaves a field as it is). The change is audited (phone masked out)."""
    changes = {k: v.strip() if isinstance(v, str) and k != "note" else v for k, v in dict(
        name=name, contact_name=contact_name, phone=phone, address=address, lead_time_days=lead_time_days,
        min_order_fen=min_order_fen, payment_terms_days=payment_terms_days, note=note, is_active=is_active,
    ).items() if v is not None}
    _validate(changes)
    supplier = Supplier.objects.select_for_update().filter(pk=supplier_id).first()
    if supplier is None:
        raise SupplierNotFound(supplier_id=f"供应商 {supplier_id} 不存在")
    for field, value in changes.items():
        setattr(supplier, field, value)
    supplier.save()
    audit.record(actor=actor, obj=supplier, reason="updated",
                 data={k: ("***" if k == "phone" else v) for k, v in changes.items()})
    return supplier


@transaction.atomic
def set_supplier_price(
    *, supplier_id: int, sku_id: int, cost_fen: int, actor: Actor, min_order_quantity: int = 1,
    is_preferred: bool = False,
) -> SupplierPrice:
    """Create or replace a supplier's price for a SKU. ``is_preferred`` makes this supplier the one
    reorder suggestions buy the SKU from (taking it from any other)."""
    errors: dict[str, str] = {}
    check_int(cost_fen, "cost_fen", errors)
    check_int(min_order_quantity, "min_order_quantity", errors, minimum=1, maximum=MAX_QUANTITY)
    if errors:
        raise InvalidSupplier.for_fields(errors)
    supplier = get_supplier(supplier_id)
    sku = catalog.get_sku(sku_id)
    if is_preferred:
        SupplierPrice.objects.filter(sku_id=sku.pk, is_preferred=True).exclude(supplier_id=supplier.pk).update(
            is_preferred=False)
    price, _created = SupplierPrice.objects.update_or_create(
        supplier_id=supplier.pk, sku_id=sku.pk,
        defaults={"cost_fen": cost_fen, "min_order_quantity": min_order_quantity, "is_preferred": is_preferred})
    audit.record(actor=actor, obj=supplier, reason="price set",
                 data={"sku_id": sku.pk, "sku_code": sku.code, "cost_fen": cost_fen,
                       "min_order_quantity": min_order_quantity, "is_preferred": is_preferred})
    return price


@transaction.atomic
def remove_supplier_price(*, supplier_id: int, sku_id: int, actor: Actor) -> None:
    supplier = get_supplier(supplier_id)
    deleted, _ = SupplierPrice.objects.filter(supplier_id=supplier.pk, sku_id=sku_id).delete()
    if not deleted:
        raise SupplierPriceNotFound(sku_id=f"供应商 {supplier.code} 没有 SKU {sku_id} 的报价")
    audit.record(actor=actor, obj=supplier, reason="price removed", data={"sku_id": sku_id})
