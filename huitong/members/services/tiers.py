"""Purchase facts and tiers: a member's tier follows their net spend over the last 12 months."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _

from huitong.core import audit
from huitong.core.actors import Actor
from huitong.members.errors import CustomerMerged, CustomerNotFound, InvalidMemberInput, TierNotFound
from huitong.members.models import Customer, CustomerStatus, Purchase, Tier

NET = F("amount_fen") - F("refunded_fen")


def window_start(now: datetime) -> datetime:
    """The start of the rolling 12 months ending at ``now`` (purchases after it count)."""
    try:
        return now.replace(year=now.year - 1)
    except ValueError:  # 29 February
        return now.replace(year=now.year - 1, day=28)


def tier_for(spend_fen: int, tiers: list[Tier]) -> Tier | None:
    """The highest-ranked tier whose threshold ``spend_fen`` reaches (tiers in any order)."""
    reached = [t for t in tiers if spend_fen >= t.min_spend_fen]
    return max(reached, key=lambda t: t.rank) if reached else None


def base_tier_id() -> int | None:
    """The tier a new member starts in: the lowest-ranked one (None when no tiers are configured)."""
    return Tier.objects.order_by("rank").values_list("pk", flat=True).first()


def record_purchase(
    *, customer_id: int, reference: str, store_id: int, amount_fen: int, at: datetime
) -> bool:
    """Record a member's purchase (idempotent per reference); False when the reference was recorded
    before. Recomputes the member's tier."""
    reference = reference.strip()
    errors = {}
    if not reference or len(reference) > 100:
        errors["reference"] = _("单号必填，且不超过 100 个字符")
    if amount_fen < 0:
        errors["amount_fen"] = _("金额不能为负")
    if timezone.is_naive(at):
        errors["at"] = _("时间必须带时区")
    if errors:
        raise InvalidMemberInput.for_fields(errors)
    with transaction.atomic():
        customer = _lock_active(customer_id)
        try:
            with transaction.atomic():
                Purchase.objects.create(
                    customer=customer, reference=reference, store_id=store_id, amount_fen=amount_fen, at=at
                )
        except IntegrityError:
            return False
        _recompute(customer, tiers=list(Tier.objects.all()), now=timezone.now())
    return True


def record_refund(*, reference: str, amount_fen: int) -> None:
    """Take ``amount_fen`` off a recorded purchase (refunds past its amount stop at the amount) and
    recompute the member's tier. A reference never recorded (an order without a member) is nothing to do."""
    if amount_fen <= 0:
        raise InvalidMemberInput.for_fields({"amount_fen": _("退款金额必须大于 0")})
    customer_id = (
        Purchase.objects.filter(reference=reference.strip()).values_list("customer_id", flat=True).first()
    )
    if customer_id is None:
        return
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer_id)
        Purchase.objects.filter(reference=reference.strip()).update(
            refunded_fen=Least(F("refunded_fen") + amount_fen, F("amount_fen"))
        )
        if customer.status == CustomerStatus.ACTIVE:
            _recompute(customer, tiers=list(Tier.objects.all()), now=timezone.now())


def recompute_member_tier(*, customer_id: int, now: datetime | None = None) -> Customer:
    """One member's 12-month spend and tier, now (inside the caller's transaction when there is one)."""
    with transaction.atomic():
        customer = _lock_active(customer_id, allow_merged=True)
        _recompute(customer, tiers=list(Tier.objects.all()), now=now or timezone.now())
    return customer


def recompute_tiers(*, now: datetime | None = None) -> int:
    """Every active member's tier as of ``now`` (purchases leave the window as time passes); returns
    how many members changed tier. A member recomputed concurrently keeps that fresher result."""
    now = now or timezone.now()
    tiers = list(Tier.objects.all())
    by_id = {t.pk: t for t in tiers}
    spend = dict(
        Purchase.objects.filter(at__gt=window_start(now), customer__status=CustomerStatus.ACTIVE)
        .values("customer_id")
        .annotate(net=Sum(NET))
        .values_list("customer_id", "net")
    )
    changed = 0
    rows = Customer.objects.filter(status=CustomerStatus.ACTIVE).values_list("pk", "tier_id", "spend_12m_fen")
    for customer_id, tier_id, old_spend in rows.iterator():
        new_spend = int(spend.get(customer_id) or 0)
        tier = tier_for(new_spend, tiers)
        new_tier_id = tier.pk if tier else None
        if (new_tier_id, new_spend) == (tier_id, old_spend):
            continue
        updated = Customer.objects.filter(pk=customer_id, tier_id=tier_id, spend_12m_fen=old_spend).update(
            tier_id=new_tier_id, spend_12m_fen=new_spend
        )
        if updated and new_tier_id != tier_id:
            changed += 1
            _audit_tier(Customer(pk=customer_id), by_id.get(tier_id), tier, Actor.system("recompute_tiers"))
    return changed


