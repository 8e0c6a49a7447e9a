from datetime import timedelta

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from huitong.core.errors import DomainError
from huitong.core.models import AuditEntry
from huitong.loyalty import selectors, services
from huitong.loyalty.models import GiftCard, GiftCardEntry, GiftCardKind, GiftCardStatus
from huitong.loyalty.services import gift_cards as gift_cards_module
from huitong.loyalty.tests.conftest import ACTOR
from huitong.loyalty.tests.snapshot import snapshot

pytestmark = pytest.mark.django_db


def refused(code, fn, **kwargs):
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        fn(**kwargs)
    assert exc.value.code == code
    assert snapshot() == before
    return exc.value


def issue(quantity=1, face=10000, expires_at=None):
    return services.issue_gift_cards(
        name="春节卡",
        face_value_fen=face,
        quantity=quantity,
        expires_at=expires_at or timezone.now() + timedelta(days=365),
        actor=ACTOR,
    )


def spend(card, amount, reference, pin=None):
    return services.spend_gift_card(
        card_no=card.card_no, pin=pin or card.pin, amount_fen=amount, reference=reference, actor=ACTOR
    )


def test_issue_a_batch_numbers_unique_pins_hashed(db):
    issued = issue(quantity=50)
    assert len({c.card_no for c in issued.cards}) == 50
    cards = GiftCard.objects.filter(batch=issued.batch)
    assert cards.count() == 50
    for card, shown in zip(
        cards.order_by("card_no"), sorted(issued.cards, key=lambda c: c.card_no), strict=True
    ):
        assert card.card_no == shown.card_no and shown.pin not in card.pin_hash and len(card.pin_hash) == 64
        assert (card.balance_fen, card.status) == (10000, GiftCardStatus.ACTIVE)
    assert GiftCardEntry.objects.filter(kind=GiftCardKind.ISSUE).count() == 50
    assert selectors.ledger_discrepancies() == []


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": 1001}, "quantity"),
        ({"name": " "}, "name"),
        ({"expires_at": timezone.now() - timedelta(seconds=1)}, "expires_at"),
        ({"face_value_fen": 0}, "face_value_fen"),
    ],
)
def test_issue_refusals(db, kwargs, field):
    args = {
        "name": "卡",
        "face_value_fen": 100,
        "quantity": 1,
        "expires_at": timezone.now() + timedelta(days=1),
        "actor": ACTOR,
        **kwargs,
    }
    err = refused(
        "invalid_amount" if field == "face_value_fen" else "invalid_input", services.issue_gift_cards, **args
    )
    assert field in err.detail["fields"]


def test_spend_to_zero_exhausts_and_a_refund_reactivates(db):
    card = issue().cards[0]
    spend(card, 4000, "PAY1")
    entry_id = spend(card, 6000, "PAY2")
    assert GiftCardEntry.objects.get(pk=entry_id).amount_fen == -6000
    stored = GiftCard.objects.get(card_no=card.card_no)
    assert (stored.balance_fen, stored.status) == (0, GiftCardStatus.EXHAUSTED)
    refused(
        "insufficient_balance",
        services.spend_gift_card,
        card_no=card.card_no,
        pin=card.pin,
        amount_fen=1,
        reference="PAY3",
        actor=ACTOR,
    )
    services.refund_gift_card(reference="PAY2", amount_fen=2500, actor=ACTOR)
    stored.refresh_from_db()
    assert (stored.balance_fen, stored.status) == (2500, GiftCardStatus.ACTIVE)
    refused("refund_exceeds_spent", services.refund_gift_card, reference="PAY2", amount_fen=3501, actor=ACTOR)
    services.refund_gift_card(reference="PAY2", amount_fen=3500, actor=ACTOR, refund_reference="RF")
    before = snapshot()
    services.refund_gift_card(reference="PAY2", amount_fen=3500, actor=ACTOR, refund_reference="RF")
    assert snapshot() == before
    assert (
        AuditEntry.objects.filter(object_type="loyalty.giftcard", to_state=GiftCardStatus.EXHAUSTED).count()
        == 1
    )
    assert selectors.ledger_discrepancies() == []


def test_spend_replay_and_conflict(db):
    a, b = issue(quantity=2).cards
    first = spend(a, 100, "PAY1")
    before = snapshot()
    assert spend(a, 100, "PAY1") == first
    assert snapshot() == before
    refused(
        "reference_conflict",
        services.spend_gift_card,
        card_no=b.card_no,
        pin=b.pin,
        amount_fen=100,
        reference="PAY1",
        actor=ACTOR,
    )
    refused(
        "reference_conflict",
        services.spend_gift_card,
        card_no=a.card_no,
        pin=a.pin,
        amount_fen=200,
        reference="PAY1",
        actor=ACTOR,
    )


