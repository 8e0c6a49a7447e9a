"""Purchase orders: draft, edit, confirm, cancel, close (short close with a reason). Every state
change goes through ``_move_to`` (lifecycle check, save, audit) on a row locked for the transaction."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from huitong.catalog import selectors as catalog
from huitong.core import audit
from huitong.core.actors import Actor
from huitong.core.states import transition
from huitong.inventory import selectors as inventory
from huitong.purchasing.errors import (
    BelowSupplierMinimum,
    InvalidPurchaseOrder,
    PurchaseOrderNotEditable,
    PurchaseOrderNotFound,
    SupplierInactive,
)
from huitong.purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    Supplier,
    SupplierPrice,
)
from huitong.purchasing.selectors import get_supplier
from huitong.purchasing.services.checks import MAX_QUANTITY, check_int
from huitong.purchasing.states import PURCHASE_ORDER_LIFECYCLE

S = PurchaseOrderStatus
NUMBER_ATTEMPTS = 3


@dataclass(frozen=True)
class PoLine:
    sku_id: int
    quantity: int
    unit_cost_fen: int | None = None  # None: the supplier's price for the SKU


def lock_purchase_order(purchase_order_id: int) -> PurchaseOrder:
    po = PurchaseOrder.objects.select_for_update().filter(pk=purchase_order_id).first()
    if po is None:
        raise PurchaseOrderNotFound(purchase_order_id=f"采购单 {purchase_order_id} 不存在")
    return po


def move_to(po: PurchaseOrder, status: str, *, actor: Actor, reason: str = "", fields: Sequence[str] = (),
            data: dict | None = None) -> None:
    transition(po, status, lifecycle=PURCHASE_ORDER_LIFECYCLE, actor=actor, reason=reason,
               update_fields=[*fields, "updated_at"], data=data)


def _new_number() -> str:
    """Date + 8 random digits; a collision (one in 10^8 per pair on a day) is retried."""
    return f"PO{timezone.localtime():%y%m%d}{secrets.randbelow(10**8):08d}"


def _check_lines(lines: Sequence[PoLine]) -> None:
    errors: dict[str, str] = {}
    if not lines:
        errors["lines"] = "采购单至少需要一行商品"
    seen: set[int] = set()
    for i, line in enumerate(lines):
        check_int(line.quantity, f"lines[{i}].quantity", errors, minimum=1, maximum=MAX_QUANTITY)
        if line.unit_cost_fen is not None:
            check_int(line.unit_cost_fen, f"lines[{i}].unit_cost_fen", errors)
        if line.sku_id in seen:
            errors[f"lines[{i}].sku_id"] = "同一 SKU 只能出现一行"
        seen.add(line.sku_id)
    if errors:
        raise InvalidPurchaseOrder.for_fields(errors)


def _priced(supplier: Supplier, lines: Sequence[PoLine]) -> list[PurchaseOrderLine]:
    """Unsaved order lines, priced from the given unit cost or the supplier's price."""
    skus = catalog.skus_by_ids(line.sku_id for line in lines)
    prices = dict(SupplierPrice.objects.filter(supplier=supplier, sku_id__in=list(skus))
                  .values_list("sku_id", "cost_fen"))
    errors: dict[str, str] = {}
    built = []
    for i, line in enumerate(lines):
        sku = skus.get(line.sku_id)
        if sku is None:
            errors[f"lines[{i}].sku_id"] = f"SKU {line.sku_id} 不存在"
            continue
        if not sku.is_active:
            errors[f"lines[{i}].sku_id"] = f"SKU {sku.code} 已停用"
        cost = line.unit_cost_fen if line.unit_cost_fen is not None else prices.get(sku.pk)
        if cost is None:
            errors[f"lines[{i}].unit_cost_fen"] = f"供应商 {supplier.code} 没有 {sku.code} 的报价,请填写单价"
        built.append(PurchaseOrderLine(line_no=i + 1, sku=sku, quantity=line.quantity, unit_cost_fen=cost))
    if errors:
        raise InvalidPurchaseOrder.for_fields(errors)
    return built


def _check_location(location_id: int) -> None:
    location = inventory.get_location(location_id)  # LocationNotFound (404)
    if not location.is_active:
        raise InvalidPurchaseOrder.for_fields({"location_id": f"库位 {location.code} 已停用"})


def _check_text(note: str | None) -> None:
    if note is not None and len(note) > 500:
        raise InvalidPurchaseOrder.for_fields({"note": "不能超过 500 个字符"})


def _active_supplier(supplier_id: int) -> Supplier:
    supplier = get_supplier(supplier_id)
    if not supplier.is_active:
        raise SupplierInactive(supplier_id=f"供应商 {supplier.code} 已停用")
    return supplier


def _save_lines(po: PurchaseOrder, lines: list[PurchaseOrderLine]) -> None:
    for line in lines:
        line.purchase_order = po
    PurchaseOrderLine.objects.bulk_create(lines)
    po.total_fen = sum(line.quantity * line.unit_cost_fen for line in lines)


