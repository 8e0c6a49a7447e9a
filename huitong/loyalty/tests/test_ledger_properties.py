"""Any sequence of points and stored-value operations, each succeeding or refused, keeps the books:
balance == ledger sum == open lots, nothing negative, clawbacks never above what an order earned."""

import itertools
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huitong.core.errors import DomainError
from huitong.loyalty import selectors, services
from huitong.loyalty.models import PointsAccount, PointsEntry, PointsKind, StoredValueAccount
from huitong.loyalty.tests.conftest import ACTOR, make_customer, make_store

_counter = itertools.count()
amount = st.integers(min_value=-50, max_value=40000)
op = st.one_of(
    st.tuples(st.just("earn"), st.integers(0, 1), amount, st.integers(-800, 30)),
    st.tuples(st.just("redeem"), st.integers(0, 1), st.integers(-1, 12).map(lambda n: n * 100), st.just(0)),
    st.tuples(st.just("clawback"), st.integers(0, 9), amount, st.just(0)),
    st.tuples(st.just("return"), st.integers(0, 9), amount, st.just(0)),
    st.tuples(st.just("adjust"), st.integers(0, 1), st.integers(-300, 300), st.just(0)),
    st.tuples(st.just("expire"), st.just(0), st.just(0), st.integers(0, 1200)),
    st.tuples(st.just("top_up"), st.integers(0, 1), amount, st.just(0)),
    st.tuples(st.just("spend"), st.integers(0, 1), amount, st.just(0)),
    st.tuples(st.just("refund"), st.integers(0, 9), amount, st.just(0)),
    st.tuples(st.just("merge"), st.just(0), st.just(0), st.just(0)),
)


def _ref(kind, n, refs):
    return refs[kind][n % len(refs[kind])] if refs[kind] else f"missing-{kind}"


def _apply(kind, who, value, days, customers, store, refs, tag):  # noqa: C901 - a dispatcher over the ops
    customer = customers[who % len(customers)]
    now = timezone.now()
    if kind == "earn":
        services.earn_points(
            customer_id=customer.pk,
            reference=tag,
            store_id=store.pk,
            paid_fen=value,
            at=now + timedelta(days=days),
            actor=ACTOR,
        )
        refs["earn"].append(tag)
    elif kind == "redeem":
        services.redeem_points(customer_id=customer.pk, points=value, reference=tag, actor=ACTOR)
        refs["redeem"].append(tag)
    elif kind == "clawback":
        services.claw_back_points(
            reference=_ref("earn", who, refs), refund_reference=tag, refunded_fen=value, actor=ACTOR
        )
    elif kind == "return":
        services.return_redeemed_points(reference=_ref("redeem", who, refs), fen=value, actor=ACTOR)
    elif kind == "adjust":
        services.adjust_points(
            customer_id=customer.pk, points=value, reason="prop", reference=tag, actor=ACTOR
        )
    elif kind == "expire":
        services.expire_points(now=now + timedelta(days=days))
    elif kind == "top_up":
        services.top_up_stored_value(customer_id=customer.pk, amount_fen=value, reference=tag, actor=ACTOR)
    elif kind == "spend":
        services.spend_stored_value(customer_id=customer.pk, amount_fen=value, reference=tag, actor=ACTOR)
        refs["spend"].append(tag)
    elif kind == "refund":
        services.refund_stored_value(reference=_ref("spend", who, refs), amount_fen=value, actor=ACTOR)
    elif kind == "merge" and len(customers) == 2:
        services.move_loyalty(customers[1].pk, customers[0].pk)
        customers.pop()


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(op, min_size=1, max_size=30))
def test_any_sequence_keeps_the_books(ops):
    n = next(_counter)
    store = make_store()
    customers = [make_customer(f"p{n}a"), make_customer(f"p{n}b")]
    refs = {"earn": [], "redeem": [], "spend": []}
    for i, (kind, who, value, days) in enumerate(ops):
        try:
            _apply(kind, who, value, days, customers, store, refs, f"{n}-{i}")
        except DomainError:
            pass  # a refusal must leave everything as it was: the checks below prove it
    assert selectors.ledger_discrepancies() == []
    assert not PointsAccount.objects.filter(balance__lt=0).exists()
    assert not PointsAccount.objects.filter(debt__lt=0).exists()
    assert not StoredValueAccount.objects.filter(balance_fen__lt=0).exists()
    for earning in PointsEntry.objects.filter(kind=PointsKind.EARN):
        clawed = PointsEntry.objects.filter(kind=PointsKind.CLAWBACK, source_reference=earning.reference)
        total = -(clawed.aggregate(s=Sum("points"))["s"] or 0) + (
            clawed.aggregate(s=Sum("shortfall"))["s"] or 0
        )
        assert total <= earning.points
        assert (clawed.aggregate(s=Sum("amount_fen"))["s"] or 0) <= earning.amount_fen
    for redemption in PointsEntry.objects.filter(kind=PointsKind.REDEEM):
        returned = PointsEntry.objects.filter(kind=PointsKind.RETURN, source_reference=redemption.reference)
        assert (returned.aggregate(s=Sum("points"))["s"] or 0) <= -redemption.points
