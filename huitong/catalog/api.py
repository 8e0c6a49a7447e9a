"""Catalog API at /api/v1/catalog: reads for any staff, writes for operators (admin always passes)."""

from __future__ import annotations

from ninja import File, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from huitong.catalog import selectors, services
from huitong.catalog.schemas import (
    BrandIn,
    BrandOut,
    CategoryIn,
    CategoryOut,
    ImportResultOut,
    ProductIn,
    ProductOut,
    ProductPatch,
    SkuIn,
    SkuOut,
    SkuPatch,
)
from huitong.core.api import ANY_STAFF, actor_of, errors, staff
from huitong.core.permissions import Role

router = Router()
OPERATOR = staff(Role.OPERATOR)
MAX_PAGE = 200


@router.post(
    "/products",
    response={201: ProductOut, **errors(404, 409, 422)},
    auth=OPERATOR,
    summary="Create a product (SPU) with its SKUs",
)
def create_product(request, payload: ProductIn):
    data = payload.dict()
    skus = [services.SkuSpec(**sku) for sku in data.pop("skus")]
    return Status(201, services.create_product(**data, skus=skus, actor=actor_of(request)))


@router.get(
    "/products", response={200: list[ProductOut], **errors()}, auth=ANY_STAFF, summary="List products"
)
@paginate(LimitOffsetPagination, max_limit=MAX_PAGE)
def list_products(
    request,
    search: str | None = None,
    category_id: int | None = None,
    brand_id: int | None = None,
    is_active: bool | None = None,
):
    return selectors.list_products(
        search=search, category_id=category_id, brand_id=brand_id, is_active=is_active
    )


@router.get(
    "/products/{product_id}",
    response={200: ProductOut, **errors(404)},
    auth=ANY_STAFF,
    summary="Get a product with its SKUs",
)
def get_product(request, product_id: int):
    return selectors.get_product(product_id)


@router.patch(
    "/products/{product_id}",
    response={200: ProductOut, **errors(404, 409, 422)},
    auth=OPERATOR,
    summary="Change a product",
)
def update_product(request, product_id: int, payload: ProductPatch):
    changes = payload.dict(exclude_unset=True)
    return services.update_product(product_id=product_id, actor=actor_of(request), **changes)


@router.post(
    "/products/{product_id}/skus",
    response={201: SkuOut, **errors(404, 409, 422)},
    auth=OPERATOR,
    summary="Add a SKU to a product",
)
def add_sku(request, product_id: int, payload: SkuIn):
    sku = services.add_sku(
        product_id=product_id, sku=services.SkuSpec(**payload.dict()), actor=actor_of(request)
    )
    return Status(201, sku)


@router.get("/skus", response={200: list[SkuOut], **errors()}, auth=ANY_STAFF, summary="List or search SKUs")
@paginate(LimitOffsetPagination, max_limit=MAX_PAGE)
def list_skus(
    request, search: str | None = None, product_id: int | None = None, is_active: bool | None = None
):
    return selectors.list_skus(search=search, product_id=product_id, is_active=is_active)


@router.get("/skus/{sku_id}", response={200: SkuOut, **errors(404)}, auth=ANY_STAFF, summary="Get a SKU")
def get_sku(request, sku_id: int):
    return selectors.get_sku(sku_id)


@router.patch(
    "/skus/{sku_id}",
    response={200: SkuOut, **errors(404, 409, 422)},
    auth=OPERATOR,
    summary="Change a SKU's price, cost, barcode, attributes, weight or status",
)
def update_sku(request, sku_id: int, payload: SkuPatch):
    return services.update_sku(sku_id=sku_id, actor=actor_of(request), **payload.dict(exclude_unset=True))


@router.post(
    "/imports",
    response={200: ImportResultOut, **errors(422)},
    auth=OPERATOR,
    summary="Import products and SKUs from .xlsx or .csv (all rows or nothing)",
)
def import_products(request, file: File[UploadedFile]):
    content = file.read()
    return services.import_products(file_name=file.name or "", content=content, actor=actor_of(request))


@router.get("/brands", response={200: list[BrandOut], **errors()}, auth=ANY_STAFF, summary="List brands")
def list_brands(request, search: str | None = None):
    return selectors.list_brands(search=search)


@router.post("/brands", response={201: BrandOut, **errors(409, 422)}, auth=OPERATOR, summary="Create a brand")
def create_brand(request, payload: BrandIn):
    return Status(201, services.create_brand(name=payload.name))


@router.get(
    "/categories",
    response={200: list[CategoryOut], **errors()},
    auth=ANY_STAFF,
    summary="List categories (path order)",
)
def list_categories(request):
    return selectors.list_categories()


@router.post(
    "/categories",
    response={201: CategoryOut, **errors(404, 409, 422)},
    auth=OPERATOR,
    summary="Create a category under an optional parent",
)
def create_category(request, payload: CategoryIn):
    return Status(201, services.create_category(name=payload.name, parent_id=payload.parent_id))
