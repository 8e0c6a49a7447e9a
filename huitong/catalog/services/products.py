"""Write use cases for brands, categories, products (SPU) and SKUs.

Input is checked completely before anything is written (clear 404/409/422 errors); the database
constraints are the backstop for races. Price and cost changes leave an audit entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from huitong.catalog import rules
from huitong.catalog.errors import (
    BrandNotFound,
    CategoryNotFound,
    ConflictingFields,
    DuplicateBarcode,
    DuplicateCode,
    DuplicateName,
    ProductNotFound,
    SkuListEmpty,
    SkuNotFound,
)
from huitong.catalog.models import Brand, Category, Product, Sku
from huitong.core import audit
from huitong.core.actors import Actor
from huitong.core.money import fen_to_yuan


@dataclass(frozen=True)
class SkuSpec:
    """One SKU to create: money in fen, attributes like ``{"规格": "250g", "颜色": "绿"}``."""

    code: str
    price_fen: int
    cost_fen: int = 0
    barcode: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    weight_g: int = 0


class _Unchanged(Enum):
    UNCHANGED = "unchanged"


UNCHANGED = _Unchanged.UNCHANGED
"""Default of nullable arguments of update services: leave the value as it is (``None`` clears it)."""
Keep = Literal[_Unchanged.UNCHANGED]


# --- brands and categories ----------------------------------------------------------------------


def get_or_create_brand(*, name: str) -> Brand:
    name = rules.clean_text(name, field="brand_name", max_length=rules.BRAND_MAX_LENGTH)
    brand, _created = Brand.objects.get_or_create(name=name)
    return brand


def create_brand(*, name: str) -> Brand:
    name = rules.clean_text(name, field="name", max_length=rules.BRAND_MAX_LENGTH)
    if Brand.objects.filter(name=name).exists():
        raise DuplicateName(name=_("品牌“%(name)s”已存在") % {"name": name})
    try:
        with transaction.atomic():
            return Brand.objects.create(name=name)
    except IntegrityError as exc:
        raise DuplicateName(name=_("品牌“%(name)s”已存在") % {"name": name}) from exc


@transaction.atomic
def get_or_create_category(*, path: str) -> Category:
    """The category at ``path`` ("茶叶/绿茶"), creating it and any missing ancestors."""
    parts = rules.split_category_path(path)
    parent = None
    for depth in range(1, len(parts) + 1):
        parent, _created = Category.objects.get_or_create(
            path=rules.join_category_path(parts[:depth]),
            defaults={"name": parts[depth - 1], "parent": parent},
        )
    return parent


def create_category(*, name: str, parent_id: int | None = None) -> Category:
    name = rules.clean_category_name(name)
    parent = None
    if parent_id is not None:
        parent = Category.objects.filter(pk=parent_id).first()
        if parent is None:
            raise CategoryNotFound(parent_id=_("上级分类不存在"))
    path = rules.join_category_path([parent.path, name] if parent else [name])
    rules.split_category_path(path, field="name")  # length limits of the full path
    if Category.objects.filter(path=path).exists():
        raise DuplicateName(name=_("分类“%(path)s”已存在") % {"path": path})
    try:
        with transaction.atomic():
            return Category.objects.create(name=name, parent=parent, path=path)
    except IntegrityError as exc:
        raise DuplicateName(name=_("分类“%(path)s”已存在") % {"path": path}) from exc


def _resolve_brand(brand_id: int | None, brand_name: str | None) -> Brand | None:
    if brand_id is not None and brand_name:
        raise ConflictingFields(brand_name=_("brand_id 与 brand_name 只能指定一个"))
    if brand_id is not None:
        brand = Brand.objects.filter(pk=brand_id).first()
        if brand is None:
            raise BrandNotFound(brand_id=_("品牌不存在"))
        return brand
    return get_or_create_brand(name=brand_name) if brand_name else None


def _resolve_category(category_id: int | None, category_path: str | None) -> Category | None:
    if category_id is not None and category_path:
        raise ConflictingFields(category_path=_("category_id 与 category_path 只能指定一个"))
    if category_id is not None:
        category = Category.objects.filter(pk=category_id).first()
        if category is None:
            raise CategoryNotFound(category_id=_("分类不存在"))
        return category
    return get_or_create_category(path=category_path) if category_path else None


# --- SKU specs ----------------------------------------------------------------------------------


def _key(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _clean_spec(spec: SkuSpec, *, prefix: str = "") -> SkuSpec:
    return SkuSpec(
        code=rules.clean_code(spec.code, field=_key(prefix, "code")),
        price_fen=rules.clean_non_negative(spec.price_fen, field=_key(prefix, "price_fen")),
        cost_fen=rules.clean_non_negative(spec.cost_fen, field=_key(prefix, "cost_fen")),
        barcode=rules.clean_barcode(spec.barcode, field=_key(prefix, "barcode")),
        attributes=rules.clean_attributes(spec.attributes, field=_key(prefix, "attributes")),
        weight_g=rules.clean_non_negative(
            spec.weight_g, field=_key(prefix, "weight_g"), maximum=rules.MAX_WEIGHT_G
        ),
    )


def _clean_specs(specs: Sequence[SkuSpec]) -> list[SkuSpec]:
    if not specs:
        raise SkuListEmpty(skus=_("商品至少需要一个 SKU"))
    cleaned = [_clean_spec(spec, prefix=f"skus[{i}]") for i, spec in enumerate(specs)]
    codes: dict[str, int] = {}
    barcodes: dict[str, int] = {}
    for i, spec in enumerate(cleaned):
        if spec.code in codes:
            raise DuplicateCode(
                **{f"skus[{i}].code": _("与 skus[%(j)d] 的编码重复") % {"j": codes[spec.code]}}
            )
        codes[spec.code] = i
        if spec.barcode and spec.barcode in barcodes:
            raise DuplicateBarcode(
                **{f"skus[{i}].barcode": _("与 skus[%(j)d] 的条码重复") % {"j": barcodes[spec.barcode]}}
            )
        barcodes[spec.barcode] = i
    return cleaned


def _check_free(specs: Sequence[SkuSpec], *, prefix: str | None) -> None:
    """Refuse SKU codes and barcodes already used by another SKU (two queries)."""

    def key(i: int, name: str) -> str:
        return _key(f"skus[{i}]", name) if prefix is not None else name

    taken_codes = set(Sku.objects.filter(code__in=[s.code for s in specs]).values_list("code", flat=True))
    if taken_codes:
        raise DuplicateCode(
            **{key(i, "code"): _("SKU 编码已存在") for i, s in enumerate(specs) if s.code in taken_codes}
        )
    wanted = [s.barcode for s in specs if s.barcode]
    taken_barcodes = (
        set(Sku.objects.filter(barcode__in=wanted).values_list("barcode", flat=True)) if wanted else set()
    )
    if taken_barcodes:
        raise DuplicateBarcode(
            **{
                key(i, "barcode"): _("条码已被其他 SKU 使用")
                for i, s in enumerate(specs)
                if s.barcode in taken_barcodes
            }
        )


def _new_sku(product: Product, spec: SkuSpec) -> Sku:
    return Sku(
        product=product,
        code=spec.code,
        barcode=spec.barcode,
        attributes=dict(spec.attributes),
        price_fen=spec.price_fen,
        cost_fen=spec.cost_fen,
        weight_g=spec.weight_g,
    )


def audit_price_change(*, actor: Actor, sku: Sku, old_price_fen: int, old_cost_fen: int, reason: str) -> None:
    """One audit entry when a SKU's price or cost changed (price text in from/to, details in data)."""
    if (old_price_fen, old_cost_fen) == (sku.price_fen, sku.cost_fen):
        return
    audit.record(
        actor=actor,
        obj=sku,
        from_state=str(fen_to_yuan(old_price_fen)),
        to_state=str(fen_to_yuan(sku.price_fen)),
        reason=reason,
        data={
            "code": sku.code,
            "price_fen": {"old": old_price_fen, "new": sku.price_fen},
            "cost_fen": {"old": old_cost_fen, "new": sku.cost_fen},
        },
    )


