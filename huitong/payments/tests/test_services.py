import pytest
from django.db import IntegrityError, transaction

from huitong.core import audit
from huitong.core.errors import InvalidInput, InvalidTransition
from huitong.core.models import OutboxMessage
from huitong.payments import services
from huitong.payments.errors import (
    AmountMismatch,
    InvalidAmount,
    InvalidTender,
    RefundConflict,
    RefundExceedsPaid,
)
from huitong.payments.gateways import Tender, wallet_of
from huitong.payments.models import Payment, PaymentStatus, Refund

pytestmark = pytest.mark.django_db


def test_sandbox_payment_settles_and_is_audited(system_actor):
    payment = services.take_payment(reference="SO1", amount_fen=8880, method="sandbox", actor=system_actor)
    assert (payment.status, payment.amount_fen, payment.refunded_fen) == (PaymentStatus.PAID, 8880, 0)
    assert payment.gateway_trade_no.startswith("SBX") and payment.paid_at is not None
    assert [(e.from_state, e.to_state) for e in audit.history(payment)] == [("created", "paid")]


def test_cash_records_tendered_and_change(system_actor):
    payment = services.take_payment(
        reference="SO1", amount_fen=8880, method="cash", tendered_fen=10000, actor=system_actor
    )
    assert (payment.tendered_fen, payment.change_fen) == (10000, 1120)
    exact = services.take_payment(reference="SO2", amount_fen=500, method="cash", actor=system_actor)
    assert (exact.tendered_fen, exact.change_fen) == (500, 0)


def test_cash_tendered_below_amount_is_refused(system_actor):
    with pytest.raises(InvalidTender) as err:
        services.take_payment(
            reference="SO1", amount_fen=8880, method="cash", tendered_fen=8000, actor=system_actor
        )
    assert err.value.status == 422
    assert set(err.value.detail["fields"]) == {"tendered_fen"}
    assert not Payment.objects.exists()


