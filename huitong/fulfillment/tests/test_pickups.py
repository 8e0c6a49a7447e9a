import re
from datetime import date

import pytest

from huitong.core.errors import InvalidInput, InvalidTransition
from huitong.core.models import OutboxMessage
from huitong.fulfillment import services
from huitong.fulfillment.errors import (
    InvalidPickupCode,
    InvalidPickupLocation,
    NothingToDeliver,
    OrderHasShipments,
    OrderIsForPickup,
    OrderNotShippable,
    PickupLocationMismatch,
    PickupNotReady,
)
from huitong.fulfillment.models import DeliveryRunStatus, Pickup, PickupStatus
from huitong.fulfillment.services.pickups import PICKUP_READY, code_hash
from huitong.fulfillment.tests.conftest import world
from huitong.inventory.errors import InsufficientStock
from huitong.inventory.models import MovementKind, StockItem, StockMovement
from huitong.orders import services as orders
from huitong.orders.errors import OrderOnHold
from huitong.orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db
P = PickupStatus
TODAY = date(2026, 1, 15)


def stock(sku, loc):
    item = StockItem.objects.get(sku=sku, location=loc)
    return item.on_hand, item.reserved


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


# --- buy online, pick up in store -----------------------------------------------------------------

def test_store_pickup_reserves_at_the_store_and_the_code_commits_the_stock_there(floor, system_actor):
    order = floor.paid((floor.sku_a.pk, 2))
    arranged = services.arrange_pickup(order_id=order.pk, location_id=floor.store_loc.pk, actor=system_actor)
    assert re.fullmatch(r"\d{6}", arranged.code) and arranged.pickup.status == P.READY
    assert arranged.pickup.code_hash == code_hash(floor.store_loc.pk, arranged.code) != arranged.code
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED
    assert {line.location_id for line in order.lines.all()} == {floor.store_loc.pk}
    assert stock(floor.sku_a, floor.store_loc) == (3, 2) and stock(floor.sku_a, floor.wh1) == (10, 0)
    pickup = services.verify_pickup(location_id=floor.store_loc.pk, code=arranged.code, actor=system_actor)
    assert pickup.status == P.PICKED_UP and pickup.picked_up_at
    order.refresh_from_db()
    assert (order.status, order.carrier_code, order.waybill_no) == (OrderStatus.COMPLETED, "PICKUP", order.number)
    assert stock(floor.sku_a, floor.store_loc) == (1, 0)
    assert StockMovement.objects.filter(kind=MovementKind.SHIP, stock_item__location=floor.store_loc,
                                        quantity=-2).count() == 1


def test_wrong_or_used_code_is_a_4xx_and_changes_nothing(floor, system_actor):
    order = floor.paid((floor.sku_a.pk, 1))
    code = services.arrange_pickup(order_id=order.pk, location_id=floor.store_loc.pk, actor=system_actor).code
    before = world()
    for bad in (wrong(code), "12345", "abcdef", ""):
        with pytest.raises(InvalidPickupCode) as exc:
            services.verify_pickup(location_id=floor.store_loc.pk, code=bad, actor=system_actor)
        assert exc.value.status == 422 and "code" in exc.value.detail["fields"]
    other_store = floor.point  # the right code at another place is no code at all
    with pytest.raises(InvalidPickupCode):
        services.verify_pickup(location_id=other_store.pk, code=code, actor=system_actor)
    assert world() == before
    services.verify_pickup(location_id=floor.store_loc.pk, code=code, actor=system_actor)
    before = world()
    with pytest.raises(InvalidPickupCode):
        services.verify_pickup(location_id=floor.store_loc.pk, code=code, actor=system_actor)
    assert world() == before


def test_reissued_code_replaces_the_old_one(floor, system_actor):
    order = floor.paid((floor.sku_a.pk, 1))
    arranged = services.arrange_pickup(order_id=order.pk, location_id=floor.store_loc.pk, actor=system_actor)
    fresh = services.reissue_pickup_code(pickup_id=arranged.pickup.pk, actor=system_actor).code
    if fresh != arranged.code:
        with pytest.raises(InvalidPickupCode):
            services.verify_pickup(location_id=floor.store_loc.pk, code=arranged.code, actor=system_actor)
    assert services.verify_pickup(location_id=floor.store_loc.pk, code=fresh, actor=system_actor).status == P.PICKED_UP
    with pytest.raises(InvalidTransition):
        services.reissue_pickup_code(pickup_id=arranged.pickup.pk, actor=system_actor)


