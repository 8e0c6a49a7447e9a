"""Gift cards (礼品卡): batch issue, spend with card number + PIN, refund back, void, unlock.

PINs are stored as a keyed hash of (card number, PIN). A wrong PIN, an unknown card number and a
locked card all give the same 422, so guessing reveals nothing; every wrong PIN counts on the card
and ``MAX_PIN_FAILURES`` lock it until an admin unlocks it. The count is written at once when the
service runs outside a transaction; a caller that spends inside its own transaction (split tenders)
calls :func:`verify_gift_card_pin` first, outside it, so a rollback cannot erase the count."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from huitong.core.actors import Actor
from huitong.core.crypto import lookup_hash
from huitong.core.errors import InvalidInput
from huitong.core.states import transition
from huitong.loyalty import selectors
from huitong.loyalty.errors import (
    GiftCardUnavailable,
    InsufficientBalance,
    InvalidGiftCard,
    ReferenceConflict,
    RefundExceedsSpent,
    SpendNotFound,
)
from huitong.loyalty.models import (
    MAX_PIN_FAILURES,
    GiftCard,
    GiftCardBatch,
    GiftCardEntry,
    GiftCardKind,
    GiftCardStatus,
)
from huitong.loyalty.services._common import check_aware, check_fen, check_reference, is_int
from huitong.loyalty.states import GIFT_CARD_LIFECYCLE

MAX_BATCH = 1000
CARD_PREFIX = "HT"


@dataclass(frozen=True)
class IssuedCard:
    card_no: str
    pin: str


@dataclass(frozen=True)
class IssuedBatch:
    batch: GiftCardBatch
    cards: list[IssuedCard]


def _pin_hash(card_no: str, pin: str) -> str:
    return lookup_hash(f"giftcard:{card_no}:{pin}")


def _move_to(card: GiftCard, status: str, *, actor: Actor, reason: str) -> None:
    transition(card, status, lifecycle=GIFT_CARD_LIFECYCLE, actor=actor, reason=reason)


@transaction.atomic
def issue_gift_cards(
    *, name: str, face_value_fen: int, quantity: int, expires_at: datetime, actor: Actor
) -> IssuedBatch:
    """Issue ``quantity`` numbered cards with random 8-digit PINs. The PINs are returned here once and
    never again (only their hash is kept)."""
    check_fen(face_value_fen, "face_value_fen")
    check_aware(expires_at, "expires_at")
    errors = {}
    if not name.strip():
        errors["name"] = "请填写批次名称"
    if not is_int(quantity) or not 1 <= quantity <= MAX_BATCH:
        errors["quantity"] = f"数量须在 1 到 {MAX_BATCH} 之间"
    if expires_at <= timezone.now():
        errors["expires_at"] = "过期时间须晚于现在"
    if errors:
        raise InvalidInput.for_fields(errors)
    batch = GiftCardBatch.objects.create(
        name=name.strip(),
        face_value_fen=face_value_fen,
        quantity=quantity,
        expires_at=expires_at,
        created_by_id=actor.user_id,
    )
    for _attempt in range(3):
        issued = [
            IssuedCard(
                card_no=f"{CARD_PREFIX}{secrets.randbelow(10**14):014d}",
                pin=f"{secrets.randbelow(10**8):08d}",
            )
            for _ in range(quantity)
        ]
        try:
            with transaction.atomic():
                cards = GiftCard.objects.bulk_create(
                    GiftCard(
                        batch=batch,
                        card_no=c.card_no,
                        pin_hash=_pin_hash(c.card_no, c.pin),
                        face_value_fen=face_value_fen,
                        balance_fen=face_value_fen,
                        expires_at=expires_at,
                    )
                    for c in issued
                )
            break
        except IntegrityError:  # a card number drawn twice (one in 10^14 per pair): draw again
            continue
    else:
        raise RuntimeError("could not draw unique gift card numbers")
    GiftCardEntry.objects.bulk_create(
        GiftCardEntry(
            card=card,
            kind=GiftCardKind.ISSUE,
            amount_fen=face_value_fen,
            reference=card.card_no,
            actor_label=actor.label[:150],
        )
        for card in cards
    )
    return IssuedBatch(batch=batch, cards=issued)


def verify_gift_card_pin(*, card_no: str, pin: str) -> GiftCard:
    """The card when the PIN is right and the card is not locked; otherwise InvalidGiftCard (422),
    the same for an unknown card. A wrong PIN counts towards the lock."""
    card = GiftCard.objects.filter(card_no=str(card_no).strip()).first()
    if card is None:
        raise InvalidGiftCard(detail={"fields": {"pin": "卡号或密码错误"}})
    if card.locked or not hmac.compare_digest(card.pin_hash, _pin_hash(card.card_no, str(pin).strip())):
        if not card.locked:
            GiftCard.objects.filter(pk=card.pk, pin_failures__lt=MAX_PIN_FAILURES).update(
                pin_failures=F("pin_failures") + 1
            )
        raise InvalidGiftCard(detail={"fields": {"pin": "卡号或密码错误"}})
    return card


def _unavailable(card: GiftCard, now: datetime) -> GiftCardUnavailable | None:
    if card.status == GiftCardStatus.VOID:
        return GiftCardUnavailable(detail={"status": card.status, "fields": {"card_no": "礼品卡已作废"}})
    if card.status == GiftCardStatus.EXPIRED or card.expires_at <= now:
        return GiftCardUnavailable(
            detail={"status": GiftCardStatus.EXPIRED, "fields": {"card_no": "礼品卡已过期"}}
        )
    return None


def spend_gift_card(*, card_no: str, pin: str, amount_fen: int, reference: str, actor: Actor) -> int:
    """Pay with a gift card; returns the ledger entry id (the same on replay of ``reference``, which
    identifies this tender). Expired or void cards refuse (409); the balance never goes below zero
    (InsufficientBalance 409)."""
    check_fen(amount_fen)
    check_reference(reference)
    card = verify_gift_card_pin(card_no=card_no, pin=pin)
    with transaction.atomic():
        card = GiftCard.objects.select_for_update().get(pk=card.pk)
        done = GiftCardEntry.objects.filter(kind=GiftCardKind.SPEND, reference=reference).first()
        if done is not None:
            if done.card_id != card.pk or done.amount_fen != -amount_fen:
                raise ReferenceConflict(
                    detail={"fields": {"reference": f"{reference} 已用于另一笔礼品卡消费"}}
                )
            return done.pk
        now = timezone.now()
        problem = _unavailable(card, now)
        if problem is not None:
            raise problem
        if (
            GiftCard.objects.filter(
                pk=card.pk, status=GiftCardStatus.ACTIVE, expires_at__gt=now, balance_fen__gte=amount_fen
            ).update(balance_fen=F("balance_fen") - amount_fen)
            != 1
        ):
            raise InsufficientBalance(
                detail={
                    "balance_fen": card.balance_fen,
                    "requested_fen": amount_fen,
                    "fields": {"amount_fen": f"礼品卡余额 {card.balance_fen} 分"},
                }
            )
        entry = GiftCardEntry.objects.create(
            card=card,
            kind=GiftCardKind.SPEND,
            amount_fen=-amount_fen,
            reference=reference,
            actor_label=actor.label[:150],
        )
        card.refresh_from_db(fields=["balance_fen"])
        if card.balance_fen == 0:
            _move_to(card, GiftCardStatus.EXHAUSTED, actor=actor, reason=f"spent by {reference}")
        return entry.pk


@transaction.atomic
def refund_gift_card(
    *, reference: str, amount_fen: int, actor: Actor, refund_reference: str | None = None
) -> None:
    """Put money back on the card a spend came from: cumulatively never more than was spent under
    ``reference`` (RefundExceedsSpent 409). An exhausted card becomes usable again; an expired or
    void card keeps its status (the money is recorded on it). With ``refund_reference`` a replay is
    a no-op."""
    check_fen(amount_fen)
    check_reference(reference)
    spend = GiftCardEntry.objects.filter(kind=GiftCardKind.SPEND, reference=reference).first()
    if spend is None:
        raise SpendNotFound(detail={"fields": {"reference": f"{reference} 没有礼品卡消费"}})
    card = GiftCard.objects.select_for_update().get(pk=spend.card_id)
    if refund_reference:
        check_reference(refund_reference, "refund_reference")
        done = GiftCardEntry.objects.filter(kind=GiftCardKind.REFUND, reference=refund_reference).first()
        if done is not None:
            if done.source_reference != reference or done.amount_fen != amount_fen:
                raise ReferenceConflict(detail={"fields": {"refund_reference": "已用于另一笔退回"}})
            return
    earlier = GiftCardEntry.objects.filter(kind=GiftCardKind.REFUND, source_reference=reference)
    refunded = earlier.aggregate(s=Sum("amount_fen"))["s"] or 0
    if refunded + amount_fen > -spend.amount_fen:
        raise RefundExceedsSpent(
            detail={
                "spent_fen": -spend.amount_fen,
                "refunded_fen": refunded,
                "fields": {"amount_fen": f"最多还可退回 {-spend.amount_fen - refunded} 分"},
            }
        )
    GiftCard.objects.filter(pk=card.pk).update(balance_fen=F("balance_fen") + amount_fen)
    GiftCardEntry.objects.create(
        card=card,
        kind=GiftCardKind.REFUND,
        amount_fen=amount_fen,
        reference=refund_reference or f"{reference}/R{earlier.count() + 1}",
        source_reference=reference,
        actor_label=actor.label[:150],
    )
    if card.status == GiftCardStatus.EXHAUSTED:
        _move_to(card, GiftCardStatus.ACTIVE, actor=actor, reason=f"refund of {reference}")


@transaction.atomic
def void_gift_card(*, card_no: str, actor: Actor, reason: str) -> GiftCard:
    if not reason.strip():
        raise InvalidInput.for_fields({"reason": "请填写作废原因"})
    card = selectors.get_gift_card(card_no)
    card = GiftCard.objects.select_for_update().get(pk=card.pk)
    _move_to(card, GiftCardStatus.VOID, actor=actor, reason=reason)
    return card


@transaction.atomic
def unlock_gift_card(*, card_no: str, actor: Actor, reason: str) -> GiftCard:
    """Reset the wrong-PIN count of a card (an admin, after checking the holder)."""
    from huitong.core import audit

    card = selectors.get_gift_card(card_no)
    card = GiftCard.objects.select_for_update().get(pk=card.pk)
    GiftCard.objects.filter(pk=card.pk).update(pin_failures=0)
    audit.record(actor=actor, obj=card, reason=reason or "unlock", data={"pin_failures": card.pin_failures})
    card.pin_failures = 0
    return card


def expire_gift_cards(*, now: datetime | None = None, actor: Actor | None = None) -> int:
    """Mark active or exhausted cards past their expiry as expired (spending checks the time anyway)."""
    now = now or timezone.now()
    actor = actor or Actor.system("gift-card-expiry")
    moved = 0
    for pk in GiftCard.objects.filter(
        status__in=[GiftCardStatus.ACTIVE, GiftCardStatus.EXHAUSTED], expires_at__lte=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            card = GiftCard.objects.select_for_update().get(pk=pk)
            if card.status in (GiftCardStatus.ACTIVE, GiftCardStatus.EXHAUSTED) and card.expires_at <= now:
                _move_to(card, GiftCardStatus.EXPIRED, actor=actor, reason="expired")
                moved += 1
    return moved
