"""Catalog API schemas. Inputs mirror the service signatures; money is integer fen (``*_fen``)."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from huitong.catalog.models import Category, Product, Sku
from huitong.core.money import fen_to_yuan


class SkuIn(Schema):
    code: str = Field(..., description="SKU 编码(商家编码),全局唯一")
    price_fen: int = Field(..., description="售价,单位分")
    cost_fen: int = 0
    barcode: str = Field("", description="EAN-8 / UPC-A / EAN-13,可为空")
    attributes: dict[str, str] = Field(default_factory=dict, description='如 {"规格": "250g", "颜色": "绿"}')
    weight_g: int = 0


class ProductIn(Schema):
    spu_code: str
    name: str
    skus: list[SkuIn]
    brand_id: int | None = None
    brand_name: str | None = Field(None, description="按名称指定品牌,不存在则创建")
    category_id: int | None = None
    category_path: str | None = Field(None, description="按路径指定分类,如 “茶叶/绿茶”,不存在则创建")
    description: str = ""
    is_active: bool = True


class ProductPatch(Schema):
    """Only the fields sent are changed; ``brand_id: null`` / ``category_id: null`` clear them."""

    name: str | None = None
    description: str | None = None
    is_active: bool | None = None
    brand_id: int | None = None
    brand_name: str | None = None
    category_id: int | None = None
    category_path: str | None = None


class SkuPatch(Schema):
    """Only the fields sent are changed; ``barcode: ""`` removes the barcode."""

    price_fen: int | None = None
    cost_fen: int | None = None
    barcode: str | None = None
    attributes: dict[str, str] | None = None
    weight_g: int | None = None
    is_active: bool | None = None


class SkuOut(Schema):
    id: int
    product_id: int
    code: str
    barcode: str
    attributes: dict[str, str]
    display_name: str
    price_fen: int
    price_yuan: str = Field(..., description="售价(元),只读")
    cost_fen: int
    weight_g: int
    is_active: bool

    @staticmethod
    def resolve_price_yuan(obj: Sku) -> str:
        return str(fen_to_yuan(obj.price_fen))


class ProductOut(Schema):
    id: int
    spu_code: str
    name: str
    brand_id: int | None
    brand_name: str | None
    category_id: int | None
    category_path: str | None
    description: str
    is_active: bool
    created_at: datetime
    updated_at: datetime
    skus: list[SkuOut]

    @staticmethod
    def resolve_brand_name(obj: Product) -> str | None:
        return obj.brand.name if obj.brand_id else None

    @staticmethod
    def resolve_category_path(obj: Product) -> str | None:
        return obj.category.path if obj.category_id else None

    @staticmethod
    def resolve_skus(obj: Product) -> list[Sku]:
        return list(obj.skus.all())


class BrandIn(Schema):
    name: str


class BrandOut(Schema):
    id: int
    name: str


class CategoryIn(Schema):
    name: str
    parent_id: int | None = None


class CategoryOut(Schema):
    id: int
    name: str
    parent_id: int | None
    path: str

    @staticmethod
    def resolve_parent_id(obj: Category) -> int | None:
        return obj.parent_id


class ImportResultOut(Schema):
    created_products: int
    updated_products: int
    created_skus: int
    updated_skus: int