# --- products and SKUs --------------------------------------------------------------------------


def create_product(
    *,
    spu_code: str,
    name: str,
    skus: Sequence[SkuSpec],
    actor: Actor,
    brand_id: int | None = None,
    brand_name: str | None = None,
    category_id: int | None = None,
    category_path: str | None = None,
    description: str = "",
    is_active: bool = True,
) -> Product:
    """Create an SPU with its SKUs. Brand and category by id, or by name/path (created if missing)."""
    spu_code = rules.clean_code(spu_code, field="spu_code")
    name = rules.clean_text(name, field="name")
    specs = _clean_specs(skus)
    if Product.objects.filter(spu_code=spu_code).exists():
        raise DuplicateCode(spu_code=_("商品编码已存在"))
    _check_free(specs, prefix="skus")
    try:
        with transaction.atomic():
            product = Product.objects.create(
                spu_code=spu_code,
                name=name,
                description=(description or "").strip(),
                is_active=is_active,
                brand=_resolve_brand(brand_id, brand_name),
                category=_resolve_category(category_id, category_path),
            )
            Sku.objects.bulk_create([_new_sku(product, spec) for spec in specs])
    except IntegrityError as exc:
        raise DuplicateCode(_("商品编码、SKU 编码或条码刚被占用,请重试")) from exc
    return product


