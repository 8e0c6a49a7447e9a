"""Concurrent after-sales on one order (PostgreSQL, real threads): the order lock serialises them, so
units and money are never claimed twice."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.db.models import Sum

from huitong.aftersales import services
from huitong.aftersales.models import AfterSalesRequest, RequestKind, RequestReason
from huitong.aftersales.tests.factories import AfterSalesShop
from huitong.core.errors import DomainError
from huitong.payments.models import Payment

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


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


def test_twenty_refund_requests_for_five_units_then_twenty_refunds_at_once():
    shop = AfterSalesShop(stock_a=10)
    order = shop.shipped((shop.sku_a.pk, 5), discount_fen=5 * 2990 - 1001)  # 1001 fen for 5 units
    line_id = order.lines.get().pk

    def open_one(i):
        spec = services.NewRequest(order_id=order.pk, kind=RequestKind.REFUND_ONLY, reason=RequestReason.OTHER,
                                   lines=[services.LineRequest(line_id, 1)])
        try:
            return services.open_request(spec=spec, actor=shop.actor).pk
        except DomainError as exc:
            return exc.code

    outcomes = run_concurrently(20, open_one)
    ids = [o for o in outcomes if isinstance(o, int)]
    assert len(ids) == 5 and outcomes.count("quantity_exceeds_returnable") == 15
    assert AfterSalesRequest.objects.aggregate(s=Sum("refund_fen"))["s"] == 1001
    for pk in ids:
        services.approve_request(request_id=pk, actor=shop.actor)

    def refund(i):
        try:
            return services.refund_request(request_id=ids[i % 5], actor=shop.actor).status
        except DomainError as exc:
            return exc.code

    outcomes = run_concurrently(20, refund)
    assert outcomes.count("refunded") == 5 and outcomes.count("invalid_transition") == 15
    payment = Payment.objects.get()
    assert payment.refunded_fen == payment.amount_fen == 1001
