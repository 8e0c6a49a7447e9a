"""Stored value (储值): top up, spend as a tender, refund back. The balance changes only by conditional
UPDATE next to an append-only ledger entry; ``reference`` is the idempotency key per kind."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Sum

from huitong.core.actors import Actor
from huitong.loyalty.errors import InsufficientBalance, ReferenceConflict, RefundExceedsSpent, SpendNotFound
from huitong.loyalty.models import StoredValueAccount, StoredValueEntry, StoredValueKind
from huitong.loyalty.services._common import (
    actor_fields,
    change_balance,
    check_fen,
    check_reference,
    lock_account_of,
    lock_resolved,
)


def _insufficient(account, requested: int) -> InsufficientBalance:
    return InsufficientBalance(
        detail={
            "balance_fen": account.balance_fen,
            "requested_fen": requested,
            "fields": {"amount_fen": f"储值余额 {account.balance_fen} 分，不足 {requested} 分"},
        }
    )


def _write(account, kind: str, amount_fen: int, reference: str, actor: Actor, **extra) -> StoredValueEntry:
    change_balance(
        StoredValueAccount,
        account.pk,
        amount_fen,
        field="balance_fen",
        error=_insufficient(account, -amount_fen),
    )
    account.balance_fen += amount_fen
    return StoredValueEntry.objects.create(
        account=account, kind=kind, amount_fen=amount_fen, reference=reference, **actor_fields(actor), **extra
    )


def _replay(kind: str, reference: str, account, amount_fen: int) -> int | None:
    done = StoredValueEntry.objects.filter(kind=kind, reference=reference).first()
    if done is None:
        return None
    if account is None or done.account_id != account.pk or done.amount_fen != amount_fen:
        raise ReferenceConflict(detail={"fields": {"reference": f"{reference} 已用于另一笔储值操作"}})
    return done.pk


@transaction.atomic
def top_up_stored_value(*, customer_id: int, amount_fen: int, reference: str, actor: Actor) -> int:
    """Add money to the member's stored value; returns the ledger entry id (the same on replay)."""
    check_fen(amount_fen)
    check_reference(reference)
    account = lock_account_of(StoredValueAccount, customer_id, create=True)
    done = _replay(StoredValueKind.TOP_UP, reference, account, amount_fen)
    if done is not None:
        return done
    return _write(account, StoredValueKind.TOP_UP, amount_fen, reference, actor).pk


@transaction.atomic
def spend_stored_value(*, customer_id: int, amount_fen: int, reference: str, actor: Actor) -> int:
    """Pay with stored value; never below zero (InsufficientBalance 409). ``reference`` identifies this
    tender (one spend per reference); a replay returns the same entry id."""
    check_fen(amount_fen)
    check_reference(reference)
    account = lock_account_of(StoredValueAccount, customer_id, create=False)
    done = _replay(StoredValueKind.SPEND, reference, account, -amount_fen)
    if done is not None:
        return done
    if account is None:
        raise InsufficientBalance(detail={"balance_fen": 0, "requested_fen": amount_fen})
    return _write(account, StoredValueKind.SPEND, -amount_fen, reference, actor).pk


@transaction.atomic
def refund_stored_value(
    *, reference: str, amount_fen: int, actor: Actor, refund_reference: str | None = None
) -> None:
    """Put money back for a spend: cumulatively never more than was spent under ``reference``
    (RefundExceedsSpent 409). With ``refund_reference`` a replay is a no-op."""
    check_fen(amount_fen)
    check_reference(reference)
    spend = StoredValueEntry.objects.filter(kind=StoredValueKind.SPEND, reference=reference).first()
    if spend is None:
        raise SpendNotFound(detail={"fields": {"reference": f"{reference} 没有储值消费"}})
    account = lock_resolved(StoredValueAccount, spend.account)
    if refund_reference:
        check_reference(refund_reference, "refund_reference")
        done = StoredValueEntry.objects.filter(
            kind=StoredValueKind.REFUND, reference=refund_reference
        ).first()
        if done is not None:
            if done.source_reference != reference or done.amount_fen != amount_fen:
                raise ReferenceConflict(detail={"fields": {"refund_reference": "已用于另一笔退回"}})
            return
    earlier = StoredValueEntry.objects.filter(kind=StoredValueKind.REFUND, source_reference=reference)
    refunded = earlier.aggregate(s=Sum("amount_fen"))["s"] or 0
    if refunded + amount_fen > -spend.amount_fen:
        raise RefundExceedsSpent(
            detail={
                "spent_fen": -spend.amount_fen,
                "refunded_fen": refunded,
                "fields": {"amount_fen": f"最多还可退回 {-spend.amount_fen - refunded} 分"},
            }
        )
    key = refund_reference or f"{reference}/R{earlier.count() + 1}"
    _write(account, StoredValueKind.REFUND, amount_fen, key, actor, source_reference=reference)
