from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema

from huitong.core.permissions import Role, has_any_role
from huitong.members.models import IdentityKind
from huitong.members.phones import masked, national

# Roles that see a member's phone in full; everyone else sees 138****0000.
PHONE_ROLES = (Role.ADMIN, Role.CUSTOMER_SERVICE)


def _viewer_sees_phone(context) -> bool:
    request = context.get("request") if context else None
    user = getattr(request, "auth", None)
    return user is not None and not isinstance(user, int) and has_any_role(user, PHONE_ROLES)


def shown_phone(e164: str, context) -> str:
    if not e164:
        return ""
    return national(e164) if _viewer_sees_phone(context) else masked(e164)


class TierOut(Schema):
    id: int
    code: str
    name: str
    rank: int
    min_spend_fen: int
    points_multiplier: Decimal
    member_discount_percent: int


class TierPatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=30)
    min_spend_fen: int | None = Field(default=None, ge=0)
    points_multiplier: Decimal | None = Field(default=None, gt=0, lt=100, decimal_places=2)
    member_discount_percent: int | None = Field(default=None, ge=1, le=100)


class RfmOut(Schema):
    recency_days: int
    frequency: int
    monetary_fen: int
    r_score: int
    f_score: int
    m_score: int
    segment: str
    computed_at: datetime


class CustomerOut(Schema):
    id: int
    display_name: str
    phone: str
    status: str
    merged_into_id: int | None
    card_no: str
    tier_code: str
    tier_name: str
    spend_12m_fen: int
    rfm: RfmOut | None
    created_at: datetime

    @staticmethod
    def resolve_phone(obj, context) -> str:
        return shown_phone(obj.phone, context)

    @staticmethod
    def resolve_tier_code(obj) -> str:
        return obj.tier.code if obj.tier_id else ""

    @staticmethod
    def resolve_tier_name(obj) -> str:
        return obj.tier.name if obj.tier_id else ""

    @staticmethod
    def resolve_rfm(obj):
        return getattr(obj, "rfm", None)  # no scores yet: None


class CustomerIn(Schema):
    phone: str = Field(min_length=1, max_length=30)
    name: str = Field(default="", max_length=100)


class CustomerFilter(Schema):
    phone: str | None = None
    card_no: str | None = None
    name: str | None = None
    tier: str | None = None
    segment: str | None = None
    status: str | None = None


class IdentityOut(Schema):
    id: int
    kind: str
    platform: str
    value: str

    @staticmethod
    def resolve_value(obj, context) -> str:
        return shown_phone(obj.phone, context) if obj.kind == IdentityKind.PHONE else obj.value


class MergeIn(Schema):
    source_id: int
    target_id: int
    reason: str = Field(min_length=1, max_length=200)


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


class MergeOut(Schema):
    id: int
    source_id: int
    target_id: int
    status: str
    reason: str
    actor_label: str
    moved: dict
    created_at: datetime
    undone_at: datetime | None
    undo_reason: str


class MergeFilter(Schema):
    customer_id: int | None = None
    status: str | None = None


class SegmentCountOut(Schema):
    code: str
    label: str
    count: int


class RfmRunOut(Schema):
    scored: int
    segments: list[SegmentCountOut]


# --- storefront -------------------------------------------------------------------------------------


class CodeIn(Schema):
    phone: str = Field(min_length=1, max_length=30)


class LoginIn(Schema):
    phone: str = Field(min_length=1, max_length=30)
    code: str = Field(min_length=1, max_length=10)


class LoginOut(Schema):
    token: str
    customer_id: int


class MeOut(Schema):
    id: int
    display_name: str
    phone: str
    card_no: str
    tier_code: str
    tier_name: str
    segment: str
    segment_label: str
