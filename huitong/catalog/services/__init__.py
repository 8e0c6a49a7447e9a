"""Catalog write use cases: ``from huitong.catalog import services as catalog``."""

from huitong.catalog.services.imports import ImportResult, import_products
from huitong.catalog.services.products import (
    UNCHANGED,
    SkuSpec,
    add_sku,
    audit_price_change,
    create_brand,
    create_category,
    create_product,
    get_or_create_brand,
    get_or_create_category,
    update_product,
    update_sku,
)

__all__ = [
    "UNCHANGED",
    "ImportResult",
    "SkuSpec",
    "add_sku",
    "audit_price_change",
    "create_brand",
    "create_category",
    "create_product",
    "get_or_create_brand",
    "get_or_create_category",
    "import_products",
    "update_product",
    "update_sku",
]
