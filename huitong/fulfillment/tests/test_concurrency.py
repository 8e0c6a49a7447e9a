"""Races on PostgreSQL: real threads, each with its own database connection."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from huitong.core.actors import Actor
from huitong.core.errors import DomainError
from huitong.fulfillment import services
from huitong.fulfillment.models import Pickup, Shipment
from huitong.fulfillment.tests.conftest import Floor
from huitong.inventory import selectors as inventory_selectors
from huitong.inventory.models import StockMovement
from huitong.orders.models import Order, OrderStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ACTOR = Actor.system("race")


def run_concurrently(calls):
    barrier = threading.Barrier(len(calls))

    def wrapped(call):
        try:
            barrier.wait()
            return call()
        except DomainError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(wrapped, calls))


def test_parcels_of_one_order_shipped_at_once_ship_the_order_exactly_once():
    floor = Floor()
    for _round in range(5):
        order = floor.allocated((floor.sku_a.pk, 1), (floor.sku_b.pk, 1))
        hz, gz = services.create_shipments(order_id=order.pk, carrier="YD", actor=ACTOR).shipments
        results = run_concurrently([
            lambda hz=hz: services.ship_shipment(shipment_id=hz.pk, waybill_no=f"43{hz.pk:011d}", actor=ACTOR),
            lambda gz=gz: services.ship_shipment(shipment_id=gz.pk, waybill_no=f"44{gz.pk:011d}", actor=ACTOR),
        ])
        assert sorted(r.order_shipped for r in results) == [False, True]
        assert Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED
        assert StockMovement.objects.filter(reference__startswith=order.number).count() == 2
    assert inventory_selectors.ledger_discrepancies() == []


def test_the_same_order_made_into_shipments_twice_at_once_gets_one_set():
    floor = Floor()
    order = floor.allocated((floor.sku_a.pk, 1))
    results = run_concurrently([lambda: services.create_shipments(order_id=order.pk, actor=ACTOR)] * 8)
    assert len({r.shipments[0].pk for r in results}) == 1 and sum(r.created for r in results) == 1
    assert Shipment.objects.filter(order=order).count() == 1


def test_one_code_verified_at_two_tills_hands_over_once():
    floor = Floor()
    order = floor.paid((floor.sku_a.pk, 1))
    code = services.arrange_pickup(order_id=order.pk, location_id=floor.store_loc.pk, actor=ACTOR).code
    results = run_concurrently(
        [lambda: services.verify_pickup(location_id=floor.store_loc.pk, code=code, actor=ACTOR)] * 4)
    assert sorted(r if isinstance(r, str) else "ok" for r in results) == ["invalid_pickup_code"] * 3 + ["ok"]
    assert Pickup.objects.get().status == "picked_up"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETED
    assert inventory_selectors.ledger_discrepancies() == []
