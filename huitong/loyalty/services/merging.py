"""Member merge participant: move a member's points (open lots, balance, debt) and stored value into
the member they are merged into, with merge entries on both ledgers; undo moves back what is still
there. Gift cards are bearer instruments and belong to no member: nothing to move."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Sum

from huitong.core.actors import Actor
from huitong.loyalty.models import (
    PointsAccount,
    PointsEntry,
    PointsKind,
    PointsLot,
    StoredValueAccount,
    StoredValueEntry,
    StoredValueKind,
)
from huitong.loyalty.services._common import change_balance, check_customer

ACTOR = Actor.system("member-merge")


def _pair(model, from_customer_id: int, to_customer_id: int):
    """Both accounts locked in primary-key order (the target created when missing); None when the
    source has no account."""
    if not model.objects.filter(customer_id=from_customer_id).exists():
        return None, None
    check_customer(to_customer_id)
    model.objects.get_or_create(customer_id=to_customer_id)
    accounts = {
        a.customer_id: a
        for a in model.objects.select_for_update()
        .filter(customer_id__in=[from_customer_id, to_customer_id])
        .order_by("pk")
    }
    return accounts[from_customer_id], accounts[to_customer_id]


def _points_entries(source, target, points: int, debt: int, tag: str) -> None:
    if points or debt:
        for account, kind, sign in ((source, PointsKind.MERGE_OUT, -1), (target, PointsKind.MERGE_IN, 1)):
            PointsEntry.objects.create(
                account=account,
                kind=kind,
                points=sign * points,
                shortfall=debt,
                reference=tag,
                actor_label=ACTOR.label,
                reason="会员合并",
            )


def _move_points(
    source: PointsAccount, target: PointsAccount, lot_ids: list[int], debt: int, tag: str
) -> int:
    points = PointsLot.objects.filter(pk__in=lot_ids).aggregate(s=Sum("remaining"))["s"] or 0
    _points_entries(source, target, points, debt, tag)
    change_balance(PointsAccount, source.pk, -points, field="balance", error=RuntimeError("points moved"))
    change_balance(PointsAccount, target.pk, points, field="balance", error=RuntimeError("points moved"))
    PointsLot.objects.filter(pk__in=lot_ids).update(account=target)
    if debt:
        change_balance(PointsAccount, source.pk, -debt, field="debt", error=RuntimeError("debt moved"))
        change_balance(PointsAccount, target.pk, debt, field="debt", error=RuntimeError("debt moved"))
    return points


def move_loyalty(from_customer_id: int, to_customer_id: int) -> dict[str, Any]:
    """Runs inside the merge transaction. Returns what undo needs."""
    tag = uuid.uuid4().hex[:16]
    undo: dict[str, Any] = {"tag": tag, "from": from_customer_id, "to": to_customer_id}
    source, target = _pair(PointsAccount, from_customer_id, to_customer_id)
    if source is not None:
        lot_ids = list(PointsLot.objects.filter(account=source, remaining__gt=0).values_list("pk", flat=True))
        points = _move_points(source, target, lot_ids, source.debt, f"merge:{tag}")
        PointsAccount.objects.filter(pk=source.pk).update(merged_into=target)
        undo["points"] = {"lot_ids": lot_ids, "points": points, "debt": source.debt}
    source, target = _pair(StoredValueAccount, from_customer_id, to_customer_id)
    if source is not None:
        amount = source.balance_fen
        _move_stored_value(source, target, amount, f"merge:{tag}")
        StoredValueAccount.objects.filter(pk=source.pk).update(merged_into=target)
        undo["stored_value_fen"] = amount
    return undo


def _move_stored_value(source, target, amount: int, tag: str) -> None:
    if not amount:
        return
    change_balance(StoredValueAccount, source.pk, -amount, field="balance_fen", error=RuntimeError("moved"))
    change_balance(StoredValueAccount, target.pk, amount, field="balance_fen", error=RuntimeError("moved"))
    StoredValueEntry.objects.create(
        account=source,
        kind=StoredValueKind.MERGE_OUT,
        amount_fen=-amount,
        reference=tag,
        actor_label=ACTOR.label,
    )
    StoredValueEntry.objects.create(
        account=target,
        kind=StoredValueKind.MERGE_IN,
        amount_fen=amount,
        reference=tag,
        actor_label=ACTOR.label,
    )


def undo_loyalty(data: dict[str, Any]) -> None:
    """Move back what the merge moved and is still there: the moved lots' remaining points (the target
    may have spent some since), the debt not yet settled, and stored value up to what was moved and
    the target still holds."""
    back = f"unmerge:{data['tag']}"
    if "points" in data:
        target, source = _pair(PointsAccount, data["to"], data["from"])
        moved = data["points"]
        lot_ids = list(
            PointsLot.objects.filter(pk__in=moved["lot_ids"], account=target, remaining__gt=0).values_list(
                "pk", flat=True
            )
        )
        _move_points(target, source, lot_ids, min(moved["debt"], target.debt), back)
        PointsAccount.objects.filter(pk=source.pk).update(merged_into=None)
    if "stored_value_fen" in data:
        target, source = _pair(StoredValueAccount, data["to"], data["from"])
        _move_stored_value(target, source, min(data["stored_value_fen"], target.balance_fen), back)
        StoredValueAccount.objects.filter(pk=source.pk).update(merged_into=None)
