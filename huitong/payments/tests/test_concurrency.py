"""Concurrent refunds and duplicate gateway notifies on one payment (PostgreSQL, real threads): the row lock
serialises them, so money goes back at most once and a payment settles once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection

from huitong.core import audit
from huitong.core.actors import Actor
from huitong.core.errors import DomainError
from huitong.core.models import OutboxMessage
from huitong.payments import services
from huitong.payments.models import Payment, PaymentStatus, Refund

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ACTOR = Actor.system("test")


def run_concurrently(n, fn):
    barrier = threading.Barrier(n)

    def wrapped(i):
        try:
            barrier.wait()
            return fn(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(wrapped, range(n)))


def test_twenty_refunds_at_once_never_exceed_what_was_paid():
    payment = services.take_payment(reference="SO1", amount_fen=1000, method="sandbox", actor=ACTOR)

    def refund(i):
        try:
            return services.refund_payment(
                payment_id=payment.pk, amount_fen=100, actor=ACTOR, reason=f"r{i}"
            ).pk
        except DomainError as exc:
            return exc.code

    outcomes = run_concurrently(20, refund)
    assert outcomes.count(payment.pk) == 10 and outcomes.count("refund_exceeds_paid") == 10
    payment.refresh_from_db()
    assert (payment.refunded_fen, payment.status, Refund.objects.count()) == (
        1000,
        PaymentStatus.REFUNDED,
        10,
    )


def test_the_same_refund_reference_twenty_times_refunds_once():
    payment = services.take_payment(reference="SO1", amount_fen=1000, method="sandbox", actor=ACTOR)
    run_concurrently(
        20,
        lambda i: (
            services.refund_payment(
                payment_id=payment.pk, amount_fen=300, actor=ACTOR, reason="r", refund_reference="AS1"
            ).pk
        ),
    )
    payment.refresh_from_db()
    assert (payment.refunded_fen, Refund.objects.count()) == (300, 1)


def test_duplicate_notifies_at_once_settle_once(alipay, live_server):
    payment = services.create_payment(reference="SO9", amount_fen=4200, method="alipay", actor=ACTOR)
    alipay.pay(payment.out_trade_no)
    params = alipay.notify(payment.out_trade_no)
    url = live_server.url + "/api/v1/payments/notify/alipay"
    answers = run_concurrently(10, lambda i: requests.post(url, data=params, timeout=30).text)
    assert answers == ["success"] * 10
    payment = Payment.objects.get(pk=payment.pk)
    assert payment.status == PaymentStatus.PAID
    assert [(e.from_state, e.to_state) for e in audit.history(payment)] == [
        ("", "created"),
        ("created", "paid"),
    ]
    assert OutboxMessage.objects.filter(topic="payment.settled").count() == 1
