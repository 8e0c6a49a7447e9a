from __future__ import annotations

from ninja import Field, Schema

from huitong.orders.schemas import ReceiverIn
from huitong.payments.schemas import TenderIn


class CartLineIn(Schema):
    sku_id: int
    quantity: int = Field(gt=0, le=999)


class CartIn(Schema):
    store_id: int
    lines: list[CartLineIn] = Field(min_length=1, max_length=100)
    coupon_codes: list[str] = Field(default=[], max_length=5)
    points: int = Field(default=0, ge=0)


class PlaceIn(CartIn):
    receiver: ReceiverIn = ReceiverIn()
    buyer_remark: str = Field(default="", max_length=500)
    shipping_fen: int = Field(default=0, ge=0)
    checkout_token: str = Field(default="", max_length=64, description="Same token twice = the same order")


class MemberRef(Schema):
    customer_id: int | None = None
    phone: str = Field(default="", max_length=30)
    card_no: str = Field(default="", max_length=16)


class CounterSaleIn(CartIn):
    member: MemberRef | None = None
    tenders: list[TenderIn] = Field(default=[], max_length=10)


class PricedLineOut(Schema):
    sku_id: int
    quantity: int
    unit_price_fen: int
    discount_fen: int
    amount_fen: int


class GiftOut(Schema):
    sku_id: int
    quantity: int
    reason: str


class AdjustmentOut(Schema):
    kind: str
    reason: str
    amount_fen: int
    source_id: int | None
    code: str = ""


class UnappliedOut(Schema):
    code: str
    reason: str


class PricedOut(Schema):
    lines: list[PricedLineOut]
    gifts: list[GiftOut]
    adjustments: list[AdjustmentOut]
    unapplied_coupons: list[UnappliedOut]
    subtotal_fen: int
    discount_fen: int
    total_fen: int


class PreviewOut(Schema):
    priced: PricedOut
    shipping_fen: int
    total_fen: int
    points_balance: int
    points_redeemable: int


class OrderSummaryOut(Schema):
    number: str
    status: str
    total_fen: int
    paid_fen: int
    due_fen: int
    discount_fen: int
    customer_id: int | None


class PlacedOut(Schema):
    order: OrderSummaryOut
    adjustments: list[AdjustmentOut] = []
    points_fen: int


class PayIn(Schema):
    method: str = Field(default="sandbox", pattern="^(sandbox|alipay|wechat)$")


class PayOut(Schema):
    order: OrderSummaryOut
    pay_url: str = ""
    qr_code: str = ""
