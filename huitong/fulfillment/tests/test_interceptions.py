import pytest

from huitong.core.errors import InvalidInput, InvalidTransition
from huitong.fulfillment import services
from huitong.fulfillment.errors import NothingToIntercept
from huitong.fulfillment.models import InterceptionStage, InterceptionStatus, PickupStatus, ShipmentStatus
from huitong.fulfillment.tests.conftest import world
from huitong.inventory.models import StockItem
from huitong.orders import services as orders
from huitong.orders.models import Order, OrderStatus
from huitong.payments.models import Payment

pytestmark = pytest.mark.django_db
IS = InterceptionStatus


def test_unshipped_order_is_stopped_cancelled_and_its_stock_released(floor, system_actor):
    order = floor.allocated((floor.sku_a.pk, 2))
    shipment = services.create_shipments(order_id=order.pk, carrier="SF", actor=system_actor).shipments[0]
    [request] = services.intercept_order(order_id=order.pk, reason="买家要求取消", actor=system_actor)
    assert (request.stage, request.status) == (InterceptionStage.BEFORE_SHIPPING, IS.SUCCEEDED)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.CANCELLED
    item = StockItem.objects.get(sku=floor.sku_a, location=floor.wh1)
    assert (item.on_hand, item.reserved) == (10, 0)
    assert Payment.objects.get(reference=order.number).net_fen == 0  # refunded in full by cancel_order


def test_pickup_order_is_stopped_too(floor, system_actor):
    order = floor.paid((floor.sku_a.pk, 1))
    pickup = services.arrange_pickup(order_id=order.pk, location_id=floor.store_loc.pk, actor=system_actor).pickup
    services.intercept_order(order_id=order.pk, reason="不要了", actor=system_actor)
    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.CANCELLED
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED


def test_parcel_on_the_road_gets_a_request_against_its_waybill(floor, system_actor):
    order = floor.allocated()
    shipment = services.create_shipments(order_id=order.pk, carrier="ZTO", waybill_no="73100012345678",
                                         actor=system_actor).shipments[0]
    services.ship_shipment(shipment_id=shipment.pk, actor=system_actor)
    [request] = services.intercept_order(order_id=order.pk, reason="地址填错", actor=system_actor)
    assert (request.stage, request.status, request.carrier, request.waybill_no) == (
        InterceptionStage.IN_TRANSIT, IS.REQUESTED, "ZTO", "73100012345678")
    again = services.intercept_order(order_id=order.pk, reason="再催一次", actor=system_actor)
    assert [r.pk for r in again] == [request.pk]  # one open request per parcel
    done = services.resolve_interception(interception_id=request.pk, succeeded=True, note="已退回", actor=system_actor)
    assert done.status == IS.SUCCEEDED and done.resolved_at
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.INTERCEPTED
    with pytest.raises(InvalidTransition):
        services.resolve_interception(interception_id=request.pk, succeeded=False, actor=system_actor)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED  # what comes back is after-sales'


def test_failed_interception_leaves_the_parcel_going(floor, system_actor):
    order = floor.allocated()
    shipment = services.create_shipments(order_id=order.pk, carrier="STO", waybill_no="7730123456789",
                                         actor=system_actor).shipments[0]
    services.ship_shipment(shipment_id=shipment.pk, actor=system_actor)
    [request] = services.intercept_order(order_id=order.pk, reason="地址填错", actor=system_actor)
    services.resolve_interception(interception_id=request.pk, succeeded=False, note="已派送", actor=system_actor)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SHIPPED


def test_success_after_delivery_is_refused_with_nothing_changed(floor, system_actor):
    order = floor.allocated()
    shipment = services.create_shipments(order_id=order.pk, carrier="SF", waybill_no="SF1234567890123",
                                         actor=system_actor).shipments[0]
    services.ship_shipment(shipment_id=shipment.pk, actor=system_actor)
    [request] = services.intercept_order(order_id=order.pk, reason="拦截", actor=system_actor)
    services.record_tracking_events(rows=[{"carrier": "SF", "waybill_no": "SF1234567890123", "kind": "delivered",
                                           "occurred_at": "2026-01-01T10:00:00+08:00"}], source="webhook",
                                    actor=system_actor)
    before = world()
    with pytest.raises(InvalidTransition):
        services.resolve_interception(interception_id=request.pk, succeeded=True, actor=system_actor)
    assert world() == before


def test_order_shipped_outside_fulfillment_is_intercepted_by_its_waybill(floor, system_actor):
    order = floor.allocated()
    orders.ship_order(order_id=order.pk, carrier_code="YTO", waybill_no="YT1234567890123", actor=system_actor)
    [request] = services.intercept_order(order_id=order.pk, reason="错发", actor=system_actor)
    assert (request.shipment_id, request.carrier, request.waybill_no) == (None, "YTO", "YT1234567890123")
    done = services.resolve_interception(interception_id=request.pk, succeeded=True, actor=system_actor)
    assert done.status == IS.SUCCEEDED


def test_split_order_half_shipped_voids_the_rest_and_requests_the_parcel(floor, system_actor):
    order = floor.allocated((floor.sku_a.pk, 1), (floor.sku_b.pk, 1))
    hz, gz = services.create_shipments(order_id=order.pk, carrier="SF", actor=system_actor).shipments
    services.ship_shipment(shipment_id=hz.pk, waybill_no="SF1234567890123", actor=system_actor)
    [request] = services.intercept_order(order_id=order.pk, reason="拦截", actor=system_actor)
    assert request.shipment_id == hz.pk
    gz.refresh_from_db()
    assert gz.status == ShipmentStatus.CANCELLED


def test_nothing_to_intercept_or_no_reason_changes_nothing(floor, system_actor):
    unpaid = floor.order((floor.sku_a.pk, 1)).order
    done = floor.allocated()
    orders.ship_order(order_id=done.pk, carrier_code="SF", waybill_no="SF1234567890123", actor=system_actor)
    orders.complete_order(order_id=done.pk, actor=system_actor)
    before = world()
    for order in (unpaid, done):
        with pytest.raises(NothingToIntercept) as exc:
            services.intercept_order(order_id=order.pk, reason="x", actor=system_actor)
        assert exc.value.status == 409
    with pytest.raises(InvalidInput):
        services.intercept_order(order_id=unpaid.pk, reason="  ", actor=system_actor)
    assert world() == before


def test_intercepting_one_order_of_a_merged_parcel_voids_the_parcel_for_the_rest(floor, system_actor):
    from huitong.orders import merging

    paid = [floor.paid((floor.sku_a.pk, 1), buyer_nick="茶友") for _ in range(2)]
    merging.merge_orders(order_ids=[o.pk for o in paid], actor=system_actor)
    orders.allocate_order(order_id=paid[0].pk, actor=system_actor)
    [parcel] = services.create_shipments(order_id=paid[0].pk, carrier="SF", actor=system_actor).shipments
    services.intercept_order(order_id=paid[1].pk, reason="买家取消", actor=system_actor)
    parcel.refresh_from_db()
    assert parcel.status == ShipmentStatus.CANCELLED
    assert Order.objects.get(pk=paid[1].pk).status == OrderStatus.CANCELLED
    [fresh] = services.create_shipments(order_id=paid[0].pk, carrier="SF", actor=system_actor).shipments
    assert [ln.order_id for ln in fresh.lines.all()] == [paid[0].pk]
