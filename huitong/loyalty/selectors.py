"""Reads: balances, ledgers, lots, the redeem configuration and the conversions it defines."""

from __future__ import annotations

from django.db.models import QuerySet, Sum
from django.utils import timezone

from huitong.loyalty.errors import EarnRuleNotFound, GiftCardNotFound
from huitong.loyalty.models import (
    EarnRule,
    GiftCard,
    GiftCardEntry,
    PointsAccount,
    PointsEntry,
    PointsLot,
    RedeemConfig,
    StoredValueAccount,
    StoredValueEntry,
)


def redeem_config() -> RedeemConfig:
    """The settings row; defaults (100 points = 1 yuan, at most 50 %, steps of 100) until edited."""
    config = RedeemConfig.objects.filter(pk=1).first()
    return config if config is not None else RedeemConfig(pk=1)


def points_to_fen(points: int, *, config: RedeemConfig | None = None) -> int:
    """What ``points`` are worth in fen (floor: a fraction of a fen is never paid out)."""
    config = config or redeem_config()
    return points * 100 // config.points_per_yuan


def fen_to_points(fen: int, *, config: RedeemConfig | None = None) -> int:
    """How many points ``fen`` are worth (floor)."""
    config = config or redeem_config()
    return fen * config.points_per_yuan // 100


def points_balance(customer_id: int) -> int:
    """Spendable points: the balance less lots already past their expiry that the expiry task has not
    written off yet (they are written off before any redemption)."""
    account = PointsAccount.objects.filter(customer_id=customer_id).values_list("pk", "balance").first()
    if account is None:
        return 0
    overdue = (
        PointsLot.objects.filter(
            account_id=account[0], remaining__gt=0, expires_at__lte=timezone.now()
        ).aggregate(s=Sum("remaining"))["s"]
        or 0
    )
    return account[1] - overdue


def points_debt(customer_id: int) -> int:
    return PointsAccount.objects.filter(customer_id=customer_id).values_list("debt", flat=True).first() or 0


def redeemable_points(*, customer_id: int, order_total_fen: int) -> int:
    """The most points one order may take: the balance, capped at the configured share of the order,
    rounded down to the step."""
    if order_total_fen <= 0:
        return 0
    config = redeem_config()
    cap_points = fen_to_points(order_total_fen * config.max_share_percent // 100, config=config)
    points = min(points_balance(customer_id), cap_points)
    return max(0, points - points % config.step)


def list_points_entries(customer_id: int) -> QuerySet[PointsEntry]:
    return PointsEntry.objects.filter(account__customer_id=customer_id).order_by("-id")


def list_points_lots(customer_id: int, *, open_only: bool = False) -> QuerySet[PointsLot]:
    lots = PointsLot.objects.filter(account__customer_id=customer_id)
    if open_only:
        lots = lots.filter(remaining__gt=0)
    return lots.order_by("expires_at", "id")


def list_earn_rules() -> QuerySet[EarnRule]:
    return EarnRule.objects.order_by("id")


def get_earn_rule(rule_id: int) -> EarnRule:
    rule = EarnRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise EarnRuleNotFound(detail={"fields": {"rule_id": f"积分规则 {rule_id} 不存在"}})
    return rule


def stored_value_balance(customer_id: int) -> int:
    return (
        StoredValueAccount.objects.filter(customer_id=customer_id)
        .values_list("balance_fen", flat=True)
        .first()
        or 0
    )


def list_stored_value_entries(customer_id: int) -> QuerySet[StoredValueEntry]:
    return StoredValueEntry.objects.filter(account__customer_id=customer_id).order_by("-id")


def get_gift_card(card_no: str) -> GiftCard:
    card = GiftCard.objects.filter(card_no=card_no.strip()).first()
    if card is None:
        raise GiftCardNotFound()
    return card


def list_gift_card_entries(card: GiftCard) -> QuerySet[GiftCardEntry]:
    return card.entries.order_by("-id")


def mask_card_no(card_no: str) -> str:
    return (
        f"{card_no[:4]}{'*' * max(0, len(card_no) - 8)}{card_no[-4:]}"
        if len(card_no) > 8
        else "*" * len(card_no)
    )


def ledger_discrepancies() -> list[str]:
    """Every account whose balance differs from its ledger sum (or, for points, from its open lots).
    Empty when the books are right."""
    problems = []
    entry_sums = dict(
        PointsEntry.objects.values_list("account_id").annotate(s=Sum("points")).values_list("account_id", "s")
    )
    lot_sums = dict(
        PointsLot.objects.values_list("account_id")
        .annotate(s=Sum("remaining"))
        .values_list("account_id", "s")
    )
    for pk, balance in PointsAccount.objects.values_list("pk", "balance"):
        if balance != (entry_sums.get(pk) or 0) or balance != (lot_sums.get(pk) or 0):
            problems.append(
                f"points account {pk}: balance {balance}, ledger {entry_sums.get(pk)}, "
                f"lots {lot_sums.get(pk)}"
            )
    sv_sums = dict(
        StoredValueEntry.objects.values_list("account_id")
        .annotate(s=Sum("amount_fen"))
        .values_list("account_id", "s")
    )
    for pk, balance in StoredValueAccount.objects.values_list("pk", "balance_fen"):
        if balance != (sv_sums.get(pk) or 0):
            problems.append(f"stored value account {pk}: balance {balance}, ledger {sv_sums.get(pk)}")
    gc_sums = dict(
        GiftCardEntry.objects.values_list("card_id").annotate(s=Sum("amount_fen")).values_list("card_id", "s")
    )
    for pk, balance in GiftCard.objects.values_list("pk", "balance_fen"):
        if balance != (gc_sums.get(pk) or 0):
            problems.append(f"gift card {pk}: balance {balance}, ledger {gc_sums.get(pk)}")
    return problems