def test_arranging_is_refused_with_nothing_changed(floor, system_actor):
    big = floor.paid((floor.sku_a.pk, 4))  # the store has 3
    held = floor.paid((floor.sku_a.pk, 1))
    Order.objects.filter(pk=held.pk).update(hold_reasons=[{"code": "blacklisted", "message": "黑名单"}])
    allocated_elsewhere = floor.allocated((floor.sku_a.pk, 1))
    parcel = floor.allocated((floor.sku_a.pk, 1))
    services.create_shipments(order_id=parcel.pk, actor=system_actor)
    unpaid = floor.order((floor.sku_a.pk, 1)).order
    twice = floor.paid((floor.sku_a.pk, 1))
    services.arrange_pickup(order_id=twice.pk, location_id=floor.point.pk, actor=system_actor)
    cases = [
        (big.pk, floor.store_loc.pk, InsufficientStock),
        (held.pk, floor.store_loc.pk, OrderOnHold),
        (allocated_elsewhere.pk, floor.store_loc.pk, PickupLocationMismatch),
        (parcel.pk, floor.store_loc.pk, OrderHasShipments),
        (unpaid.pk, floor.store_loc.pk, OrderNotShippable),
        (twice.pk, floor.store_loc.pk, OrderIsForPickup),
        (allocated_elsewhere.pk, floor.wh1.pk, InvalidPickupLocation),
    ]
    for order_id, location_id, error in cases:
        before = world()
        with pytest.raises(error):
            services.arrange_pickup(order_id=order_id, location_id=location_id, actor=system_actor)
        assert world() == before, error


def test_cancelled_store_pickup_returns_the_order_to_the_queue(floor, system_actor):
    order = floor.paid((floor.sku_a.pk, 1))
    pickup = services.arrange_pickup(order_id=order.pk, location_id=floor.store_loc.pk, actor=system_actor).pickup
    with pytest.raises(InvalidInput):
        services.cancel_pickup(pickup_id=pickup.pk, reason="", actor=system_actor)
    services.cancel_pickup(pickup_id=pickup.pk, reason="顾客改为快递", actor=system_actor)
    made = services.create_shipments(order_id=order.pk, carrier="SF", actor=system_actor)
    assert made.created and made.shipments[0].location_id == floor.store_loc.pk


# --- community pickup points and delivery runs ----------------------------------------------------

def _point_orders(floor, actor, n=2):
    arranged = []
    for _ in range(n):
        order = floor.paid((floor.sku_a.pk, 1))
        arranged.append(services.arrange_pickup(order_id=order.pk, location_id=floor.point.pk, actor=actor))
    return arranged


def test_delivery_run_batches_ships_arrives_and_customers_collect(floor, system_actor):
    arranged = _point_orders(floor, system_actor, 3)
    assert all(a.pickup.status == P.AWAITING_DELIVERY for a in arranged)
    assert Order.objects.get(pk=arranged[0].pickup.order_id).status == OrderStatus.ALLOCATED
    run = services.plan_delivery_run(pickup_point_id=floor.point.pk, run_date=TODAY, actor=system_actor)
    assert run.status == DeliveryRunStatus.PLANNED and run.pickups.count() == 3
    with pytest.raises(NothingToDeliver):  # all waiting orders are on the run already
        services.plan_delivery_run(pickup_point_id=floor.point.pk, run_date=TODAY, actor=system_actor)
    with pytest.raises(PickupNotReady):
        services.verify_pickup(location_id=floor.point.pk, code=arranged[0].code, actor=system_actor)
    dispatched = services.dispatch_delivery_run(run_id=run.pk, actor=system_actor)
    assert dispatched.left_behind == [] and dispatched.run.status == DeliveryRunStatus.DISPATCHED
    shipped = Order.objects.get(pk=arranged[0].pickup.order_id)
    assert (shipped.status, shipped.carrier_code, shipped.waybill_no) == ("shipped", "SAMECITY", run.number)
    assert stock(floor.sku_a, floor.wh1) == (7, 0)
    with pytest.raises(PickupNotReady):
        services.verify_pickup(location_id=floor.point.pk, code=arranged[0].code, actor=system_actor)
    services.confirm_run_arrival(run_id=run.pk, actor=system_actor)
    assert set(Pickup.objects.values_list("status", flat=True)) == {P.READY}
    assert OutboxMessage.objects.filter(topic=PICKUP_READY).count() == 3
    services.verify_pickup(location_id=floor.point.pk, code=arranged[0].code, actor=system_actor)
    assert Order.objects.get(pk=arranged[0].pickup.order_id).status == OrderStatus.COMPLETED
    assert Order.objects.get(pk=arranged[1].pickup.order_id).status == OrderStatus.SHIPPED
    with pytest.raises(InvalidTransition):  # goods left with the run: after-sales, not a cancel
        services.cancel_pickup(pickup_id=arranged[1].pickup.pk, reason="不要了", actor=system_actor)


