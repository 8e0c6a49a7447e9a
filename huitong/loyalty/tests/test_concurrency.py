"""Concurrent spending on PostgreSQL: real threads, each with its own connection. Exactly the number
of spends the balance covers succeed, and the balance is exact."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from huitong.core.errors import DomainError
from huitong.loyalty import selectors, services
from huitong.loyalty.models import GiftCard, PointsAccount, PointsEntry, PointsKind, StoredValueEntry
from huitong.loyalty.tests.conftest import ACTOR, make_customer, make_store

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_concurrently(n, fn):
    barrier = threading.Barrier(n)

    def wrapped(i):
        try:
            barrier.wait()
            try:
                fn(i)
                return "ok"
            except DomainError as exc:
                return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(wrapped, range(n)))


def test_twenty_concurrent_redemptions_only_k_succeed():
    customer, store = make_customer(), make_store()
    services.earn_points(
        customer_id=customer.pk,
        reference="SO1",
        store_id=store.pk,
        paid_fen=70_050,
        at=timezone.now(),
        actor=ACTOR,
    )  # 700 points: 7 redemptions of 100
    results = run_concurrently(
        20,
        lambda i: services.redeem_points(
            customer_id=customer.pk, points=100, reference=f"PAY-{i}", actor=ACTOR
        ),
    )
    assert results.count("ok") == 7 and results.count("insufficient_points") == 13
    assert PointsAccount.objects.get(customer=customer).balance == 0
    assert PointsEntry.objects.filter(kind=PointsKind.REDEEM).count() == 7
    assert selectors.ledger_discrepancies() == []


def test_concurrent_redemptions_mixed_with_clawbacks_and_earnings_keep_the_books():
    customer, store = make_customer(), make_store()
    for i in range(3):
        services.earn_points(
            customer_id=customer.pk,
            reference=f"SO{i}",
            store_id=store.pk,
            paid_fen=20_000,
            at=timezone.now() - timedelta(days=i),
            actor=ACTOR,
        )

    def act(i):
        if i % 4 == 0:
            services.claw_back_points(
                reference=f"SO{i % 3}", refund_reference=f"RF{i}", refunded_fen=10_000, actor=ACTOR
            )
        elif i % 4 == 1:
            services.earn_points(
                customer_id=customer.pk,
                reference=f"NEW{i}",
                store_id=store.pk,
                paid_fen=5_000,
                at=timezone.now(),
                actor=ACTOR,
            )
        else:
            services.redeem_points(customer_id=customer.pk, points=100, reference=f"PAY{i}", actor=ACTOR)

    run_concurrently(20, act)
    account = PointsAccount.objects.get(customer=customer)
    assert account.balance >= 0 and account.debt >= 0
    assert selectors.ledger_discrepancies() == []


def test_twenty_concurrent_stored_value_spends_only_k_succeed():
    customer = make_customer()
    services.top_up_stored_value(customer_id=customer.pk, amount_fen=5_500, reference="TU", actor=ACTOR)
    results = run_concurrently(
        20,
        lambda i: services.spend_stored_value(
            customer_id=customer.pk, amount_fen=1_000, reference=f"PAY-{i}", actor=ACTOR
        ),
    )
    assert results.count("ok") == 5 and results.count("insufficient_balance") == 15
    assert selectors.stored_value_balance(customer.pk) == 500
    assert StoredValueEntry.objects.filter(kind="spend").count() == 5
    assert selectors.ledger_discrepancies() == []


def test_twenty_concurrent_gift_card_spends_only_k_succeed():
    issued = services.issue_gift_cards(
        name="卡",
        face_value_fen=10_000,
        quantity=1,
        expires_at=timezone.now() + timedelta(days=30),
        actor=ACTOR,
    )
    card = issued.cards[0]
    results = run_concurrently(
        20,
        lambda i: services.spend_gift_card(
            card_no=card.card_no, pin=card.pin, amount_fen=3_000, reference=f"PAY-{i}", actor=ACTOR
        ),
    )
    assert results.count("ok") == 3 and results.count("insufficient_balance") == 17
    stored = GiftCard.objects.get(card_no=card.card_no)
    assert stored.balance_fen == 1_000 and stored.status == "active"
    assert selectors.ledger_discrepancies() == []


def test_the_same_redemption_replayed_concurrently_is_taken_once():
    customer, store = make_customer(), make_store()
    services.earn_points(
        customer_id=customer.pk,
        reference="SO1",
        store_id=store.pk,
        paid_fen=100_000,
        at=timezone.now(),
        actor=ACTOR,
    )
    results = run_concurrently(
        12,
        lambda i: services.redeem_points(
            customer_id=customer.pk, points=300, reference="PAY-SAME", actor=ACTOR
        ),
    )
    assert results == ["ok"] * 12
    assert PointsAccount.objects.get(customer=customer).balance == 700


def test_concurrent_wrong_pins_lock_the_card_after_five():
    issued = services.issue_gift_cards(
        name="卡",
        face_value_fen=10_000,
        quantity=1,
        expires_at=timezone.now() + timedelta(days=30),
        actor=ACTOR,
    )
    card = issued.cards[0]
    results = run_concurrently(
        12,
        lambda i: services.spend_gift_card(
            card_no=card.card_no, pin="wrong", amount_fen=1, reference=f"P{i}", actor=ACTOR
        ),
    )
    assert results == ["invalid_gift_card"] * 12
    assert GiftCard.objects.get(card_no=card.card_no).pin_failures == 5
