"""Concurrency attacks on PostgreSQL: real threads, each with its own database connection."""

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from django.db import connection
from django.utils import timezone

from huitong.core.errors import DomainError
from huitong.core.services import issue_token
from huitong.inventory import selectors as inventory_selectors
from huitong.inventory import services as inventory
from huitong.inventory.models import Reservation, ReservationStatus, StockItem, StockMovement
from huitong.orders import services
from huitong.orders.models import Order, OrderStatus
from huitong.orders.tests.conftest import Shop

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_concurrently(n, fn, workers=None):
    barrier = threading.Barrier(workers or n)

    def wrapped(i):
        try:
            barrier.wait()
            return fn(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers or n) as pool:
        return list(pool.map(wrapped, range(n)))


def test_fifty_buyers_for_the_last_ten_units_through_the_api(live_server, make_staff):
    shop = Shop(stock_a=10, stock_b=0)
    make_staff(username="buyer-bot", roles=("operator",))
    token = issue_token(username="buyer-bot", password="pw-123456").token
    url = f"{live_server.url}/api/v1/orders"
    body = {"store_id": shop.store.pk, "lines": [{"sku_id": shop.sku_a.pk, "quantity": 1}]}

    def buy(i):
        r = requests.post(url, json={**body, "external_id": f"BUY-{i}"}, timeout=60,
                          headers={"Authorization": f"Bearer {token}"})
        return r.status_code

    statuses = run_concurrently(50, buy, workers=50)
    assert statuses.count(201) == 10
    assert statuses.count(409) == 40
    item = StockItem.objects.get(sku=shop.sku_a, location=shop.wh1)
    assert (item.on_hand, item.reserved) == (10, 10)
    assert Order.objects.count() == 10
    assert Reservation.objects.filter(status=ReservationStatus.ACTIVE).count() == 10
    assert inventory_selectors.ledger_discrepancies() == []


def test_same_external_id_concurrently_creates_one_order(db):
    shop = Shop(stock_a=100, stock_b=0)

    def create(i):
        return shop.order((shop.sku_a.pk, 2), external_id="TB-DUP").order.pk

    ids = run_concurrently(12, create)
    assert len(set(ids)) == 1 and Order.objects.count() == 1
    assert StockItem.objects.get(sku=shop.sku_a, location=shop.wh1).reserved == 2


def test_pay_racing_the_unpaid_timeout_has_one_winner(db):
    shop = Shop(stock_a=20, stock_b=0)
    orders = [shop.order((shop.sku_a.pk, 1), placed_at=timezone.now() - timedelta(hours=1)).order for _ in range(8)]

    def act(i):
        if i % 2:
            return services.expire_unpaid_orders(timeout_minutes=30)
        try:
            services.pay_order(order_id=orders[i // 2].pk, actor=shop.actor)
        except DomainError:
            return "lost"
        return "paid"

    run_concurrently(8, act)
    statuses = set(Order.objects.values_list("status", flat=True))
    assert statuses <= {OrderStatus.PAID, OrderStatus.CANCELLED}
    paid = Order.objects.filter(status=OrderStatus.PAID).count()
    item = StockItem.objects.get(sku=shop.sku_a, location=shop.wh1)
    assert item.reserved == paid  # cancelled orders gave their unit back, paid ones kept it
    assert inventory_selectors.ledger_discrepancies() == []


def test_mixed_stock_operations_keep_every_invariant(db):
    shop = Shop(stock_a=50, stock_b=0)
    locs = [shop.wh1.pk, shop.wh2.pk]
    inventory.receive_stock(sku_id=shop.sku_a.pk, location_id=shop.wh2.pk, quantity=50, reference="init",
                            actor=shop.actor)
    counts = {"received": 0, "shipped": 0}
    lock = threading.Lock()

    def worker(i):
        rng = random.Random(i)
        for step in range(25):
            op = rng.choice(["reserve", "reserve", "release", "ship", "receive", "transfer"])
            loc = rng.choice(locs)
            q = rng.randint(1, 6)
            try:
                if op == "reserve":
                    item = StockItem.objects.get(sku=shop.sku_a, location_id=loc)
                    inventory.reserve_stock(stock_item_id=item.pk, quantity=q, reference=f"w{i}-{step}")
                elif op in ("release", "ship"):
                    held = list(Reservation.objects.filter(status=ReservationStatus.ACTIVE, reference__startswith=f"w{i}-")
                                .values_list("pk", "quantity"))
                    if not held:
                        continue
                    rid, qty = rng.choice(held)
                    if op == "release":
                        inventory.release_reservation(reservation_id=rid)
                    elif inventory.ship_reservation(reservation_id=rid, reference=f"w{i}", actor=shop.actor):
                        with lock:
                            counts["shipped"] += qty
                elif op == "receive":
                    inventory.receive_stock(sku_id=shop.sku_a.pk, location_id=loc, quantity=q, reference=f"w{i}",
                                            actor=shop.actor)
                    with lock:
                        counts["received"] += q
                else:
                    other = locs[1] if loc == locs[0] else locs[0]
                    inventory.transfer_stock(sku_id=shop.sku_a.pk, from_location_id=loc, to_location_id=other,
                                             quantity=q, reference=f"w{i}", actor=shop.actor)
            except DomainError:
                pass

    run_concurrently(8, worker)
    items = list(StockItem.objects.filter(sku=shop.sku_a))
    assert all(0 <= it.reserved <= it.on_hand for it in items)
    assert sum(it.on_hand for it in items) == 100 + counts["received"] - counts["shipped"]
    assert sum(StockMovement.objects.filter(stock_item__sku=shop.sku_a).values_list("quantity", flat=True)) == \
        sum(it.on_hand for it in items)
    assert inventory_selectors.ledger_discrepancies() == []

