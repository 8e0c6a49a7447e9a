"""Members reads."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from huitong.members.errors import CustomerNotFound, InvalidMemberInput, MergeNotFound
from huitong.members.models import (
    Customer,
    CustomerIdentity,
    CustomerStatus,
    IdentityKind,
    MemberMerge,
    MemberRfm,
    Segment,
    Tier,
)
from huitong.members.phones import normalise_phone, phone_hash


@dataclass(frozen=True)
class TierInfo:
    code: str
    name: str
    points_multiplier: Decimal
    member_discount_percent: int


DEFAULT_TIER = TierInfo(
    code="normal", name="普通会员", points_multiplier=Decimal("1"), member_discount_percent=100
)


def _info(tier: Tier) -> TierInfo:
    return TierInfo(
        code=tier.code,
        name=tier.name,
        points_multiplier=tier.points_multiplier,
        member_discount_percent=tier.member_discount_percent,
    )


def member_tier(customer_id: int) -> TierInfo:
    """The member's tier and benefits: their computed tier, else the lowest tier, else the default."""
    tier = Tier.objects.filter(pk=Customer.objects.filter(pk=customer_id).values("tier_id")[:1]).first()
    if tier is None:
        tier = Tier.objects.order_by("rank").first()
    return _info(tier) if tier is not None else DEFAULT_TIER


def get_customer(customer_id: int) -> Customer:
    customer = Customer.objects.select_related("tier", "rfm").filter(pk=customer_id).first()
    if customer is None:
        raise CustomerNotFound(detail={"customer_id": customer_id})
    return customer


def live_customer_id(customer_id: int) -> int:
    """The member a (possibly merged) member now lives on: follows merged_into to the end."""
    seen: set[int] = set()
    current = customer_id
    while current not in seen:
        seen.add(current)
        row = Customer.objects.filter(pk=current).values_list("status", "merged_into_id").first()
        if row is None:
            raise CustomerNotFound(detail={"customer_id": customer_id})
        if row[0] == CustomerStatus.ACTIVE:
            return current
        current = row[1]
    raise CustomerNotFound(detail={"customer_id": customer_id})


def list_customers(
    *,
    phone: str | None = None,
    card_no: str | None = None,
    name: str | None = None,
    tier: str | None = None,
    segment: str | None = None,
    status: str | None = None,
) -> QuerySet[Customer]:
    qs = Customer.objects.select_related("tier", "rfm").order_by("-pk")
    if phone:
        hashed = phone_hash(normalise_phone(phone))
        qs = qs.filter(identities__kind=IdentityKind.PHONE, identities__value=hashed)
    if card_no:
        qs = qs.filter(card_no=card_no.strip())
    if name:
        qs = qs.filter(display_name__icontains=name.strip())
    if tier:
        qs = qs.filter(tier__code=tier)
    if segment:
        qs = qs.filter(rfm__segment=_segment(segment))
    if status:
        qs = qs.filter(status=status)
    return qs


def list_identities(customer_id: int) -> QuerySet[CustomerIdentity]:
    get_customer(customer_id)
    return CustomerIdentity.objects.filter(customer_id=customer_id).order_by("kind", "platform", "pk")


def list_merges(*, customer_id: int | None = None, status: str | None = None) -> QuerySet[MemberMerge]:
    qs = MemberMerge.objects.order_by("-created_at", "-pk")
    if customer_id is not None:
        qs = qs.filter(Q(source_id=customer_id) | Q(target_id=customer_id))
    if status:
        qs = qs.filter(status=status)
    return qs


def get_merge(merge_id: int) -> MemberMerge:
    merge = MemberMerge.objects.filter(pk=merge_id).first()
    if merge is None:
        raise MergeNotFound(detail={"merge_id": merge_id})
    return merge


def list_tiers() -> QuerySet[Tier]:
    return Tier.objects.order_by("rank")


def _segment(segment: str) -> str:
    if segment not in Segment.values:
        raise InvalidMemberInput.for_fields({"segment": _("未知分群：%(s)s") % {"s": segment}})
    return segment


def segment_customer_ids(*, segment: str) -> list[int]:
    """Active members in an RFM segment (a promotion audience), by id."""
    return list(
        MemberRfm.objects.filter(segment=_segment(segment), customer__status=CustomerStatus.ACTIVE)
        .order_by("customer_id")
        .values_list("customer_id", flat=True)
    )


@dataclass(frozen=True)
class SegmentCount:
    code: str
    label: str
    count: int


def segment_counts() -> list[SegmentCount]:
    counts = dict(
        MemberRfm.objects.filter(customer__status=CustomerStatus.ACTIVE)
        .values("segment")
        .annotate(n=Count("id"))
        .values_list("segment", "n")
    )
    return [
        SegmentCount(code=code, label=str(label), count=counts.get(code, 0))
        for code, label in Segment.choices
    ]
