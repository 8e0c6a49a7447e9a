from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class FlashSaleIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    store_id: int
    sku_id: int
    location_id: int
    price_fen: int = Field(ge=0)
    starts_at: datetime
    ends_at: datetime
    quantity: int = Field(ge=1)
    per_buyer_limit: int = Field(default=1, ge=1)
    unpaid_timeout_minutes: int = Field(default=10, ge=1, le=1440)


class FlashSalePatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    store_id: int | None = None
    sku_id: int | None = None
    location_id: int | None = None
    price_fen: int | None = Field(default=None, ge=0)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    quantity: int | None = Field(default=None, ge=1)
    per_buyer_limit: int | None = Field(default=None, ge=1)
    unpaid_timeout_minutes: int | None = Field(default=None, ge=1, le=1440)


class FlashSaleOut(Schema):
    id: int
    name: str
    store_id: int
    sku_id: int
    location_id: int
    price_fen: int
    starts_at: datetime
    ends_at: datetime
    quantity: int
    per_buyer_limit: int
    unpaid_timeout_minutes: int
    status: str
    remaining: int
    reservation_id: int | None
    released_quantity: int
    started_at: datetime | None
    ended_at: datetime | None


class EndIn(Schema):
    reason: str = Field(default="", max_length=200)


class StatsOut(Schema):
    sale_id: int
    status: str
    quantity: int
    sold: int
    held: int
    paid: int
    returned: int
    buyers: int
    remaining_db: int
    set_aside: int
    remaining_redis: int | None
    held_redis: int | None
    released: int


class ClaimOut(Schema):
    id: int
    customer_id: int
    claim_no: int
    quantity: int
    status: str
    order_number: str = Field(alias="order.number")
    created_at: datetime
    closed_at: datetime | None


class SyncOut(Schema):
    loaded: bool


# --- storefront -----------------------------------------------------------------------------------


class ReceiverIn(Schema):
    name: str = Field(min_length=1, max_length=50)
    phone: str = Field(min_length=1, max_length=30)
    province: str = Field(default="", max_length=40)
    city: str = Field(default="", max_length=40)
    district: str = Field(default="", max_length=40)
    address: str = Field(min_length=1, max_length=200)


class PurchaseIn(Schema):
    quantity: int = Field(default=1, ge=1, le=100)
    receiver: ReceiverIn
    request_id: str = Field(
        default="", max_length=64, description="客户端生成的请求号:重试同一请求返回同一订单"
    )


class PurchaseOut(Schema):
    sale_id: int
    claim_no: int
    quantity: int
    order_number: str
    amount_due_fen: int
    pay_before: datetime
    created: bool


class PublicSaleOut(Schema):
    id: int
    name: str
    sku_id: int
    price_fen: int
    starts_at: datetime
    ends_at: datetime
    per_buyer_limit: int
    status: str
    remaining: int