@transaction.atomic
def update_tier(
    *,
    tier_id: int,
    actor: Actor,
    name: str | None = None,
    min_spend_fen: int | None = None,
    points_multiplier: Decimal | None = None,
    member_discount_percent: int | None = None,
) -> Tier:
    """Change a tier's threshold or benefits; thresholds must rise with rank. Members move at the next
    ``recompute_tiers``."""
    tier = Tier.objects.select_for_update().filter(pk=tier_id).first()
    if tier is None:
        raise TierNotFound(detail={"tier_id": tier_id})
    before = {
        "name": tier.name,
        "min_spend_fen": tier.min_spend_fen,
        "points_multiplier": str(tier.points_multiplier),
        "member_discount_percent": tier.member_discount_percent,
    }
    changes = {
        k: v
        for k, v in {
            "name": name,
            "min_spend_fen": min_spend_fen,
            "points_multiplier": points_multiplier,
            "member_discount_percent": member_discount_percent,
        }.items()
        if v is not None
    }
    for field, value in changes.items():
        setattr(tier, field, value.strip() if isinstance(value, str) else value)
    _check_tier(tier)
    tier.save()
    audit.record(
        actor=actor,
        obj=tier,
        reason="tier updated",
        data={"before": before, "after": {k: str(v) for k, v in changes.items()}},
    )
    return tier


def _check_tier(tier: Tier) -> None:
    errors = {}
    if not tier.name or len(tier.name) > 30:
        errors["name"] = _("名称必填，且不超过 30 个字符")
    if tier.min_spend_fen < 0:
        errors["min_spend_fen"] = _("门槛不能为负")
    else:
        others = Tier.objects.exclude(pk=tier.pk)
        below = others.filter(rank__lt=tier.rank, min_spend_fen__gte=tier.min_spend_fen).exists()
        above = others.filter(rank__gt=tier.rank, min_spend_fen__lte=tier.min_spend_fen).exists()
        if below or above:
            errors["min_spend_fen"] = _("门槛必须随等级升高")
    if tier.points_multiplier <= 0 or tier.points_multiplier >= 100:
        errors["points_multiplier"] = _("积分倍数必须大于 0 且小于 100")
    if not 1 <= tier.member_discount_percent <= 100:
        errors["member_discount_percent"] = _("会员折扣必须在 1 到 100 之间")
    if errors:
        raise InvalidMemberInput.for_fields(errors)


def _lock_active(customer_id: int, *, allow_merged: bool = False) -> Customer:
    customer = Customer.objects.select_for_update().filter(pk=customer_id).first()
    if customer is None:
        raise CustomerNotFound(detail={"customer_id": customer_id})
    if customer.status != CustomerStatus.ACTIVE and not allow_merged:
        raise CustomerMerged(detail={"customer_id": customer_id, "merged_into": customer.merged_into_id})
    return customer


def _recompute(customer: Customer, *, tiers: list[Tier], now: datetime) -> None:
    spend = (
        Purchase.objects.filter(customer=customer, at__gt=window_start(now)).aggregate(net=Sum(NET))["net"]
        or 0
    )
    tier = tier_for(int(spend), tiers)
    old = next((t for t in tiers if t.pk == customer.tier_id), None)
    customer.spend_12m_fen, customer.tier = int(spend), tier
    customer.save(update_fields=["spend_12m_fen", "tier"])
    if tier != old:
        _audit_tier(customer, old, tier, Actor.system("tiers"))


def _audit_tier(customer: Customer, old: Tier | None, new: Tier | None, actor: Actor) -> None:
    audit.record(
        actor=actor,
        obj=customer,
        reason="tier",
        data={"from_tier": old.code if old else "", "to_tier": new.code if new else ""},
    )