def create_purchase_order(
    *, supplier_id: int, location_id: int, lines: Sequence[PoLine], actor: Actor,
    expected_date: date | None = None, note: str = "",
) -> PurchaseOrder:
    """A draft purchase order. Lines without a unit cost take the supplier's price; the expected
    date defaults to today plus the supplier's lead time."""
    _check_lines(lines)
    _check_text(note)
    with transaction.atomic():
        supplier = _active_supplier(supplier_id)
        _check_location(location_id)
        priced = _priced(supplier, lines)
        po = PurchaseOrder(supplier=supplier, location_id=location_id, note=note, created_by_id=actor.user_id,
                           expected_date=expected_date or timezone.localdate() + timedelta(days=supplier.lead_time_days))
        for attempt in range(NUMBER_ATTEMPTS):
            po.number = _new_number()
            try:
                with transaction.atomic():
                    po.save(force_insert=True)
                break
            except IntegrityError:
                po.pk = None
                if attempt == NUMBER_ATTEMPTS - 1:
                    raise
        _save_lines(po, priced)
        po.save(update_fields=["total_fen"])
        audit.record(actor=actor, obj=po, to_state=po.status, reason="created",
                     data={"supplier": supplier.code, "total_fen": po.total_fen})
    return po


@transaction.atomic
def update_purchase_order(
    *, purchase_order_id: int, actor: Actor, lines: Sequence[PoLine] | None = None,
    location_id: int | None = None, expected_date: date | None = None, note: str | None = None,
) -> PurchaseOrder:
    """Edit a draft: what is given replaces what was there (``lines`` replaces every line)."""
    if lines is not None:
        _check_lines(lines)
    _check_text(note)
    po = lock_purchase_order(purchase_order_id)
    if po.status != S.DRAFT:
        raise PurchaseOrderNotEditable(detail={"number": po.number, "status": po.status})
    if location_id is not None:
        _check_location(location_id)
        po.location_id = location_id
    if lines is not None:
        priced = _priced(po.supplier, lines)
        po.lines.all().delete()
        _save_lines(po, priced)
    if expected_date is not None:
        po.expected_date = expected_date
    if note is not None:
        po.note = note
    po.save(update_fields=["location", "expected_date", "note", "total_fen", "updated_at"])
    audit.record(actor=actor, obj=po, from_state=po.status, to_state=po.status, reason="updated",
                 data={"total_fen": po.total_fen, "lines_replaced": lines is not None})
    return po


@transaction.atomic
def confirm_purchase_order(*, purchase_order_id: int, actor: Actor, allow_below_minimum: bool = False) -> PurchaseOrder:
    """Send the order to the supplier. Below the supplier's minimum order amount only when told so."""
    po = lock_purchase_order(purchase_order_id)
    PURCHASE_ORDER_LIFECYCLE.check(po.status, S.CONFIRMED)
    supplier = po.supplier
    if not supplier.is_active:
        raise SupplierInactive(supplier_id=f"供应商 {supplier.code} 已停用")
    if po.total_fen < supplier.min_order_fen and not allow_below_minimum:
        raise BelowSupplierMinimum(detail={"total_fen": po.total_fen, "min_order_fen": supplier.min_order_fen})
    po.confirmed_at = timezone.now()
    move_to(po, S.CONFIRMED, actor=actor, reason="confirmed" + (" below minimum" if allow_below_minimum else ""),
            fields=["confirmed_at"])
    return po


def _reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise InvalidPurchaseOrder.for_fields({"reason": "请填写原因"})
    if len(reason) > 200:
        raise InvalidPurchaseOrder.for_fields({"reason": "不能超过 200 个字符"})
    return reason


@transaction.atomic
def cancel_purchase_order(*, purchase_order_id: int, actor: Actor, reason: str) -> PurchaseOrder:
    """Cancel a draft or a confirmed order nothing has arrived against."""
    reason = _reason(reason, required=True)
    po = lock_purchase_order(purchase_order_id)
    po.close_reason, po.closed_at = reason, timezone.now()
    move_to(po, S.CANCELLED, actor=actor, reason=reason, fields=["close_reason", "closed_at"])
    return po


@transaction.atomic
def close_purchase_order(*, purchase_order_id: int, actor: Actor, reason: str = "") -> PurchaseOrder:
    """Close a received order, or short-close a partly received one (a reason is then required and
    the quantities that will not come are recorded): nothing is in transit for it any more."""
    po = lock_purchase_order(purchase_order_id)
    short = po.status == S.PARTLY_RECEIVED
    reason = _reason(reason, required=short)
    shortfall = [{"line_no": line.line_no, "sku_id": line.sku_id, "ordered": line.quantity,
                  "received": line.received_quantity, "short": line.outstanding}
                 for line in po.lines.order_by("line_no") if line.outstanding]
    po.close_reason, po.closed_at = reason, timezone.now()
    move_to(po, S.CLOSED, actor=actor, reason=reason or "closed", fields=["close_reason", "closed_at"],
            data={"short_close": short, "shortfall": shortfall})
    return po
