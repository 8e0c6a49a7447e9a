"""What the marketing services share: scope checks against the catalog and channels, and the member
look-ups (tier, segments) marketing reads from members."""

from __future__ import annotations

from huitong.catalog import selectors as catalog
from huitong.channels import selectors as channels
from huitong.channels.models import Platform
from huitong.core.errors import NotFound
from huitong.marketing import rules
from huitong.members import selectors as members


def clean_scope(scope, errors: dict[str, str], path: str = "scope") -> dict:
    """``rules.clean_scope`` plus a check that every id in it exists."""
    clean, scope_errors = rules.clean_scope(scope, set(Platform.values), path)
    errors.update(scope_errors)
    missing = {
        "sku_ids": set(clean.get("sku_ids", ())) - set(catalog.skus_by_ids(clean.get("sku_ids", ()))),
        "category_ids": set(clean.get("category_ids", ()))
        - set(
            catalog.list_categories()
            .filter(pk__in=clean.get("category_ids", ()))
            .values_list("pk", flat=True)
        ),
        "brand_ids": set(clean.get("brand_ids", ()))
        - set(catalog.list_brands().filter(pk__in=clean.get("brand_ids", ())).values_list("pk", flat=True)),
        "product_ids": {pk for pk in clean.get("product_ids", ()) if not _exists(catalog.get_product, pk)},
        "store_ids": {pk for pk in clean.get("store_ids", ()) if not _exists(channels.get_store, pk)},
    }
    for key, ids in missing.items():
        if ids:
            errors[f"{path}.{key}"] = f"不存在: {', '.join(str(i) for i in sorted(ids))}"
    return clean


def _exists(getter, pk: int) -> bool:
    try:
        getter(pk)
    except NotFound:
        return False
    return True


def clean_codes(values, errors: dict[str, str], path: str) -> list[str]:
    """A list of tier or segment codes (non-empty strings), sorted and de-duplicated."""
    if values is None:
        return []
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) and v.strip() for v in values):
        errors[path] = "必须是非空字符串列表"
        return []
    return sorted({v.strip() for v in values})


def member_tier(customer_id: int) -> members.TierInfo:
    """The member's tier: code, name, member_discount_percent (the one place marketing asks)."""
    return members.member_tier(customer_id)


def segment_customer_ids(segment: str) -> list[int]:
    """Members of a segment (InvalidInput for an unknown segment code)."""
    return members.segment_customer_ids(segment=segment)
