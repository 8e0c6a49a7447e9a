from datetime import timedelta

import pytest
from django.utils import timezone

from huitong.fulfillment import selectors, services
from huitong.fulfillment.errors import InvalidTrackingEvent, UnknownWaybill
from huitong.fulfillment.models import ShipmentStatus, TrackingEvent
from huitong.fulfillment.services import TrackingUpdate
from huitong.fulfillment.tasks import complete_delivered_orders_task
from huitong.fulfillment.tests.conftest import world
from huitong.orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db
S = ShipmentStatus
WAYBILL = "SF1234567890123"


@pytest.fixture
def shipped(floor, system_actor):
    order = floor.allocated()
    shipment = services.create_shipments(order_id=order.pk, carrier="SF", waybill_no=WAYBILL,
                                         actor=system_actor).shipments[0]
    services.ship_shipment(shipment_id=shipment.pk, actor=system_actor)
    return order, shipment


def event(kind, hours_ago, **extra):
    at = timezone.localtime(timezone.now() - timedelta(hours=hours_ago)).replace(microsecond=0)
    return {"carrier": "SF", "waybill_no": WAYBILL, "kind": kind, "occurred_at": at.isoformat(), **extra}


def record(rows, actor, source="webhook"):
    return services.record_tracking_events(rows=rows, source=source, actor=actor)


def test_same_event_twice_is_one_row(shipped, system_actor):
    _, shipment = shipped
    row = event("collected", 5, place="杭州", description="快件已揽收")
    first, second = record([row], system_actor), record([dict(row)], system_actor, source="import")
    assert first[0].outcome == "recorded" and second[0].outcome == "duplicate"
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 1


def test_out_of_order_events_settle_on_the_right_status(shipped, system_actor):
    order, shipment = shipped
    rows = [event("delivered", 1), event("in_transit", 20), event("collected", 30), event("out_for_delivery", 3)]
    outcomes = record(rows, system_actor)
    assert [o.outcome for o in outcomes] == ["recorded"] * 4
    shipment.refresh_from_db()
    assert shipment.status == S.DELIVERED  # the delivered scan came first and stays the answer
    assert shipment.delivered_at == timezone.datetime.fromisoformat(rows[0]["occurred_at"])
    kinds = [e.event for e in selectors.order_timeline(order.pk) if e.source == "tracking"]
    assert kinds == ["collected", "in_transit", "out_for_delivery", "delivered"]


def test_exception_then_back_on_the_road(shipped, system_actor):
    _, shipment = shipped
    record([event("in_transit", 10), event("exception", 5, description="地址不详")], system_actor)
    shipment.refresh_from_db()
    assert shipment.status == S.EXCEPTION
    record([event("in_transit", 8)], system_actor)  # older than the exception: still an exception
    shipment.refresh_from_db()
    assert shipment.status == S.EXCEPTION
    record([event("out_for_delivery", 2)], system_actor)
    shipment.refresh_from_db()
    assert shipment.status == S.SHIPPED
    record([event("delivered", 1)], system_actor)
    shipment.refresh_from_db()
    assert shipment.status == S.DELIVERED
    record([event("exception", 0)], system_actor)  # after delivery: recorded, status stays
    shipment.refresh_from_db()
    assert shipment.status == S.DELIVERED and shipment.tracking_events.count() == 6


def test_chinese_node_names_and_naive_local_times_are_accepted(shipped, system_actor):
    _, shipment = shipped
    naive = (timezone.localtime() - timedelta(hours=1)).replace(tzinfo=None, microsecond=0)
    [outcome] = record([{"carrier": "sf", "waybill_no": WAYBILL.lower(), "kind": "签收",
                         "occurred_at": naive.strftime("%Y/%m/%d %H:%M:%S")}], system_actor)
    assert outcome.outcome == "recorded" and outcome.shipment_status == S.DELIVERED
    assert timezone.localtime(TrackingEvent.objects.get().occurred_at).replace(tzinfo=None) == naive


def test_bad_rows_are_reported_one_by_one_and_the_rest_recorded(shipped, system_actor):
    rows = [
        event("collected", 5),
        {"carrier": "DHL", "waybill_no": "", "kind": "flying", "occurred_at": "yesterday"},
        event("in_transit", 4, waybill_no="SF9999999999999"),
        event("in_transit", -48),
        "not an object",
    ]
    results = record(rows, system_actor)
    assert [r.outcome for r in results] == ["recorded", "error", "error", "error", "error"]
    assert set(results[1].fields) == {"carrier", "waybill_no", "kind", "occurred_at"}
    assert results[2].code == "unknown_waybill" and results[3].fields == {"occurred_at": "时间不能晚于当前时间"}
    assert TrackingEvent.objects.count() == 1