def test_expired_and_void_cards_refuse(db, monkeypatch):
    card = issue(expires_at=timezone.now() + timedelta(minutes=5)).cards[0]
    real_now = timezone.now
    monkeypatch.setattr(gift_cards_module.timezone, "now", lambda: real_now() + timedelta(minutes=5))
    err = refused(
        "gift_card_unavailable",
        services.spend_gift_card,
        card_no=card.card_no,
        pin=card.pin,
        amount_fen=1,
        reference="P",
        actor=ACTOR,
    )
    assert err.detail["status"] == GiftCardStatus.EXPIRED
    assert services.expire_gift_cards() == 1
    assert GiftCard.objects.get(card_no=card.card_no).status == GiftCardStatus.EXPIRED
    monkeypatch.undo()
    other = issue().cards[0]
    services.void_gift_card(card_no=other.card_no, reason="丢失", actor=ACTOR)
    refused(
        "gift_card_unavailable",
        services.spend_gift_card,
        card_no=other.card_no,
        pin=other.pin,
        amount_fen=1,
        reference="P",
        actor=ACTOR,
    )
    refused("invalid_transition", services.void_gift_card, card_no=other.card_no, reason="again", actor=ACTOR)
    refused("invalid_input", services.void_gift_card, card_no=other.card_no, reason=" ", actor=ACTOR)
    refused("gift_card_not_found", services.void_gift_card, card_no="HT000", reason="x", actor=ACTOR)


def test_wrong_pin_and_unknown_card_look_the_same_and_five_wrong_pins_lock(db):
    card = issue().cards[0]
    unknown = pytest.raises(DomainError)
    with unknown as exc_unknown:
        services.spend_gift_card(
            card_no="HT99999999999999", pin="00000000", amount_fen=1, reference="P", actor=ACTOR
        )
    wrong_pin = "1" + card.pin[1:] if card.pin[0] != "1" else "2" + card.pin[1:]
    with pytest.raises(DomainError) as exc_wrong:
        spend(card, 1, "P", pin=wrong_pin)
    assert exc_unknown.value.as_dict() == exc_wrong.value.as_dict()
    assert exc_wrong.value.status == 422 and exc_wrong.value.code == "invalid_gift_card"
    for _ in range(4):
        with pytest.raises(DomainError):
            spend(card, 1, "P", pin=wrong_pin)
    stored = GiftCard.objects.get(card_no=card.card_no)
    assert stored.pin_failures == 5 and stored.locked
    with pytest.raises(DomainError) as exc_locked:  # the right PIN no longer works, and says nothing more
        spend(card, 1, "P")
    assert exc_locked.value.as_dict() == exc_wrong.value.as_dict()
    assert stored.balance_fen == 10000 and not GiftCardEntry.objects.filter(kind=GiftCardKind.SPEND).exists()
    services.unlock_gift_card(card_no=card.card_no, reason="核实持卡人", actor=ACTOR)
    spend(card, 1, "P")
    assert GiftCard.objects.get(card_no=card.card_no).balance_fen == 9999


def test_a_right_pin_does_not_reset_the_count(db):
    card = issue().cards[0]
    with pytest.raises(DomainError):
        spend(card, 1, "P", pin="x")
    spend(card, 1, "P")
    assert GiftCard.objects.get(card_no=card.card_no).pin_failures == 1


def test_refund_without_a_spend_and_bad_amounts(db):
    card = issue().cards[0]
    refused("spend_not_found", services.refund_gift_card, reference="NOPE", amount_fen=1, actor=ACTOR)
    refused(
        "invalid_amount",
        services.spend_gift_card,
        card_no=card.card_no,
        pin=card.pin,
        amount_fen=0,
        reference="P",
        actor=ACTOR,
    )


def test_refund_to_a_void_card_is_recorded_but_it_stays_void(db):
    card = issue().cards[0]
    spend(card, 500, "P")
    services.void_gift_card(card_no=card.card_no, reason="作废", actor=ACTOR)
    services.refund_gift_card(reference="P", amount_fen=500, actor=ACTOR)
    stored = GiftCard.objects.get(card_no=card.card_no)
    assert (stored.balance_fen, stored.status) == (10000, GiftCardStatus.VOID)


def test_gift_card_ledger_is_append_only(db):
    issue()
    with pytest.raises(DatabaseError), transaction.atomic():
        GiftCardEntry.objects.update(amount_fen=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        GiftCardEntry.objects.all()._raw_delete("default")
    with pytest.raises(DatabaseError), transaction.atomic():
        GiftCard.objects.update(balance_fen=20000)  # above face value