@transaction.atomic
def update_product(
    *,
    product_id: int,
    actor: Actor,
    name: str | None = None,
    description: str | None = None,
    is_active: bool | None = None,
    brand_id: int | None | Keep = UNCHANGED,
    brand_name: str | None = None,
    category_id: int | None | Keep = UNCHANGED,
    category_path: str | None = None,
) -> Product:
    """Change what is given; ``brand_id=None`` / ``category_id=None`` clear them. The code is fixed."""
    product = Product.objects.select_for_update().filter(pk=product_id).first()
    if product is None:
        raise ProductNotFound()
    if name is not None:
        product.name = rules.clean_text(name, field="name")
    if description is not None:
        product.description = description.strip()
    if brand_name or brand_id is not UNCHANGED:
        product.brand = _resolve_brand(None if brand_id is UNCHANGED else brand_id, brand_name)
    if category_path or category_id is not UNCHANGED:
        product.category = _resolve_category(None if category_id is UNCHANGED else category_id, category_path)
    was_active = product.is_active
    if is_active is not None:
        product.is_active = is_active
    product.save()
    if was_active != product.is_active:
        audit.record(
            actor=actor,
            obj=product,
            from_state="active" if was_active else "inactive",
            to_state="active" if product.is_active else "inactive",
            reason="update_product",
        )
    return product


def add_sku(*, product_id: int, sku: SkuSpec, actor: Actor) -> Sku:
    spec = _clean_spec(sku)
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise ProductNotFound()
    _check_free([spec], prefix=None)
    try:
        with transaction.atomic():
            created = _new_sku(product, spec)
            created.save()
    except IntegrityError as exc:
        raise DuplicateCode(_("SKU 编码或条码刚被占用,请重试")) from exc
    return created


@transaction.atomic
def update_sku(
    *,
    sku_id: int,
    actor: Actor,
    price_fen: int | None = None,
    cost_fen: int | None = None,
    barcode: str | None = None,
    attributes: dict[str, str] | None = None,
    weight_g: int | None = None,
    is_active: bool | None = None,
) -> Sku:
    """Change what is given (``barcode=""`` removes the barcode). Price/cost changes are audited."""
    if price_fen is not None:
        price_fen = rules.clean_non_negative(price_fen, field="price_fen")
    if cost_fen is not None:
        cost_fen = rules.clean_non_negative(cost_fen, field="cost_fen")
    if weight_g is not None:
        weight_g = rules.clean_non_negative(weight_g, field="weight_g", maximum=rules.MAX_WEIGHT_G)
    if barcode is not None:
        barcode = rules.clean_barcode(barcode)
    if attributes is not None:
        attributes = rules.clean_attributes(attributes)
    sku = Sku.objects.select_for_update().select_related("product").filter(pk=sku_id).first()
    if sku is None:
        raise SkuNotFound()
    if barcode and Sku.objects.filter(barcode=barcode).exclude(pk=sku.pk).exists():
        raise DuplicateBarcode(barcode=_("条码已被其他 SKU 使用"))
    old_price_fen, old_cost_fen = sku.price_fen, sku.cost_fen
    changes = {
        "price_fen": price_fen,
        "cost_fen": cost_fen,
        "barcode": barcode,
        "attributes": attributes,
        "weight_g": weight_g,
        "is_active": is_active,
    }
    for attr, value in changes.items():
        if value is not None:
            setattr(sku, attr, value)
    sku.save()
    audit_price_change(
        actor=actor, sku=sku, old_price_fen=old_price_fen, old_cost_fen=old_cost_fen, reason="update_sku"
    )
    return sku
