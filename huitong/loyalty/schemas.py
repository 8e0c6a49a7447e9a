from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema


class PointsSummaryOut(Schema):
    customer_id: int
    balance: int
    debt: int
    redeem_value_fen: int


class PointsEntryOut(Schema):
    id: int
    kind: str
    points: int
    reference: str
    source_reference: str
    amount_fen: int
    shortfall: int
    reason: str
    actor_label: str
    created_at: datetime


class PointsLotOut(Schema):
    id: int
    points: int
    remaining: int
    earned_at: datetime
    expires_at: datetime


class AdjustPointsIn(Schema):
    points: int
    reason: str = Field(min_length=1, max_length=200)
    reference: str = Field(min_length=1, max_length=100)


class EarnRuleIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    store_id: int | None = None
    platform: str = ""
    points_per_yuan: Decimal = Field(ge=0, le=1000, decimal_places=2)
    is_active: bool = True


class EarnRuleOut(Schema):
    id: int
    name: str
    store_id: int | None
    platform: str
    points_per_yuan: Decimal
    is_active: bool


class RedeemConfigIn(Schema):
    points_per_yuan: int = Field(ge=1, le=100_000)
    max_share_percent: int = Field(ge=0, le=100)
    step: int = Field(ge=1, le=100_000)


class RedeemConfigOut(Schema):
    points_per_yuan: int
    max_share_percent: int
    step: int


class StoredValueOut(Schema):
    customer_id: int
    balance_fen: int


class StoredValueEntryOut(Schema):
    id: int
    kind: str
    amount_fen: int
    reference: str
    source_reference: str
    actor_label: str
    created_at: datetime


class TopUpIn(Schema):
    amount_fen: int = Field(gt=0)
    reference: str = Field(min_length=1, max_length=100)


class TopUpOut(Schema):
    entry_id: int
    balance_fen: int


class GiftCardBatchIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    face_value_fen: int = Field(gt=0)
    quantity: int = Field(ge=1, le=1000)
    expires_at: datetime


class IssuedCardOut(Schema):
    card_no: str
    pin: str


class GiftCardBatchOut(Schema):
    batch_id: int
    name: str
    face_value_fen: int
    expires_at: datetime
    cards: list[IssuedCardOut]


class GiftCardEntryOut(Schema):
    id: int
    kind: str
    amount_fen: int
    reference: str
    created_at: datetime


class GiftCardOut(Schema):
    card_no_masked: str
    batch_id: int
    face_value_fen: int
    balance_fen: int
    status: str
    expires_at: datetime
    locked: bool
    entries: list[GiftCardEntryOut]


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=200)
