"""Points: earn, redeem, return, claw back, adjust, expire. Every change locks the member's account
row, writes ledger entries and moves the balance by conditional UPDATE in one transaction; lots are
consumed oldest-expiring first."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from django.db import transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone

from huitong.channels import selectors as channels
from huitong.core import audit
from huitong.core.actors import Actor
from huitong.core.errors import InvalidInput
from huitong.core.money import round_fen
from huitong.loyalty import selectors
from huitong.loyalty.errors import (
    InsufficientPoints,
    InvalidPoints,
    RedemptionNotFound,
    ReferenceConflict,
    RefundExceedsSpent,
)
from huitong.loyalty.models import EarnRule, LotUse, PointsAccount, PointsEntry, PointsKind, PointsLot
from huitong.loyalty.services._common import (
    actor_fields,
    change_balance,
    check_aware,
    check_customer,
    check_fen,
    check_points,
    check_reference,
    is_int,
    lock_account_of,
    lock_resolved,
    lot_expiry,
)
from huitong.members import selectors as members

DEFAULT_POINTS_PER_YUAN = Decimal(1)


def _tier_multiplier(customer_id: int) -> Decimal:
    return Decimal(members.member_tier(customer_id).points_multiplier)


def _insufficient(account: PointsAccount, requested: int) -> InsufficientPoints:
    return InsufficientPoints(
        detail={
            "balance": account.balance,
            "requested": requested,
            "fields": {"points": f"积分余额 {account.balance}，不足 {requested}"},
        }
    )


def _add(account: PointsAccount, delta: int) -> None:
    change_balance(PointsAccount, account.pk, delta, field="balance", error=_insufficient(account, -delta))
    account.balance += delta


def _entry(
    account: PointsAccount, kind: str, points: int, reference: str, actor: Actor, **extra
) -> PointsEntry:
    return PointsEntry.objects.create(
        account=account, kind=kind, points=points, reference=reference, **actor_fields(actor), **extra
    )


def _new_lot(account, entry, points: int, *, earned_at: datetime, expires_at: datetime) -> PointsLot:
    return PointsLot.objects.create(
        account=account,
        entry=entry,
        points=points,
        remaining=points,
        earned_at=earned_at,
        expires_at=expires_at,
    )


def _take_from_lots(account: PointsAccount, entry: PointsEntry, points: int, lots=None) -> None:
    """Take ``points`` from the account's lots, oldest-expiring first (the account row is locked, so
    the lots cannot change underneath; each lot still changes by conditional UPDATE)."""
    left, uses = points, []
    if lots is None:
        lots = PointsLot.objects.filter(account=account, remaining__gt=0).order_by("expires_at", "id")
    for lot in lots:
        if left == 0:
            break
        take = min(lot.remaining, left)
        if (
            PointsLot.objects.filter(pk=lot.pk, remaining__gte=take).update(remaining=lot.remaining - take)
            != 1
        ):
            raise RuntimeError(f"points lot {lot.pk} changed under the account lock")
        uses.append(LotUse(entry=entry, lot=lot, points=take))
        left -= take
    if left:
        raise RuntimeError(f"points account {account.pk}: lots hold {points - left} of {points}")
    LotUse.objects.bulk_create(uses)


def _expire_due(account: PointsAccount, now: datetime, actor: Actor) -> int:
    """Write off every lot of the (locked) account whose expiry has come: one entry per lot."""
    written = 0
    for lot in PointsLot.objects.filter(account=account, remaining__gt=0, expires_at__lte=now).order_by(
        "expires_at", "id"
    ):
        entry = _entry(
            account,
            PointsKind.EXPIRE,
            -lot.remaining,
            f"expire:{lot.pk}",
            actor,
            reason=f"{lot.expires_at.astimezone(timezone.get_current_timezone()):%Y-%m-%d} 到期",
        )
        _take_from_lots(account, entry, lot.remaining, lots=[lot])
        _add(account, -lot.remaining)
        written += 1
    return written


def _earn_rate(store) -> Decimal:
    rules = {
        (r.store_id, r.platform): r
        for r in EarnRule.objects.filter(is_active=True).filter(
            Q(store_id=store.pk) | Q(store__isnull=True, platform__in=[store.platform, ""])
        )
    }
    for key in ((store.pk, ""), (None, store.platform), (None, "")):
        if key in rules:
            return rules[key].points_per_yuan
    return DEFAULT_POINTS_PER_YUAN


def points_for(*, customer_id: int, store_id: int, paid_fen: int) -> int:
    """Points an order of ``paid_fen`` at that store earns the member: floor(yuan × rate × tier multiplier)."""
    store = channels.get_store(store_id)
    exact = Decimal(paid_fen) * _earn_rate(store) * _tier_multiplier(customer_id) / 100
    return int(exact.to_integral_value(rounding=ROUND_FLOOR))


def _same_earning(entry: PointsEntry, store_id: int, paid_fen: int) -> int:
    if entry.amount_fen != paid_fen or entry.store_id != store_id:
        raise ReferenceConflict(detail={"fields": {"reference": f"{entry.reference} 已按其他金额或店铺积分"}})
    return entry.points


@transaction.atomic
def earn_points(
    *, customer_id: int, reference: str, store_id: int, paid_fen: int, at: datetime, actor: Actor
) -> int:
    """Credit the points an order earned (a new lot expiring at the end of next year). Debt left by
    earlier clawbacks is settled first. A replay of the same reference returns the same points."""
    check_reference(reference)
    check_aware(at)
    if not is_int(paid_fen) or paid_fen < 0:
        raise InvalidInput.for_fields({"paid_fen": "必须为非负整数(分)"})
    points = points_for(customer_id=customer_id, store_id=store_id, paid_fen=paid_fen)
    existing = PointsEntry.objects.filter(kind=PointsKind.EARN, reference=reference).first()
    if existing is None and points == 0:
        check_customer(customer_id)
        return 0  # nothing to credit, and no account is opened for it
    account = lock_account_of(PointsAccount, customer_id, create=True)
    existing = existing or PointsEntry.objects.filter(kind=PointsKind.EARN, reference=reference).first()
    if existing is not None:  # a replay (checked again under the lock: a concurrent twin may just have won)
        return _same_earning(existing, store_id, paid_fen)
    entry = _entry(account, PointsKind.EARN, points, reference, actor, amount_fen=paid_fen, store_id=store_id)
    _add(account, points)
    lot = _new_lot(account, entry, points, earned_at=at, expires_at=lot_expiry(at))
    settle = min(points, account.debt)
    if settle:
        change_balance(PointsAccount, account.pk, -settle, field="debt", error=RuntimeError("debt changed"))
        settled = _entry(
            account,
            PointsKind.SETTLE_DEBT,
            -settle,
            reference,
            actor,
            source_reference=reference,
            reason="抵扣退款欠分",
        )
        _take_from_lots(account, settled, settle, lots=[lot])
        _add(account, -settle)
    return points


@transaction.atomic
def redeem_points(
    *, customer_id: int, points: int, reference: str, actor: Actor, order_total_fen: int | None = None
) -> int:
    """Spend points as part-payment; returns their value in fen. The balance never goes below zero
    (InsufficientPoints 409). With ``order_total_fen`` the configured share cap is enforced too. A
    replay of the same reference returns the same value."""
    check_points(points)
    check_reference(reference)
    config = selectors.redeem_config()
    if points % config.step:
        raise InvalidPoints(detail={"fields": {"points": f"须为 {config.step} 的整数倍"}})
    account = lock_account_of(PointsAccount, customer_id, create=False)
    existing = PointsEntry.objects.filter(kind=PointsKind.REDEEM, reference=reference).first()
    if existing is not None:
        if account is None or existing.account_id != account.pk or existing.points != -points:
            raise ReferenceConflict(detail={"fields": {"reference": f"{reference} 已用于另一笔积分抵现"}})
        return existing.amount_fen
    if order_total_fen is not None:
        cap = selectors.fen_to_points(order_total_fen * config.max_share_percent // 100, config=config)
        if points > cap:
            raise InvalidPoints(detail={"fields": {"points": f"本单最多可用 {cap - cap % config.step} 积分"}})
    if account is None:
        raise InsufficientPoints(detail={"balance": 0, "requested": points})
    _expire_due(account, timezone.now(), Actor.system("points-expiry"))
    if account.balance < points:
        raise _insufficient(account, points)
    fen = selectors.points_to_fen(points, config=config)
    entry = _entry(account, PointsKind.REDEEM, -points, reference, actor, amount_fen=fen)
    _add(account, -points)
    _take_from_lots(account, entry, points)
    return fen


def _sum(rows, field: str) -> int:
    return rows.aggregate(s=Sum(field))["s"] or 0


@transaction.atomic
def return_redeemed_points(
    *, reference: str, fen: int, actor: Actor, return_reference: str | None = None
) -> int:
    """Give back the points of a redemption when its order is refunded or cancelled: ``fen`` of the
    redeemed value, in proportion (the last return gives back exactly the rest). Cumulative returns
    never exceed what was redeemed (RefundExceedsSpent 409). With ``return_reference`` a replay is a
    no-op returning the same points. The points come back as a new lot with the latest expiry of
    the lots they were taken from, or, when that has passed, a fresh expiry (end of next year)."""
    check_reference(reference)
    check_fen(fen, "fen")
    redemption = PointsEntry.objects.filter(kind=PointsKind.REDEEM, reference=reference).first()
    if redemption is None:
        raise RedemptionNotFound(detail={"fields": {"reference": f"{reference} 没有积分抵现"}})
    account = lock_resolved(PointsAccount, redemption.account)
    if return_reference:
        check_reference(return_reference, "return_reference")
        done = PointsEntry.objects.filter(kind=PointsKind.RETURN, reference=return_reference).first()
        if done is not None:
            if done.source_reference != reference:
                raise ReferenceConflict(detail={"fields": {"return_reference": "已用于另一笔退还"}})
            return done.points
    earlier = PointsEntry.objects.filter(kind=PointsKind.RETURN, source_reference=reference)
    returned_fen, returned_points = _sum(earlier, "amount_fen"), _sum(earlier, "points")
    if returned_fen + fen > redemption.amount_fen:
        raise RefundExceedsSpent(
            detail={
                "redeemed_fen": redemption.amount_fen,
                "returned_fen": returned_fen,
                "fields": {"fen": f"最多还可退还 {redemption.amount_fen - returned_fen} 分"},
            }
        )
    target = round_fen(Decimal(-redemption.points) * (returned_fen + fen) / redemption.amount_fen)
    points = target - returned_points
    key = return_reference or f"{reference}/R{earlier.count() + 1}"
    entry = _entry(account, PointsKind.RETURN, points, key, actor, amount_fen=fen, source_reference=reference)
    if points:
        now = timezone.now()
        original = PointsLot.objects.filter(uses__entry=redemption).aggregate(m=Max("expires_at"))["m"]
        _add(account, points)
        _new_lot(
            account,
            entry,
            points,
            earned_at=now,
            expires_at=original if original and original > now else lot_expiry(now),
        )
    return points


def _clawback_replay(done: PointsEntry, reference: str) -> int:
    if done.source_reference != reference:
        raise ReferenceConflict(detail={"fields": {"refund_reference": "已用于另一笔退款"}})
    return -done.points + done.shortfall


@transaction.atomic
def claw_back_points(*, reference: str, refund_reference: str, refunded_fen: int, actor: Actor) -> int:
    """Take back the points an order earned in proportion to the refund: cumulatively
    round(earned × refunded / paid), never more than it earned. Points the member already spent
    cannot go below zero: what is there is taken and the rest becomes debt on the account, settled
    first by later earnings. Returns the points clawed back (taken + debt); a replay of the same
    refund reference returns the same."""
    check_reference(reference)
    check_reference(refund_reference, "refund_reference")
    check_fen(refunded_fen, "refunded_fen")
    earning = PointsEntry.objects.filter(kind=PointsKind.EARN, reference=reference).first()
    if earning is None:
        return 0  # the order earned nothing: nothing to take back
    account = lock_resolved(PointsAccount, earning.account)
    done = PointsEntry.objects.filter(kind=PointsKind.CLAWBACK, reference=refund_reference).first()
    if done is not None:
        return _clawback_replay(done, reference)
    earlier = PointsEntry.objects.filter(kind=PointsKind.CLAWBACK, source_reference=reference)
    counted_fen = _sum(earlier, "amount_fen")
    clawed = -_sum(earlier, "points") + _sum(earlier, "shortfall")
    counted = min(refunded_fen, earning.amount_fen - counted_fen)
    target = min(
        earning.points, round_fen(Decimal(earning.points) * (counted_fen + counted) / earning.amount_fen)
    )
    due = max(0, target - clawed)
    _expire_due(account, timezone.now(), Actor.system("points-expiry"))
    take = min(due, account.balance)
    entry = _entry(
        account,
        PointsKind.CLAWBACK,
        -take,
        refund_reference,
        actor,
        amount_fen=counted,
        source_reference=reference,
        shortfall=due - take,
    )
    if take:
        _add(account, -take)
        _take_from_lots(account, entry, take)
    if due > take:
        change_balance(PointsAccount, account.pk, due - take, field="debt", error=RuntimeError("debt"))
    return due


@transaction.atomic
def adjust_points(*, customer_id: int, points: int, reason: str, reference: str, actor: Actor) -> PointsEntry:
    """Manual correction by an admin (audited). Added points form a lot expiring at the end of next
    year; removed points come from the oldest lots and never take the balance below zero."""
    check_reference(reference)
    if not is_int(points) or points == 0:
        raise InvalidPoints(detail={"fields": {"points": "必须为非零整数"}})
    if not reason.strip():
        raise InvalidInput.for_fields({"reason": "请填写调整原因"})
    account = lock_account_of(PointsAccount, customer_id, create=True)
    existing = PointsEntry.objects.filter(kind=PointsKind.ADJUST, reference=reference).first()
    if existing is not None:
        if existing.account_id != account.pk or existing.points != points:
            raise ReferenceConflict(detail={"fields": {"reference": f"{reference} 已用于另一笔调整"}})
        return existing
    now = timezone.now()
    _expire_due(account, now, Actor.system("points-expiry"))
    if points < 0 and account.balance < -points:
        raise _insufficient(account, -points)
    entry = _entry(account, PointsKind.ADJUST, points, reference, actor, reason=reason.strip()[:200])
    _add(account, points)
    if points > 0:
        _new_lot(account, entry, points, earned_at=now, expires_at=lot_expiry(now))
    else:
        _take_from_lots(account, entry, -points)
    audit.record(actor=actor, obj=entry, reason=reason, data={"customer_id": customer_id, "points": points})
    return entry


def expire_points(*, now: datetime | None = None, actor: Actor | None = None) -> int:
    """Write off every lot whose expiry has come (one entry per lot), one account per transaction.
    Idempotent: a written-off lot has nothing left. Returns the entries written."""
    now = now or timezone.now()
    actor = actor or Actor.system("points-expiry")
    account_ids = sorted(
        set(
            PointsLot.objects.filter(remaining__gt=0, expires_at__lte=now).values_list(
                "account_id", flat=True
            )
        )
    )
    written = 0
    for account_id in account_ids:
        with transaction.atomic():
            account = PointsAccount.objects.select_for_update().get(pk=account_id)
            written += _expire_due(account, now, actor)
    return written
