"""Concurrency on PostgreSQL: real threads, each with its own connection."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from huitong.core.errors import DomainError
from huitong.marketing import services
from huitong.marketing.models import Coupon, CouponTemplate
from huitong.members.models import Customer

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


def test_twenty_redemptions_of_one_single_use_coupon_one_succeeds(shop):
    coupon = services.issue_codes(template_id=shop.template().pk, count=1, actor=shop.actor)[0]
    results = run_concurrently(
        20,
        lambda i: services.redeem_coupons(
            codes=[coupon.code],
            customer_id=None,
            reference=f"SO-{i}",
            actor=shop.actor,
            discount_fen_by_code={coupon.code: 1000},
            order_total_fen=10000 + i,
        ),
    )
    assert sorted(results) == ["coupon_already_used"] * 19 + ["ok"]
    used = Coupon.objects.get(pk=coupon.pk)
    winner = results.index("ok")
    assert (used.status, used.used_reference, used.order_total_fen) == (
        "used",
        f"SO-{winner}",
        10000 + winner,
    )


def test_twenty_claims_against_five_left_five_succeed(shop):
    template = shop.template(total_quantity=7)
    for _ in range(2):
        services.claim_coupon(template_id=template.pk, customer_id=Customer.objects.create().pk)
    members = [Customer.objects.create().pk for _ in range(20)]
    results = run_concurrently(
        20, lambda i: services.claim_coupon(template_id=template.pk, customer_id=members[i])
    )
    assert sorted(results) == ["coupons_exhausted"] * 15 + ["ok"] * 5
    assert CouponTemplate.objects.get(pk=template.pk).issued_count == 7 == Coupon.objects.count()


def test_one_member_claiming_twenty_times_at_once_gets_the_limit(shop):
    template = shop.template(per_member_limit=2)
    results = run_concurrently(
        20, lambda i: services.claim_coupon(template_id=template.pk, customer_id=shop.alice.pk)
    )
    assert sorted(results) == ["coupon_limit_reached"] * 18 + ["ok"] * 2
    assert Coupon.objects.filter(customer=shop.alice).count() == 2
    assert CouponTemplate.objects.get(pk=template.pk).issued_count == 2
