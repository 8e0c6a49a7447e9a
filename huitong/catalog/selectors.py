"""Catalog reads: products with their SKUs, SKU look-ups by id, code and barcode, brands, categories."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from huitong.catalog.errors import ProductNotFound, SkuNotFound
from huitong.catalog.models import CATEGORY_PATH_SEPARATOR, Brand, Category, Product, Sku, sku_display_name
from huitong.core import sql


def _products() -> QuerySet[Product]:
    return Product.objects.select_related("brand", "category").prefetch_related(
        Prefetch("skus", queryset=Sku.objects.order_by("id"))
    )


def get_product(product_id: int) -> Product:
    """The product with brand, category and SKUs loaded (two queries); ProductNotFound otherwise."""
    product = _products().filter(pk=product_id).first()
    if product is None:
        raise ProductNotFound()
    return product


def _matching_skus(search: str) -> Q:
    return Q(code__icontains=search) | Q(barcode=search)


def list_products(
    *,
    search: str | None = None,
    category_id: int | None = None,
    brand_id: int | None = None,
    is_active: bool | None = None,
) -> QuerySet[Product]:
    """Products newest first. ``search`` matches name, 商品编码, SKU code or exact barcode;
    ``category_id`` includes the sub-categories."""
    products = _products().order_by("-id")
    if search and search.strip():
        term = search.strip()
        products = products.filter(
            Q(name__icontains=term)
            | Q(spu_code__icontains=term)
            | Q(pk__in=Sku.objects.filter(_matching_skus(term)).values("product_id"))
        )
    if category_id is not None:
        path = Category.objects.filter(pk=category_id).values_list("path", flat=True).first() or ""
        products = (
            products.filter(
                Q(category_id=category_id) | Q(category__path__startswith=f"{path}{CATEGORY_PATH_SEPARATOR}")
            )
            if path
            else products.none()
        )
    if brand_id is not None:
        products = products.filter(brand_id=brand_id)
    if is_active is not None:
        products = products.filter(is_active=is_active)
    return products


def get_sku(sku_id: int) -> Sku:
    sku = Sku.objects.select_related("product").filter(pk=sku_id).first()
    if sku is None:
        raise SkuNotFound()
    return sku


def get_sku_by_code(code: str) -> Sku:
    sku = Sku.objects.select_related("product").filter(code=(code or "").strip()).first()
    if sku is None:
        raise SkuNotFound(detail={"code": code})
    return sku


def get_sku_by_barcode(barcode: str) -> Sku:
    barcode = (barcode or "").strip()
    sku = Sku.objects.select_related("product").filter(barcode=barcode).first() if barcode else None
    if sku is None:
        raise SkuNotFound(detail={"barcode": barcode})
    return sku


_SKUS_WITH_PRODUCTS = sql.Select(Sku, "catalog_sku.id IN (%s)", related="product")


def skus_by_ids(ids: Iterable[int]) -> dict[int, Sku]:
    """SKUs (with their product) by id, in one query; unknown ids are simply absent. Read on every order and
    cart: a prepared statement."""
    return {sku.pk: sku for sku in _SKUS_WITH_PRODUCTS.all(sorted({i for i in ids if i is not None}))}


@dataclass(frozen=True)
class SkuBrief:
    """What an order line copies from its SKU."""

    pk: int
    code: str
    display_name: str
    price_fen: int


def sku_briefs(ids: Iterable[int]) -> dict[int, SkuBrief]:
    """``skus_by_ids`` for the hot path of order import: the same SKUs as small records, in one query
    without model instances; unknown ids are absent."""
    ids = set(ids)
    if not ids:
        return {}
    rows = Sku.objects.filter(pk__in=ids).values_list("pk", "code", "product__name", "attributes", "price_fen")
    return {pk: SkuBrief(pk, code, sku_display_name(name, attributes), price)
            for pk, code, name, attributes, price in rows}


def skus_by_codes(codes: Iterable[str]) -> dict[str, Sku]:
    """SKUs (with their product) by code (surrounding spaces ignored), in one query; unknown codes are absent."""
    codes = {(code or "").strip() for code in codes} - {""}
    if not codes:
        return {}
    return {sku.code: sku for sku in Sku.objects.select_related("product").filter(code__in=codes)}


def list_skus(
    *, search: str | None = None, product_id: int | None = None, is_active: bool | None = None
) -> QuerySet[Sku]:
    """SKUs by code; ``search`` matches SKU code, exact barcode, product name or 商品编码."""
    skus = Sku.objects.select_related("product").order_by("code")
    if search and search.strip():
        term = search.strip()
        skus = skus.filter(
            _matching_skus(term) | Q(product__name__icontains=term) | Q(product__spu_code__icontains=term)
        )
    if product_id is not None:
        skus = skus.filter(product_id=product_id)
    if is_active is not None:
        skus = skus.filter(is_active=is_active)
    return skus


def list_brands(*, search: str | None = None) -> QuerySet[Brand]:
    brands = Brand.objects.order_by("name")
    return brands.filter(name__icontains=search.strip()) if search and search.strip() else brands


def list_categories() -> QuerySet[Category]:
    """All categories in path order ("茶叶", "茶叶/红茶", "茶叶/绿茶", ...)."""
    return Category.objects.order_by("path")
