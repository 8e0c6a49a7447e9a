"""Concurrency on PostgreSQL: real threads, each with its own connection."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from huitong.catalog.models import Sku
from huitong.core.errors import DomainError
from huitong.inventory import selectors as inventory_selectors
from huitong.inventory.models import StockItem
from huitong.purchasing import services
from huitong.purchasing.models import Payable, Receipt, SupplierPayment
from huitong.purchasing.tests.conftest import Buying

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_concurrently(n, fn):
    barrier = threading.Barrier(n)

    def wrapped(i):
        try:
            barrier.wait()
            try:
                return fn(i)
            except DomainError as exc:
                return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(wrapped, range(n)))


def test_concurrent_receipts_of_one_sku_average_one_after_the_other():
    b = Buying()
    # Equal quantities at costs 100 + 12k: every running mean is a whole number of fen in any order,
    # so the right final cost is the plain mean, 133; a lost update would leave another value.
    costs = [100, 112, 124, 196]
    pos = [b.po((b.sku_a.pk, 10, cost)) for cost in costs]
    run_concurrently(4, lambda i: b.receive(pos[i], (b.sku_a.pk, 10)))
    assert Sku.objects.get(pk=b.sku_a.pk).cost_fen == 133
    assert StockItem.objects.get(sku=b.sku_a, location=b.wh1).on_hand == 40
    assert Receipt.objects.count() == 4 and inventory_selectors.ledger_discrepancies() == []


def test_concurrent_payments_never_exceed_the_payable():
    b = Buying()
    po = b.po((b.sku_a.pk, 10))
    payable = b.receive(po, (b.sku_a.pk, 10)).receipt.payable  # 10 000
    results = run_concurrently(6, lambda i: services.record_supplier_payment(
        payable_id=payable.pk, amount_fen=4000, actor=b.actor))
    assert sum(1 for r in results if r == "payment_exceeds_outstanding") == 4
    payable = Payable.objects.get(pk=payable.pk)
    assert (payable.paid_fen, payable.status, SupplierPayment.objects.count()) == (8000, "partly_paid", 2)


def test_the_same_receipt_key_concurrently_receives_once():
    b = Buying()
    po = b.po((b.sku_a.pk, 10))
    results = run_concurrently(6, lambda i: b.receive(po, (b.sku_a.pk, 3), key="dock-7").receipt.pk)
    assert len(set(results)) == 1 and Receipt.objects.count() == 1
    assert StockItem.objects.get(sku=b.sku_a, location=b.wh1).on_hand == 3
