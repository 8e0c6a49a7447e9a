"""Points, stored value and gift card tenders against the real loyalty ledgers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from huitong.core.actors import Actor
from huitong.core.errors import DomainError
from huitong.loyalty import selectors as loyalty_selectors
from huitong.loyalty import services as loyalty
from huitong.members.models import Customer
from huitong.payments import services
from huitong.payments.gateways import Tender
from huitong.payments.models import Payment, PaymentStatus

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


@pytest.fixture
def member():
    customer = Customer.objects.create(display_name="李四")
    loyalty.adjust_points(
        customer_id=customer.pk, points=1000, reason="开卡礼", reference="ADJ1", actor=ACTOR
    )
    loyalty.top_up_stored_value(customer_id=customer.pk, amount_fen=5000, reference="TOP1", actor=ACTOR)
    return customer


@pytest.fixture
def gift_card():
    batch = loyalty.issue_gift_cards(
        name="礼品卡",
        face_value_fen=3000,
        quantity=1,
        expires_at=timezone.now() + timedelta(days=30),
        actor=ACTOR,
    )
    return batch.cards[0]


def _balances(customer, card):
    return (
        loyalty_selectors.points_balance(customer.pk),
        loyalty_selectors.stored_value_balance(customer.pk),
        loyalty_selectors.get_gift_card(card.card_no).balance_fen,
    )


def test_split_tenders_take_and_refund_real_balances(member, gift_card):
    taken = services.take_tenders(
        reference="POS1",
        actor=ACTOR,
        tenders=[
            Tender(method="points", amount_fen=300, customer_id=member.pk),
            Tender(method="stored_value", amount_fen=2000, customer_id=member.pk),
            Tender(
                method="gift_card",
                amount_fen=1000,
                gift_card_no=gift_card.card_no,
                gift_card_pin=gift_card.pin,
            ),
            Tender(method="cash", amount_fen=700, tendered_fen=1000),
        ],
    )
    assert [p.status for p in taken] == [PaymentStatus.PAID] * 4
    assert _balances(member, gift_card) == (700, 3000, 2000)
    points, stored, card, _cash = taken
    services.refund_payment(
        payment_id=points.pk, amount_fen=300, actor=ACTOR, reason="退货", refund_reference="AS1"
    )
    services.refund_payment(
        payment_id=stored.pk, amount_fen=500, actor=ACTOR, reason="退货", refund_reference="AS1"
    )
    services.refund_payment(
        payment_id=card.pk, amount_fen=1000, actor=ACTOR, reason="退货", refund_reference="AS1"
    )
    services.refund_payment(
        payment_id=card.pk, amount_fen=1000, actor=ACTOR, reason="退货", refund_reference="AS1"
    )
    assert _balances(member, gift_card) == (1000, 3500, 3000)


def test_a_failing_tender_leaves_every_real_balance_untouched(member, gift_card):
    before = _balances(member, gift_card)
    with pytest.raises(DomainError) as err:
        services.take_tenders(
            reference="POS1",
            actor=ACTOR,
            tenders=[
                Tender(method="points", amount_fen=300, customer_id=member.pk),
                Tender(method="stored_value", amount_fen=2000, customer_id=member.pk),
                Tender(
                    method="gift_card",
                    amount_fen=3001,
                    gift_card_no=gift_card.card_no,
                    gift_card_pin=gift_card.pin,
                ),
            ],
        )
    assert err.value.status == 409
    assert _balances(member, gift_card) == before and not Payment.objects.exists()


def test_a_wrong_gift_card_pin_takes_nothing(member, gift_card):
    before = _balances(member, gift_card)
    with pytest.raises(DomainError):
        services.take_tenders(
            reference="POS1",
            actor=ACTOR,
            tenders=[
                Tender(method="stored_value", amount_fen=2000, customer_id=member.pk),
                Tender(
                    method="gift_card",
                    amount_fen=100,
                    gift_card_no=gift_card.card_no,
                    gift_card_pin="00000000",
                ),
            ],
        )
    assert _balances(member, gift_card) == before and not Payment.objects.exists()


def test_points_must_be_a_whole_redeem_step(member):
    with pytest.raises(DomainError) as err:
        services.take_payment(
            reference="SO1", amount_fen=150, method="points", customer_id=member.pk, actor=ACTOR
        )
    assert err.value.status == 422
    assert loyalty_selectors.points_balance(member.pk) == 1000 and not Payment.objects.exists()
