"""Payables from receipts, payments against them (never above what is outstanding), and the
per-supplier view finance uses."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from huitong.core.audit import history
from huitong.core.models import AuditEntry
from huitong.purchasing import selectors, services
from huitong.purchasing.errors import (
    IdempotencyKeyReused,
    InvalidPayment,
    PayableNotFound,
    PaymentExceedsOutstanding,
)
from huitong.purchasing.models import Payable, SupplierPayment
from huitong.purchasing.tests.factories import SupplierFactory

pytestmark = pytest.mark.django_db


def _payable(buying, quantity=10, *, received_at=None, supplier=None, sku=None):
    sku = sku or buying.sku_a
    po = buying.po((sku.pk, quantity), supplier=supplier)
    return buying.receive(po, (sku.pk, quantity), received_at=received_at).receipt.payable


def _pay(buying, payable, amount, **kwargs):
    return services.record_supplier_payment(payable_id=payable.pk, amount_fen=amount, actor=buying.actor, **kwargs)


def test_partial_then_full_payment(buying):
    payable = _payable(buying)  # 10 × 10.00
    first = _pay(buying, payable, 4000, reference="BANK-1", paid_on=date(2025, 1, 2))
    assert first.created and (first.payable.paid_fen, first.payable.status) == (4000, "partly_paid")
    second = _pay(buying, payable, 6000)
    assert (second.payable.paid_fen, second.payable.status, second.payable.outstanding_fen) == (10_000, "paid", 0)
    assert [(e.from_state, e.to_state) for e in history(payable)] == [
        ("", "open"), ("open", "partly_paid"), ("partly_paid", "paid")]
    assert list(SupplierPayment.objects.order_by("id").values_list("amount_fen", "reference")) == [
        (4000, "BANK-1"), (6000, "")]


def test_over_payment_is_refused_and_changes_nothing(buying):
    payable = _payable(buying)
    _pay(buying, payable, 9000)
    audits = AuditEntry.objects.count()
    with pytest.raises(PaymentExceedsOutstanding) as exc:
        _pay(buying, payable, 1001)
    assert exc.value.status == 409 and exc.value.code == "payment_exceeds_outstanding"
    assert exc.value.detail == {"payable_id": payable.pk, "amount_fen": 1001, "outstanding_fen": 1000}
    payable.refresh_from_db()
    assert (payable.paid_fen, payable.status) == (9000, "partly_paid")
    assert SupplierPayment.objects.count() == 1 and AuditEntry.objects.count() == audits
    _pay(buying, payable, 1000)
    with pytest.raises(PaymentExceedsOutstanding):
        _pay(buying, payable, 1)


@pytest.mark.parametrize(("amount", "kwargs", "field"), [
    (0, {}, "amount_fen"), (-5, {}, "amount_fen"), (True, {}, "amount_fen"),
    (100, {"reference": "x" * 101}, "reference"),
])
def test_bad_payments_are_422_and_change_nothing(buying, amount, kwargs, field):
    payable = _payable(buying)
    with pytest.raises(InvalidPayment) as exc:
        _pay(buying, payable, amount, **kwargs)
    assert field in exc.value.detail["fields"]
    assert not SupplierPayment.objects.exists()
    assert Payable.objects.get(pk=payable.pk).paid_fen == 0


def test_unknown_payable_is_404(buying):
    with pytest.raises(PayableNotFound):
        services.record_supplier_payment(payable_id=999999, amount_fen=1, actor=buying.actor)


def test_payment_key_makes_a_retry_a_no_op(buying):
    payable = _payable(buying)
    first = _pay(buying, payable, 3000, key="pay-7")
    again = _pay(buying, payable, 3000, key="pay-7")
    assert first.created and not again.created and again.payment.pk == first.payment.pk
    assert Payable.objects.get(pk=payable.pk).paid_fen == 3000
    with pytest.raises(IdempotencyKeyReused):
        _pay(buying, payable, 3500, key="pay-7")


def test_a_free_receipt_owes_nothing(buying):
    po = buying.po((buying.sku_a.pk, 2, 0))
    payable = buying.receive(po, (buying.sku_a.pk, 2)).receipt.payable
    assert (payable.amount_fen, payable.status) == (0, "paid")


def test_payables_by_supplier_with_outstanding_and_overdue(buying, django_assert_num_queries):
    today = timezone.localdate()
    long_ago = timezone.now() - timedelta(days=45)  # due 15 days ago
    overdue = _payable(buying, 10, received_at=long_ago)                      # 10 000, overdue
    _payable(buying, 2, sku=buying.sku_b)                                     # 5 000, due in 30 days
    _pay(buying, overdue, 2500)
    other = SupplierFactory(code="BETA", payment_terms_days=0)
    services.set_supplier_price(supplier_id=other.pk, sku_id=buying.sku_a.pk, cost_fen=800, actor=buying.actor)
    paid_off = _payable(buying, 5, supplier=other, received_at=timezone.now() - timedelta(days=3))
    _pay(buying, paid_off, 4000)                                             # fully paid: not overdue
    with django_assert_num_queries(1):
        rows = selectors.payables_by_supplier(as_of=today)
    assert [(r.supplier_code, r.payables, r.amount_fen, r.paid_fen, r.outstanding_fen, r.overdue_fen)
            for r in rows] == [("ACME", 2, 15_000, 2500, 12_500, 7500), ("BETA", 1, 4000, 4000, 0, 0)]
    assert rows[0].next_due_date == overdue.due_date and rows[1].next_due_date is None
    assert [r.supplier_code for r in selectors.payables_by_supplier(outstanding_only=True)] == ["ACME"]
    late = selectors.list_payables(overdue=True)
    assert [p.pk for p in late] == [overdue.pk]
    assert selectors.list_payables(supplier_id=other.pk, status="paid").get().pk == paid_off.pk


def test_due_date_follows_payment_terms(buying):
    payable = _payable(buying, received_at=timezone.make_aware(datetime(2025, 12, 15, 9)))
    assert payable.due_date == date(2026, 1, 14)
