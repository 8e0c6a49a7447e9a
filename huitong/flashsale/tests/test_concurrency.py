"""Flash sale crowds on PostgreSQL: real threads, each with its own database connection."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from django.db import connection
from django.utils import timezone

from huitong.core.errors import DomainError
from huitong.flashsale import gate as redis_gate
from huitong.flashsale import services
from huitong.flashsale.models import Claim, ClaimStatus, FlashSaleBuyer
from huitong.flashsale.tests.conftest import PATHS, Flash
from huitong.inventory import selectors as inventory_selectors
from huitong.inventory.models import Reservation, ReservationStatus, StockItem
from huitong.members.auth import issue_member_token
from huitong.orders.models import Order, OrderStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_concurrently(n, fn, workers):
    barrier = threading.Barrier(workers)

    def wrapped(i):
        try:
            if i < workers:
                barrier.wait()
            return fn(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(wrapped, range(n)))


def assert_exactly_ten_sold(flash, sale, buyers, path):
    orders = Order.objects.filter(external_id__startswith=f"FS{sale.pk}-")
    assert orders.count() == 10
    owners = list(orders.values_list("customer_id", flat=True))
    assert len(set(owners)) == 10 and set(owners) <= set(buyers)
    assert Claim.objects.filter(sale=sale, status=ClaimStatus.HELD).count() == 10
    assert (
        sorted(FlashSaleBuyer.objects.filter(sale=sale, held__gt=0).values_list("held", flat=True))
        == [1] * 10
    )
    sale.refresh_from_db()
    assert sale.remaining == 0 and sale.reservation_id is None
    item = StockItem.objects.get(sku=flash.sku, location=flash.wh)
    assert (item.on_hand, item.reserved) == (30, 10)
    active = Reservation.objects.filter(stock_item=item, status=ReservationStatus.ACTIVE)
    assert active.count() == 10 and sum(active.values_list("quantity", flat=True)) == 10
    assert inventory_selectors.ledger_discrepancies() == []
    if path == "redis":
        assert redis_gate.gate().snapshot(sale_id=sale.pk) == {"remaining": 0, "held": 10, "open": True}


@pytest.mark.parametrize("path", PATHS)
def test_fifty_buyers_three_attempts_each_for_ten_units(path):
    flash = Flash(stock=30)
    sale = flash.sale(quantity=10, limit=1)
    buyers = flash.customers(50)

    def attempt(i):
        try:
            return flash.buy(sale, buyers[i % 50], path).path
        except DomainError as exc:
            return exc.code

    outcomes = run_concurrently(150, attempt, workers=50)
    assert outcomes.count(path) == 10
    assert set(outcomes) <= {path, "sold_out", "limit_reached"}
    assert_exactly_ten_sold(flash, sale, buyers, path)


@pytest.mark.parametrize("path", PATHS)
def test_fifty_buyers_over_http(path, live_server, settings):
    if path == "db":
        settings.REDIS_URL = ""  # the same API, no Redis: the database path
    flash = Flash(stock=30)
    sale = flash.sale(quantity=10, limit=1)
    buyers = flash.customers(50)
    tokens = [issue_member_token(customer_id=c) for c in buyers]
    url = f"{live_server.url}/api/store/v1/flash-sales/{sale.pk}/purchase"
    body = {"receiver": {"name": "李四", "phone": "13900000000", "address": "西湖区 1 号"}}

    def attempt(i):
        r = requests.post(url, json=body, timeout=60, headers={"Authorization": f"Bearer {tokens[i % 50]}"})
        return r.status_code if r.status_code == 201 else r.json()["code"]

    outcomes = run_concurrently(150, attempt, workers=50)
    assert outcomes.count(201) == 10
    assert set(outcomes) <= {201, "sold_out", "limit_reached"}
    assert_exactly_ten_sold(flash, sale, buyers, path)


@pytest.mark.parametrize("path", PATHS)
def test_concurrent_sweeps_and_buyers_return_each_unit_once(path):
    flash = Flash(stock=30)
    now = timezone.now()
    sale = flash.sale(quantity=10, limit=1, now=now)
    buyers = flash.customers(30)
    for buyer in buyers[:10]:
        flash.buy(sale, buyer, path, now=now)
    later = now + timedelta(minutes=11)

    def act(i):
        if i % 3 == 0:
            return services.return_expired_claims(now=later)["returned"]
        try:
            flash.buy(sale, buyers[10 + i % 20], path, now=later)
            return "bought"
        except DomainError as exc:
            return exc.code

    outcomes = run_concurrently(30, act, workers=30)
    assert sum(o for o in outcomes if isinstance(o, int)) == 10  # each claim returned exactly once
    assert Claim.objects.filter(sale=sale, status=ClaimStatus.RETURNED).count() == 10
    assert Order.objects.filter(status=OrderStatus.CANCELLED).count() == 10
    bought = outcomes.count("bought")
    sale.refresh_from_db()
    assert sale.remaining == 10 - bought
    held = Claim.objects.filter(sale=sale, status=ClaimStatus.HELD).count()
    assert held == bought
    item = StockItem.objects.get(sku=flash.sku, location=flash.wh)
    set_aside = Reservation.objects.get(pk=sale.reservation_id).quantity if sale.reservation_id else 0
    assert set_aside == sale.remaining and item.reserved == set_aside + held
    if path == "redis":
        assert redis_gate.gate().snapshot(sale_id=sale.pk)["remaining"] == sale.remaining