def test_orders_that_cannot_go_are_left_behind(floor, system_actor):
    keep, hold = _point_orders(floor, system_actor)
    run = services.plan_delivery_run(pickup_point_id=floor.point.pk, run_date=TODAY, actor=system_actor)
    Order.objects.filter(pk=hold.pickup.order_id).update(hold_reasons=[{"code": "refund_in_progress", "message": "x"}])
    dispatched = services.dispatch_delivery_run(run_id=run.pk, actor=system_actor)
    assert [b["order_number"] for b in dispatched.left_behind] == [hold.pickup.order_number]
    assert dispatched.left_behind[0]["code"] == "order_on_hold"
    left = Pickup.objects.get(pk=hold.pickup.pk)
    assert (left.status, left.run_id) == (P.AWAITING_DELIVERY, None)
    assert Order.objects.get(pk=hold.pickup.order_id).status == OrderStatus.ALLOCATED
    assert Pickup.objects.get(pk=keep.pickup.pk).status == P.IN_TRANSIT


def test_a_run_where_nothing_can_go_changes_nothing(floor, system_actor):
    [only] = _point_orders(floor, system_actor, 1)
    run = services.plan_delivery_run(pickup_point_id=floor.point.pk, run_date=TODAY, actor=system_actor)
    Order.objects.filter(pk=only.pickup.order_id).update(hold_reasons=[{"code": "blacklisted", "message": "x"}])
    before = world()
    with pytest.raises(NothingToDeliver) as exc:
        services.dispatch_delivery_run(run_id=run.pk, actor=system_actor)
    assert exc.value.detail["left_behind"][0]["code"] == "order_on_hold" and world() == before


def test_held_orders_wait_and_runs_need_a_pickup_point(floor, system_actor):
    [held] = _point_orders(floor, system_actor, 1)
    Order.objects.filter(pk=held.pickup.order_id).update(hold_reasons=[{"code": "blacklisted", "message": "x"}])
    before = world()
    with pytest.raises(NothingToDeliver):
        services.plan_delivery_run(pickup_point_id=floor.point.pk, run_date=TODAY, actor=system_actor)
    with pytest.raises(InvalidPickupLocation):
        services.plan_delivery_run(pickup_point_id=floor.store_loc.pk, run_date=TODAY, actor=system_actor)
    assert world() == before


def test_cancelled_run_frees_its_orders_for_the_next(floor, system_actor):
    _point_orders(floor, system_actor, 2)
    run = services.plan_delivery_run(pickup_point_id=floor.point.pk, run_date=TODAY, actor=system_actor)
    services.cancel_delivery_run(run_id=run.pk, reason="车辆故障", actor=system_actor)
    with pytest.raises(InvalidTransition):
        services.dispatch_delivery_run(run_id=run.pk, actor=system_actor)
    with pytest.raises(InvalidTransition):
        services.confirm_run_arrival(run_id=run.pk, actor=system_actor)
    nxt = services.plan_delivery_run(pickup_point_id=floor.point.pk, run_date=TODAY, actor=system_actor)
    assert nxt.pickups.count() == 2


def test_a_cancelled_order_is_left_off_the_next_run(floor, system_actor):
    gone, stays = _point_orders(floor, system_actor)
    orders.cancel_order(order_id=gone.pickup.order_id, reason="买家取消", actor=system_actor)
    run = services.plan_delivery_run(pickup_point_id=floor.point.pk, run_date=TODAY, actor=system_actor)
    assert list(run.pickups.values_list("pk", flat=True)) == [stays.pickup.pk]
