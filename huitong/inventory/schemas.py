from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from huitong.inventory.models import LocationKind


class LocationIn(Schema):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=100)
    kind: LocationKind
    province: str = ""
    city: str = ""
    district: str = ""
    address: str = ""
    priority: int = 100


class LocationOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    province: str
    city: str
    district: str
    priority: int
    is_active: bool


class StockLevelOut(Schema):
    location_id: int
    location_code: str
    location_name: str
    location_kind: str
    on_hand: int
    reserved: int
    available: int
    safety_stock: int


class SkuStockOut(Schema):
    sku_id: int
    on_hand: int
    reserved: int
    available: int
    locations: list[StockLevelOut]


class MovementOut(Schema):
    id: int
    sku_id: int = Field(alias="stock_item.sku_id")
    location_id: int = Field(alias="stock_item.location_id")
    kind: str
    quantity: int
    reference: str
    reason: str
    actor_label: str
    created_at: datetime


class ReceiptIn(Schema):
    sku_id: int
    location_id: int
    quantity: int = Field(gt=0)
    reference: str = Field(min_length=1, max_length=100)
    reason: str = ""


class AdjustmentIn(Schema):
    sku_id: int
    location_id: int
    counted: int = Field(ge=0)
    reference: str = Field(min_length=1, max_length=100)
    reason: str = ""


class TransferIn(Schema):
    sku_id: int
    from_location_id: int
    to_location_id: int
    quantity: int = Field(gt=0)
    reference: str = Field(min_length=1, max_length=100)
    reason: str = ""


class SafetyStockIn(Schema):
    sku_id: int
    location_id: int
    safety_stock: int = Field(ge=0)


class AdjustmentOut(Schema):
    changed: bool
    movement: MovementOut | None


class TransferOut(Schema):
    out: MovementOut
    into: MovementOut