def test_change_must_be_tendered_less_amount_in_the_database(system_actor):
    payment = services.take_payment(
        reference="SO1", amount_fen=100, method="cash", tendered_fen=200, actor=system_actor
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(change_fen=50)


def test_card_needs_terminal_reference_and_last_four(system_actor):
    with pytest.raises(InvalidTender) as err:
        services.take_payment(
            reference="SO1", amount_fen=100, method="card", card_last4="12x4", actor=system_actor
        )
    assert set(err.value.detail["fields"]) == {"terminal_ref", "card_last4"}
    payment = services.take_payment(
        reference="SO1",
        amount_fen=100,
        method="card",
        terminal_ref="T0001-000123",
        card_last4="4321",
        actor=system_actor,
    )
    assert (payment.terminal_ref, payment.card_last4, payment.gateway_trade_no) == (
        "T0001-000123",
        "4321",
        "CARDT0001-000123",
    )


@pytest.mark.parametrize(
    ("code", "wallet"),
    [
        ("285371238712387123", "alipay"),
        ("134567890123456789", "wechat"),
        ("9999", None),
        ("", None),
        ("19456789012345678", None),
    ],
)
def test_payment_code_wallets(code, wallet):
    assert wallet_of(code) == wallet


def test_scanned_code_keeps_the_wallet_not_the_code(system_actor):
    payment = services.take_payment(
        reference="SO1", amount_fen=100, method="qr", auth_code="134567890123456789", actor=system_actor
    )
    assert payment.wallet == "wechat" and payment.status == PaymentStatus.PAID
    assert "134567890123456789" not in str(Payment.objects.filter(pk=payment.pk).values().get())
    with pytest.raises(InvalidTender) as err:
        services.take_payment(
            reference="SO1", amount_fen=100, method="qr", auth_code="123", actor=system_actor
        )
    assert set(err.value.detail["fields"]) == {"auth_code"}


def test_asynchronous_gateways_do_not_settle_at_once(system_actor):
    assert services.take_payment(reference="SO1", amount_fen=100, method="alipay", actor=system_actor) is None
    assert not Payment.objects.exists()


@pytest.mark.parametrize("amount", [0, -1, 1.5, True, "100"])
def test_amount_must_be_positive_fen(system_actor, amount):
    with pytest.raises(InvalidAmount):
        services.take_payment(reference="SO1", amount_fen=amount, method="sandbox", actor=system_actor)


def test_unknown_method_and_missing_reference(system_actor):
    with pytest.raises(InvalidInput) as err:
        services.take_payment(reference="SO1", amount_fen=1, method="bitcoin", actor=system_actor)
    assert "method" in err.value.detail["fields"]
    with pytest.raises(InvalidInput) as err:
        services.take_payment(reference="", amount_fen=1, method="sandbox", actor=system_actor)
    assert "reference" in err.value.detail["fields"]


# --- loyalty tenders ------------------------------------------------------------------------------------


def test_points_tender_redeems_under_the_payment_reference(loyalty, system_actor):
    loyalty.points[7] = 1000
    payment = services.take_payment(
        reference="SO1", amount_fen=300, method="points", customer_id=7, actor=system_actor
    )
    assert (payment.customer_id, payment.points, payment.status) == (7, 300, PaymentStatus.PAID)
    assert loyalty.balance("points", 7) == 700
    services.refund_payment(payment_id=payment.pk, amount_fen=100, actor=system_actor, reason="退货")
    assert loyalty.balance("points", 7) == 800


def test_points_tender_needs_a_member(loyalty, system_actor):
    with pytest.raises(InvalidTender) as err:
        services.take_payment(reference="SO1", amount_fen=300, method="points", actor=system_actor)
    assert set(err.value.detail["fields"]) == {"customer_id"}


def test_insufficient_points_takes_nothing(loyalty, system_actor):
    loyalty.points[7] = 100
    with pytest.raises(Exception) as err:
        services.take_payment(
            reference="SO1", amount_fen=300, method="points", customer_id=7, actor=system_actor
        )
    assert err.value.status == 409
    assert not Payment.objects.exists() and loyalty.rows() == 0


def test_stored_value_and_gift_card(loyalty, system_actor):
    loyalty.stored[7] = 5000
    loyalty.cards["GC0001"] = ("654321", 2000)
    stored = services.take_payment(
        reference="SO1", amount_fen=1200, method="stored_value", customer_id=7, actor=system_actor
    )
    card = services.take_payment(
        reference="SO1",
        amount_fen=800,
        method="gift_card",
        gift_card_no="GC0001",
        gift_card_pin="654321",
        actor=system_actor,
    )
    assert loyalty.balance("stored", 7) == 3800 and loyalty.balance("card", "GC0001") == 1200
    assert card.gift_card_no == "GC0001"
    assert "654321" not in str(Payment.objects.filter(pk=card.pk).values().get())
    assert all("654321" not in str(e.data) for e in audit.history(card))
    services.refund_payment(payment_id=stored.pk, amount_fen=1200, actor=system_actor, reason="取消")
    services.refund_payment(payment_id=card.pk, amount_fen=300, actor=system_actor, reason="部分退")
    assert loyalty.balance("stored", 7) == 5000 and loyalty.balance("card", "GC0001") == 1500


def test_gift_card_needs_number_and_pin(loyalty, system_actor):
    with pytest.raises(InvalidTender) as err:
        services.take_payment(reference="SO1", amount_fen=800, method="gift_card", actor=system_actor)
    assert set(err.value.detail["fields"]) == {"gift_card_no", "gift_card_pin"}


# --- split tenders ----------------------------------------------------------------------------------------


def test_split_tenders_settle_together(loyalty, system_actor):
    loyalty.points[7], loyalty.stored[7] = 1000, 5000
    taken = services.take_tenders(
        reference="POS1",
        actor=system_actor,
        tenders=[
            Tender(method="points", amount_fen=500, customer_id=7),
            Tender(method="stored_value", amount_fen=2000, customer_id=7),
            Tender(method="cash", amount_fen=1380, tendered_fen=2000),
        ],
    )
    assert [(p.method, p.amount_fen, p.status) for p in taken] == [
        ("points", 500, "paid"),
        ("stored_value", 2000, "paid"),
        ("cash", 1380, "paid"),
    ]
    assert taken[2].change_fen == 620
    assert loyalty.balance("points", 7) == 500 and loyalty.balance("stored", 7) == 3000


def test_a_failing_tender_undoes_the_others_including_loyalty(loyalty, system_actor):
    loyalty.points[7], loyalty.stored[7] = 1000, 5000
    loyalty.cards["GC1"] = ("111111", 100)
    with pytest.raises(Exception) as err:
        services.take_tenders(
            reference="POS1",
            actor=system_actor,
            tenders=[
                Tender(method="points", amount_fen=500, customer_id=7),
                Tender(method="stored_value", amount_fen=2000, customer_id=7),
                Tender(method="gift_card", amount_fen=900, gift_card_no="GC1", gift_card_pin="111111"),
            ],
        )
    assert err.value.status == 409
    assert not Payment.objects.exists() and loyalty.rows() == 0
    assert loyalty.balance("points", 7) == 1000 and loyalty.balance("stored", 7) == 5000


def test_split_tenders_are_all_validated_before_any_is_taken(loyalty, system_actor):
    loyalty.points[7] = 1000
    with pytest.raises(InvalidTender) as err:
        services.take_tenders(
            reference="POS1",
            actor=system_actor,
            tenders=[
                Tender(method="points", amount_fen=500, customer_id=7),
                Tender(method="cash", amount_fen=1000, tendered_fen=500),
                Tender(method="wechat", amount_fen=100),
                Tender(method="card", amount_fen=0),
            ],
        )
    assert set(err.value.detail["fields"]) == {
        "tenders[1].tendered_fen",
        "tenders[2].method",
        "tenders[3].amount_fen",
    }
    assert loyalty.rows() == 0 and not Payment.objects.exists()
    with pytest.raises(InvalidInput):
        services.take_tenders(reference="POS1", actor=system_actor, tenders=[])


# --- settlement, lifecycle ------------------------------------------------------------------------------


def test_confirm_emits_settled_once(system_actor):
    payment = services.create_payment(reference="SO1", amount_fen=500, method="sandbox", actor=system_actor)
    assert payment.status == PaymentStatus.CREATED
    services.confirm_payment(payment_id=payment.pk, gateway_trade_no="T1", amount_fen=500, actor=system_actor)
    again, changed = services.confirm_payment(
        payment_id=payment.pk, gateway_trade_no="T1", amount_fen=500, actor=system_actor
    )
    assert not changed and again.status == PaymentStatus.PAID
    events = list(OutboxMessage.objects.filter(topic="payment.settled"))
    assert [e.payload for e in events] == [
        {"payment_id": payment.pk, "reference": "SO1", "amount_fen": 500, "method": "sandbox"}
    ]
    with pytest.raises(InvalidTransition):
        services.confirm_payment(
            payment_id=payment.pk, gateway_trade_no="T2", amount_fen=500, actor=system_actor
        )


def test_confirm_with_another_amount_is_refused(system_actor):
    payment = services.create_payment(reference="SO1", amount_fen=500, method="sandbox", actor=system_actor)
    with pytest.raises(AmountMismatch):
        services.confirm_payment(
            payment_id=payment.pk, gateway_trade_no="T1", amount_fen=499, actor=system_actor
        )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CREATED and not OutboxMessage.objects.filter(
        topic="payment.settled"
    )


def test_close_only_an_unpaid_payment(system_actor):
    open_one = services.create_payment(reference="SO1", amount_fen=500, method="sandbox", actor=system_actor)
    assert (
        services.close_payment(payment_id=open_one.pk, actor=system_actor, reason="超时").status == "closed"
    )
    paid = services.take_payment(reference="SO1", amount_fen=500, method="sandbox", actor=system_actor)
    with pytest.raises(InvalidTransition):
        services.close_payment(payment_id=paid.pk, actor=system_actor, reason="超时")
    with pytest.raises(InvalidTransition):
        services.confirm_payment(
            payment_id=open_one.pk, gateway_trade_no="T", amount_fen=500, actor=system_actor
        )


# --- refunds -------------------------------------------------------------------------------------------


def test_partial_refunds_are_listed_and_audited(system_actor):
    payment = services.take_payment(reference="SO1", amount_fen=1000, method="sandbox", actor=system_actor)
    services.refund_payment(
        payment_id=payment.pk, amount_fen=300, actor=system_actor, reason="差价", refund_reference="AS1"
    )
    payment = services.refund_payment(
        payment_id=payment.pk, amount_fen=700, actor=system_actor, reason="退货", refund_reference="AS2"
    )
    assert (payment.status, payment.refunded_fen) == (PaymentStatus.REFUNDED, 1000)
    refunds = list(Refund.objects.filter(payment=payment).order_by("id"))
    assert [(r.reference, r.amount_fen, r.status, r.reason) for r in refunds] == [
        ("AS1", 300, "succeeded", "差价"),
        ("AS2", 700, "succeeded", "退货"),
    ]
    assert all(r.gateway_refund_no.startswith("SBXR") and r.refund_no.startswith("R") for r in refunds)
    assert [(e.from_state, e.to_state) for e in audit.history(payment)] == [
        ("created", "paid"),
        ("paid", "partially_refunded"),
        ("partially_refunded", "refunded"),
    ]
    events = OutboxMessage.objects.filter(topic="payment.refunded").order_by("id")
    assert [(e.payload["amount_fen"], e.payload["refunded_fen"]) for e in events] == [(300, 300), (700, 1000)]


def test_refund_reference_makes_a_refund_idempotent(system_actor):
    payment = services.take_payment(reference="SO1", amount_fen=1000, method="sandbox", actor=system_actor)
    for _ in range(3):
        payment = services.refund_payment(
            payment_id=payment.pk, amount_fen=400, actor=system_actor, reason="r", refund_reference="AS1"
        )
    assert payment.refunded_fen == 400 and Refund.objects.count() == 1
    with pytest.raises(RefundConflict):
        services.refund_payment(
            payment_id=payment.pk, amount_fen=500, actor=system_actor, reason="r", refund_reference="AS1"
        )
    assert Payment.objects.get(pk=payment.pk).refunded_fen == 400


def test_refunds_never_exceed_what_was_paid(system_actor):
    payment = services.take_payment(reference="SO1", amount_fen=1000, method="cash", actor=system_actor)
    services.refund_payment(payment_id=payment.pk, amount_fen=600, actor=system_actor, reason="r")
    with pytest.raises(RefundExceedsPaid) as err:
        services.refund_payment(payment_id=payment.pk, amount_fen=401, actor=system_actor, reason="r")
    assert err.value.detail == {"paid_fen": 1000, "refunded_fen": 600, "requested_fen": 401}
    payment.refresh_from_db()
    assert (payment.refunded_fen, payment.status, Refund.objects.count()) == (600, "partially_refunded", 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(refunded_fen=1001)


def test_an_unpaid_payment_cannot_be_refunded(system_actor):
    payment = services.create_payment(reference="SO1", amount_fen=1000, method="sandbox", actor=system_actor)
    with pytest.raises(InvalidTransition):
        services.refund_payment(payment_id=payment.pk, amount_fen=100, actor=system_actor, reason="r")
    assert not Refund.objects.exists()