def test_single_event_errors_change_nothing(shipped, system_actor):
    before = world()
    with pytest.raises(UnknownWaybill):
        services.record_tracking_event(update=TrackingUpdate("SF", "SF9999999999999", "delivered", timezone.now()),
                                       source="webhook", actor=system_actor)
    with pytest.raises(InvalidTrackingEvent):
        services.record_tracking_event(update=TrackingUpdate("SF", WAYBILL, "delivered", timezone.now()),
                                       source="carrier-pigeon", actor=system_actor)
    assert world() == before


def test_a_scan_before_the_warehouse_ships_is_kept_without_moving_the_shipment(floor, system_actor):
    order = floor.allocated()
    shipment = services.create_shipments(order_id=order.pk, carrier="SF", waybill_no=WAYBILL,
                                         actor=system_actor).shipments[0]
    [outcome] = record([event("collected", 1)], system_actor)
    assert outcome.outcome == "recorded" and outcome.shipment_status == S.CREATED
    assert outcome.shipment_id == shipment.pk and shipment.tracking_events.count() == 1


def test_delivered_orders_complete_after_the_configured_days(shipped, system_actor, settings):
    order, shipment = shipped
    record([event("delivered", 24 * 3)], system_actor)
    assert services.complete_delivered_orders() == 0  # default 7 days
    assert services.complete_delivered_orders(days=3) == 1
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETED
    assert services.complete_delivered_orders(days=0) == 0  # already done: idempotent


def test_the_task_reads_the_setting_and_waits_for_every_parcel(floor, system_actor, settings):
    settings.HUITONG_AUTO_COMPLETE_DAYS = 2
    order = floor.allocated((floor.sku_a.pk, 1), (floor.sku_b.pk, 1))
    hz, gz = services.create_shipments(order_id=order.pk, carrier="YD", actor=system_actor).shipments
    services.ship_shipment(shipment_id=hz.pk, waybill_no="4312345678901", actor=system_actor)
    services.ship_shipment(shipment_id=gz.pk, waybill_no="4312345678902", actor=system_actor)
    old = (timezone.now() - timedelta(days=3)).isoformat()
    services.record_tracking_events(rows=[{"carrier": "YD", "waybill_no": "4312345678901", "kind": "delivered",
                                           "occurred_at": old}], source="import", actor=system_actor)
    assert complete_delivered_orders_task() == 0  # the second parcel is still on the road
    services.record_tracking_events(rows=[{"carrier": "YD", "waybill_no": "4312345678902", "kind": "delivered",
                                           "occurred_at": timezone.now().isoformat()}], source="import",
                                    actor=system_actor)
    assert complete_delivered_orders_task() == 0  # delivered today: not yet two days
    assert services.complete_delivered_orders(now=timezone.now() + timedelta(days=2, minutes=1)) == 1
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETED


def test_timeline_tells_the_whole_story_in_a_fixed_number_of_queries(shipped, system_actor,
                                                                      django_assert_max_num_queries):
    order, shipment = shipped
    later = timezone.now() + timedelta(minutes=5)
    record([{**event("collected", 0, place="杭州转运中心"), "occurred_at": later.isoformat()},
            {**event("delivered", 0), "occurred_at": (later + timedelta(minutes=5)).isoformat()}], system_actor)
    with django_assert_max_num_queries(10):
        timeline = selectors.order_timeline(order.pk)
    assert [e.at for e in timeline] == sorted(e.at for e in timeline)
    sources = [(e.source, e.event) for e in timeline]
    assert sources[:3] == [("order", "pending_payment"), ("order", "paid"), ("order", "allocated")]
    assert sources.index(("shipment", "created")) < sources.index(("shipment", "shipped"))
    assert ("order", "shipped") in sources and ("shipment", "delivered") in sources
    assert sources[-2:] == [("tracking", "collected"), ("tracking", "delivered")]
    collected = timeline[-2]
    assert collected.reference == f"SF {WAYBILL}" and "杭州转运中心" in collected.detail
    assert collected.label == "已揽收" and collected.actor == "快递回调"
