"""Concurrent ingest on PostgreSQL: pages of platform orders from several workers at once."""

import pytest

from huitong.inventory import selectors as inventory_selectors
from huitong.inventory.models import StockItem
from huitong.orders.models import Order
from huitong.orders.tests.conftest import Shop
from huitong.orders.tests.test_concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_pages_of_platform_orders_neither_deadlock_nor_double(db):
    from huitong.integrations import ingest
    from huitong.integrations.tests.memory_adapter import order as platform_order

    shop = Shop(stock_a=1000, stock_b=1000)
    codes = [shop.sku_a.code, shop.sku_b.code]

    def page(i):
        # every worker sends overlapping order ids, lines in opposite SKU orders
        lines = [(codes[i % 2], 1, 100, 100), (codes[(i + 1) % 2], 1, 100, 100)]
        orders = [platform_order(f"X{n}", lines=lines) for n in range(i * 5, i * 5 + 40)]
        return ingest.ingest_orders(store_id=shop.store.pk, orders=orders, source="pull", actor=shop.actor)

    results = run_concurrently(6, page)
    assert all(o.outcome in ("new", "unchanged") for r in results for o in r)
    assert Order.objects.count() == 65 and Order.objects.values("external_id").distinct().count() == 65
    items = StockItem.objects.filter(location__in=[shop.wh1, shop.wh2])
    assert sum(i.reserved for i in items) == 130
    assert inventory_selectors.ledger_discrepancies() == []


def test_two_stores_imported_at_once_on_the_same_skus_keep_stock_and_ledger(db):
    """As when each store is pulled by its own worker: pages of two stores (fulfilled from the same two
    warehouses, listed in opposite orders) reserve the same stock rows at once; stock runs short."""
    from huitong.channels.services import create_store
    from huitong.integrations import ingest
    from huitong.integrations.tests.memory_adapter import order as platform_order
    from huitong.inventory import services as inventory
    from huitong.inventory.models import Reservation
    from huitong.orders.services import set_fulfillment_locations

    shop = Shop(stock_a=100, stock_b=60)
    inventory.receive_stock(sku_id=shop.sku_a.pk, location_id=shop.wh2.pk, quantity=50, reference="init",
                            actor=shop.actor)
    inventory.receive_stock(sku_id=shop.sku_b.pk, location_id=shop.wh1.pk, quantity=90, reference="init",
                            actor=shop.actor)
    other = create_store(code="MALL2", name="第二店", platform="web_mall")
    set_fulfillment_locations(store_id=other.pk, location_ids=[shop.wh2.pk, shop.wh1.pk])
    stores = [shop.store.pk, other.pk]
    codes = [shop.sku_a.code, shop.sku_b.code]

    def worker(i):  # 2 stores × 3 workers × 2 pages × 20 orders of 2 units: 240 units per SKU, 150 in stock
        store_id, outcomes = stores[i % 2], []
        for p in range(2):
            lines = [(codes[(i + p) % 2], 1, 100, 100), (codes[(i + p + 1) % 2], 1, 100, 100)]
            orders = [platform_order(f"W{i}P{p}N{n}", lines=lines) for n in range(20)]
            outcomes += ingest.ingest_orders(store_id=store_id, orders=orders, source="pull", actor=shop.actor)
        return outcomes

    results = run_concurrently(6, worker)
    assert all(o.outcome == "new" for r in results for o in r)
    for store_id in stores:
        assert Order.objects.filter(store_id=store_id).values("external_id").distinct().count() == 120
    held = Order.objects.exclude(hold_reasons=[])
    assert all(h["code"] == "out_of_stock" for o in held for h in o.hold_reasons)
    items = list(StockItem.objects.all())
    assert all(0 <= i.reserved <= i.on_hand for i in items)
    active = Reservation.objects.filter(status="active")
    assert sum(i.reserved for i in items) == sum(r.quantity for r in active) == 2 * (240 - held.count())
    assert sum(i.on_hand - i.reserved for i in items if i.sku_id == shop.sku_a.pk) < 2 or \
        sum(i.on_hand - i.reserved for i in items if i.sku_id == shop.sku_b.pk) < 2  # a SKU ran out
    assert inventory_selectors.ledger_discrepancies() == []
