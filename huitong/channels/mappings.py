"""Platform listing → Huitong SKUs (商品对应): explicit mappings, bundles, and auto-match by
merchant code (商家编码 = Huitong SKU code)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from huitong.catalog import selectors as catalog
from huitong.channels.errors import InvalidMapping
from huitong.channels.models import MappingComponent, SkuMapping


@dataclass(frozen=True)
class Listing:
    """How a platform identifies what was sold on an order line."""

    item_id: str = ""
    sku_id: str = ""
    merchant_code: str = ""


@dataclass(frozen=True)
class Component:
    sku_id: int
    quantity: int  # per unit of the platform listing


def resolve_listings(*, store_id: int, listings: Iterable[Listing]) -> dict[Listing, tuple[Component, ...] | None]:
    """What each listing ships as, or None if it is not mapped and its merchant code matches no SKU.

    Order of precedence: an explicit mapping of the (item, SKU) pair; a mapping of the merchant code;
    auto-match of the merchant code to a Huitong SKU code (recorded as an auto-matched mapping)."""
    listings = list(dict.fromkeys(listings))
    items = {lst.item_id for lst in listings if lst.item_id or lst.sku_id}
    codes = {lst.merchant_code for lst in listings if lst.merchant_code}
    joined = SkuMapping.objects.filter(store_id=store_id).filter(
        Q(platform_item_id__in=items) | Q(platform_item_id="", platform_sku_id="", merchant_code__in=codes)
    ).order_by("pk", "components__pk").values_list("pk", "platform_item_id", "platform_sku_id", "merchant_code",
                                                   "components__sku_id", "components__quantity")
    rows: dict[int, tuple[str, str, str]] = {}  # mappings and their components in one query
    parts: dict[int, list[Component]] = {}
    for mapping_id, item_id, sku_id, code, component_sku, quantity in joined:
        rows[mapping_id] = (item_id, sku_id, code)
        if component_sku is not None:
            parts.setdefault(mapping_id, []).append(Component(component_sku, quantity))
    by_pair: dict[tuple[str, str], int] = {}
    by_code: dict[str, int] = {}
    for mapping_id, (item_id, sku_id, code) in rows.items():
        if item_id or sku_id:
            by_pair[(item_id, sku_id)] = mapping_id
        else:
            by_code[code] = mapping_id
    result: dict[Listing, tuple[Component, ...] | None] = {}
    unmatched = []
    for listing in listings:
        mapping = by_pair.get((listing.item_id, listing.sku_id)) if (listing.item_id or listing.sku_id) else None
        mapping = mapping or by_code.get(listing.merchant_code)
        if mapping is not None and parts.get(mapping):
            result[listing] = tuple(parts[mapping])
        else:
            unmatched.append(listing)
    matched = _auto_match(store_id, {lst.merchant_code for lst in unmatched if lst.merchant_code}, by_code)
    for listing in unmatched:
        result[listing] = matched.get(listing.merchant_code)
    return result


def _auto_match(store_id: int, codes: set[str], by_code: dict[str, int]) -> dict[str, tuple[Component, ...]]:
    """Merchant codes equal to an active Huitong SKU's code, recorded as auto-matched mappings: a few
    statements for all the codes of a page (a store's first pages bring hundreds of new codes)."""
    skus = catalog.skus_by_codes(codes)
    found = {code: skus[code.strip()] for code in codes if code.strip() in skus and skus[code.strip()].is_active}
    if not found:
        return {}
    # Sorted: pages of one store imported at once insert the same new codes; taking the unique index entries
    # in one order makes the later insert wait for the first instead of deadlocking with it.
    SkuMapping.objects.bulk_create(
        [SkuMapping(store_id=store_id, platform_item_id="", platform_sku_id="", merchant_code=code, auto_matched=True)
         for code in sorted(found) if code not in by_code], ignore_conflicts=True)
    mapping_ids = dict(SkuMapping.objects.filter(store_id=store_id, platform_item_id="", platform_sku_id="",
                                                 merchant_code__in=list(found)).values_list("merchant_code", "pk"))
    MappingComponent.objects.bulk_create(
        [MappingComponent(mapping_id=mapping_ids[code], sku_id=found[code].pk, quantity=1)
         for code in sorted(found, key=mapping_ids.__getitem__)], ignore_conflicts=True)
    return {code: (Component(sku.pk, 1),) for code, sku in found.items()}


@transaction.atomic
def set_mapping(*, store_id: int, listing: Listing, components: Sequence[Component]) -> SkuMapping:
    """Map a listing (by item + SKU id, or by merchant code alone) to one SKU or a bundle."""
    if not (listing.item_id or listing.sku_id or listing.merchant_code):
        raise InvalidMapping.for_fields({"listing": "需要平台商品/SKU ID 或商家编码"})
    if not components:
        raise InvalidMapping.for_fields({"components": "至少对应一个 SKU"})
    errors = {}
    for i, component in enumerate(components):
        if component.quantity <= 0:
            errors[f"components[{i}].quantity"] = "必须为正整数"
    found = catalog.skus_by_ids([c.sku_id for c in components])
    for i, component in enumerate(components):
        if component.sku_id not in found:
            errors[f"components[{i}].sku_id"] = f"SKU {component.sku_id} 不存在"
    if len({c.sku_id for c in components}) != len(components):
        errors["components"] = "同一 SKU 只能出现一次"
    if errors:
        raise InvalidMapping.for_fields(errors)
    by_pair = bool(listing.item_id or listing.sku_id)
    keys = {"platform_item_id": listing.item_id if by_pair else "", "platform_sku_id": listing.sku_id if by_pair else "",
            "merchant_code": "" if by_pair else listing.merchant_code}
    mapping, _ = SkuMapping.objects.update_or_create(store_id=store_id, **keys, defaults={"auto_matched": False})
    mapping.components.all().delete()
    MappingComponent.objects.bulk_create(
        MappingComponent(mapping=mapping, sku_id=c.sku_id, quantity=c.quantity) for c in components)
    return mapping
