"""Marketing API schemas. Inputs mirror the service signatures; outputs list their fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class PromotionIn(Schema):
    name: str = Field(max_length=100)
    kind: str
    params: dict[str, Any]
    starts_at: datetime
    ends_at: datetime | None = None
    stage: int | None = None
    exclusive_group: str = Field(default="", max_length=40)
    exclusive: bool = False
    priority: int = 0
    scope: dict[str, Any] = {}
    audience_tiers: list[str] = []
    audience_segments: list[str] = []
    is_active: bool = True


class PromotionOut(Schema):
    id: int
    name: str
    kind: str
    params: dict[str, Any]
    stage: int
    exclusive_group: str
    exclusive: bool
    priority: int
    scope: dict[str, Any]
    audience_tiers: list[str]
    audience_segments: list[str]
    starts_at: datetime
    ends_at: datetime | None
    is_active: bool
    created_at: datetime


class ActiveIn(Schema):
    is_active: bool


class MemberPriceIn(Schema):
    price_fen: int


class MemberPriceOut(Schema):
    id: int
    sku_id: int
    tier_code: str
    price_fen: int


class CouponTemplateIn(Schema):
    name: str = Field(max_length=100)
    kind: str
    value_fen: int = 0
    pay_percent: int | None = None
    cap_fen: int | None = None
    threshold_fen: int = 0
    scope: dict[str, Any] = {}
    exclusive_group: str = Field(default="", max_length=40)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    valid_days: int | None = None
    per_member_limit: int = 1
    total_quantity: int | None = None


class CouponTemplateOut(Schema):
    id: int
    name: str
    kind: str
    value_fen: int
    pay_percent: int | None
    cap_fen: int | None
    threshold_fen: int
    scope: dict[str, Any]
    exclusive_group: str
    valid_from: datetime | None
    valid_until: datetime | None
    valid_days: int | None
    per_member_limit: int
    total_quantity: int | None
    issued_count: int
    is_active: bool


class IssueIn(Schema):
    customer_id: int


class CodesIn(Schema):
    count: int


class CouponOut(Schema):
    id: int
    code: str
    template_id: int
    template_name: str = Field(alias="template.name")
    customer_id: int | None
    campaign_id: int | None
    status: str
    valid_from: datetime
    valid_until: datetime
    used_reference: str
    used_at: datetime | None
    discount_fen: int
    order_total_fen: int
    issued_at: datetime


class VoidIn(Schema):
    reason: str = Field(max_length=200)


class CampaignIn(Schema):
    name: str = Field(max_length=100)
    template_id: int
    segment: str = Field(max_length=40)


class CampaignOut(Schema):
    id: int
    name: str
    template_id: int
    segment: str
    status: str
    issued_count: int
    skipped_count: int
    note: str
    created_at: datetime
    last_run_at: datetime | None


class RunIn(Schema):
    batch_size: int = 500


class CampaignRunOut(Schema):
    campaign_id: int
    members: int
    issued: int
    already_had: int
    skipped: int
    exhausted: bool


class CampaignReportOut(Schema):
    campaign_id: int
    issued: int
    used: int
    orders: int
    revenue_fen: int
    cost_fen: int
    use_rate_percent: int


class QuoteLineIn(Schema):
    sku_id: int
    quantity: int


class QuoteIn(Schema):
    store_id: int
    lines: list[QuoteLineIn]
    customer_id: int | None = None
    coupon_codes: list[str] = []
    at: datetime | None = None


class PricedLineOut(Schema):
    sku_id: int
    quantity: int
    unit_price_fen: int
    discount_fen: int
    amount_fen: int


class GiftOut(Schema):
    sku_id: int
    quantity: int
    unit_price_fen: int
    value_fen: int
    source_id: int
    reason: str


class AdjustmentLineOut(Schema):
    line: int
    amount_fen: int


class AdjustmentOut(Schema):
    kind: str
    reason: str
    name: str
    code: str
    amount_fen: int
    source_id: int | None
    stage: int
    lines: list[AdjustmentLineOut]

    @staticmethod
    def resolve_lines(obj) -> list[dict[str, int]]:
        return [{"line": i, "amount_fen": amount} for i, amount in obj.lines]


class UnappliedOut(Schema):
    source_id: int | None
    code: str
    reason: str


class QuoteOut(Schema):
    lines: list[PricedLineOut]
    gifts: list[GiftOut]
    adjustments: list[AdjustmentOut]
    unapplied_coupons: list[UnappliedOut]
    subtotal_fen: int
    discount_fen: int
    total_fen: int
