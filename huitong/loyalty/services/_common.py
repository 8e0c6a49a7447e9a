"""Validation and account helpers shared by the loyalty services."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import F

from huitong.core.actors import Actor
from huitong.core.errors import InvalidInput
from huitong.loyalty.errors import InvalidAmount, InvalidPoints
from huitong.members import selectors as members

# Lots expire by the calendar of the business, not of the server: end of year Y+1 in Shanghai.
SHANGHAI = ZoneInfo("Asia/Shanghai")


def lot_expiry(at: datetime) -> datetime:
    """Points earned at ``at`` (year Y in Shanghai) expire at the first instant of Y+2, i.e. they are
    still valid on Dec 31 of Y+1 at 23:59:59."""
    return datetime(at.astimezone(SHANGHAI).year + 2, 1, 1, tzinfo=SHANGHAI)


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_fen(amount_fen, field: str = "amount_fen") -> None:
    if not is_int(amount_fen) or amount_fen <= 0:
        raise InvalidAmount(detail={"fields": {field: "必须为正整数(分)"}})


def check_points(points, field: str = "points") -> None:
    if not is_int(points) or points <= 0:
        raise InvalidPoints(detail={"fields": {field: "必须为正整数"}})


def check_reference(reference, field: str = "reference") -> None:
    if not isinstance(reference, str) or not reference.strip() or len(reference) > 100:
        raise InvalidInput.for_fields({field: "缺少业务单号(最多 100 个字符)"})


def check_aware(at, field: str = "at") -> None:
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise InvalidInput.for_fields({field: "需要带时区的时间"})


def check_customer(customer_id: int) -> None:
    """CustomerNotFound (404) unless the member exists."""
    members.get_customer(customer_id)


def lock_resolved(model, account):
    """Lock ``account`` and, when it was merged into another member's account, the account it now
    lives in (a merged-away account holds nothing)."""
    account = model.objects.select_for_update().get(pk=account.pk)
    while account.merged_into_id is not None:
        account = model.objects.select_for_update().get(pk=account.merged_into_id)
    return account


def lock_account_of(model, customer_id: int, *, create: bool):
    """The customer's account, locked, following merges. ``create=False`` returns None when the
    customer has none yet (nothing to spend)."""
    account = model.objects.select_for_update().filter(customer_id=customer_id).first()
    if account is None:
        if not create:
            return None
        check_customer(customer_id)
        model.objects.get_or_create(customer_id=customer_id)
        account = model.objects.select_for_update().get(customer_id=customer_id)
    return lock_resolved(model, account) if account.merged_into_id else account


def change_balance(model, account_id: int, delta: int, *, field: str, error) -> None:
    """The only way a balance changes: a conditional UPDATE that refuses to go below zero."""
    rows = model.objects.filter(pk=account_id)
    if delta < 0:
        rows = rows.filter(**{f"{field}__gte": -delta})
    if rows.update(**{field: F(field) + delta}) != 1:
        raise error


def actor_fields(actor: Actor) -> dict:
    return {"actor_label": actor.label[:150], "created_by_id": actor.user_id}
