"""Allocation under contention on PostgreSQL: real threads, each with its own connection."""

import random
import threading
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from huitong.core.errors import DomainError
from huitong.inventory import selectors as inventory_selectors
from huitong.inventory import services as inventory
from huitong.inventory.models import Reservation, ReservationStatus, StockItem
from huitong.inventory.tests.factories import LocationFactory
from huitong.orders import allocation, services
from huitong.orders.models import Order, OrderLine, OrderStatus
from huitong.orders.platform import ImportedLine, ImportedOrder, import_orders
from huitong.orders.tests.workflow_shop import WorkflowShop

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CITIES = [("浙江省", "杭州市"), ("广东省", "广州市"), ("四川省", "成都市"), ("江苏省", "南京市")]
SUPPLY = {"a": {0: 20, 1: 30, 2: 25}, "b": {0: 15, 1: 15, 2: 20}}  # extra units per warehouse, after the import


def run_concurrently(n, fn, workers):
    barrier = threading.Barrier(workers)
    started = threading.local()

    def wrapped(i):
        try:
            if not getattr(started, "done", False):
                started.done = True
                barrier.wait()
            return fn(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(wrapped, range(n)))


def _receiver(rng):
    province, city = rng.choice(CITIES)
    return services.Receiver(name="买家", phone=f"139{rng.randint(0, 99999999):08d}", province=province, city=city,
                             district="某区", address="某路 1 号")


def _platform_orders(shop, store, rng, count):
    now = timezone.now()
    specs = []
    for i in range(count):
        wanted = [(shop.sku_a, rng.randint(1, 3), 2990)]
        if rng.random() < 0.5:
            wanted.append((shop.sku_b, rng.randint(1, 2), 5980))
        lines = [ImportedLine(f"P{i}-{n}", f"ITEM-{sku.code}", sku.code, sku.code, sku.code, q, price, price * q)
                 for n, (sku, q, price) in enumerate(wanted)]
        specs.append(ImportedOrder(store_id=store.pk, external_id=f"P{i}", status="paid", platform_status="PAID",
                                   placed_at=now - timedelta(minutes=5), updated_at=now, paid_at=now, lines=lines,
                                   total_fen=sum(ln.amount_fen for ln in lines), buyer_nick=f"b{i}",
                                   receiver=_receiver(rng)))
    return [r.order for r in import_orders(specs=specs, actor=shop.actor)]


def test_two_hundred_orders_compete_for_scarce_stock_across_three_locations(db):
    rng = random.Random(7)
    shop = WorkflowShop(stock_a=0, stock_b=0)
    wh3 = LocationFactory(code="CD", province="四川省", city="成都市")
    shop.wh2.province, shop.wh2.city = "广东省", "广州市"
    shop.wh2.save()
    warehouses = [shop.wh1, shop.wh2, wh3]
    store = shop.platform_store()
    for s in (shop.store, store):
        services.set_fulfillment_locations(store_id=s.pk, location_ids=[w.pk for w in warehouses])

    # 150 platform orders while nothing is in stock: each held out of stock, nothing reserved.
    waiting = _platform_orders(shop, store, rng, 150)
    assert all(o.hold_reasons[0]["code"] == "out_of_stock" for o in waiting)
    # 50 checkout orders reserved at the first warehouse, for buyers who mostly live near another one.
    inventory.receive_stock(sku_id=shop.sku_a.pk, location_id=shop.wh1.pk, quantity=50, reference="init",
                            actor=shop.actor)
    reserved = [shop.paid((shop.sku_a.pk, 1), receiver=_receiver(rng)) for _ in range(50)]
    for sku, extra in (("a", SUPPLY["a"]), ("b", SUPPLY["b"])):
        for index, quantity in extra.items():
            inventory.receive_stock(sku_id=getattr(shop, f"sku_{sku}").pk, location_id=warehouses[index].pk,
                                    quantity=quantity, reference="arrival", actor=shop.actor)
    orders = [o.pk for o in [*waiting, *reserved]]
    rng.shuffle(orders)

    def allocate(i):
        try:
            allocation.allocate(order_id=orders[i], actor=shop.actor)
        except DomainError as exc:
            return exc.code
        return "ok"

    outcomes = Counter(run_concurrently(len(orders), allocate, workers=16))
    assert set(outcomes) <= {"ok", "allocation_failed"}, outcomes
    assert outcomes["ok"] >= 50 and outcomes["allocation_failed"] > 0  # scarce: some wait, the reserved all ship

    for item in StockItem.objects.all():
        assert 0 <= item.reserved <= item.on_hand
    assert inventory_selectors.ledger_discrepancies() == []
    active = set(Reservation.objects.filter(status=ReservationStatus.ACTIVE).values_list("pk", flat=True))
    lines = defaultdict(list)
    for line in OrderLine.objects.all():
        lines[line.order_id].append(line)
    for order in Order.objects.all():
        held = [ln.reservation_id in active for ln in lines[order.pk]]
        if order.status == OrderStatus.ALLOCATED:
            assert all(held) and order.hold_reasons == [], order.number
        else:
            assert order.status == OrderStatus.PAID
            assert "allocation_failed" in [h["code"] for h in order.hold_reasons]
            assert not any(held), order.number  # platform orders: nothing half-reserved
    assert Order.objects.filter(pk__in=[o.pk for o in reserved], status=OrderStatus.ALLOCATED).count() == 50
    moved = OrderLine.objects.filter(order__in=reserved).exclude(location=shop.wh1).count()
    assert moved > 0  # some checkout orders went to a nearer warehouse: release + reserve under contention
    for sku in ("a", "b"):
        allocated = sum(OrderLine.objects.filter(order__status=OrderStatus.ALLOCATED, sku=getattr(shop, f"sku_{sku}"))
                        .values_list("quantity", flat=True))
        assert allocated <= sum(SUPPLY[sku].values()) + (50 if sku == "a" else 0)
