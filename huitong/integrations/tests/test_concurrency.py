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
