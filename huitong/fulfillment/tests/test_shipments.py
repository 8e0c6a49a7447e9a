from io import BytesIO

import pytest
from pypdf import PdfReader

from huitong.core.errors import InvalidInput, InvalidTransition
from huitong.core.models import AuditEntry
from huitong.fulfillment import printing, selectors, services
from huitong.fulfillment.errors import (
    InvalidWaybill,
    OrderIsForPickup,
    OrderNotShippable,
    ShipmentNotFound,
    ShipmentsOutdated,
    UnknownCarrier,
    WaybillInUse,
)
from huitong.fulfillment.models import Shipment, ShipmentStatus
from huitong.fulfillment.tests.conftest import world
from huitong.inventory.models import MovementKind, Reservation, StockItem, StockMovement
from huitong.orders import merging
from huitong.orders import services as orders
from huitong.orders.errors import OrderNotFound, OrderOnHold
from huitong.orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db
S = ShipmentStatus


def stock(sku, loc):
    item = StockItem.objects.get(sku=sku, location=loc)
    return item.on_hand, item.reserved


def test_create_pick_ship_moves_stock_through_the_ledger_and_ships_the_order(floor, system_actor):
    order = floor.allocated((floor.sku_a.pk, 2))
    made = services.create_shipments(order_id=order.pk, carrier="SF", waybill_no="sf1234567890123", actor=system_actor)
    assert made.created and made.warnings == []
    [shipment] = made.shipments
    assert (shipment.location_id, shipment.carrier, shipment.waybill_no) == (floor.wh1.pk, "SF", "SF1234567890123")
    assert [(ln.sku_code, ln.quantity) for ln in shipment.lines.all()] == [(floor.sku_a.code, 2)]
    assert shipment.order_number == order.number and shipment.status == S.CREATED
    services.pick_shipment(shipment_id=shipment.pk, actor=system_actor)
    shipped = services.ship_shipment(shipment_id=shipment.pk, actor=system_actor)
    assert shipped.order_shipped and shipped.shipment.status == S.SHIPPED
    order.refresh_from_db()
    assert (order.status, order.carrier_code, order.waybill_no) == (OrderStatus.SHIPPED, "SF", "SF1234567890123")
    assert stock(floor.sku_a, floor.wh1) == (8, 0)
    assert StockMovement.objects.filter(kind=MovementKind.SHIP, reference=order.number, quantity=-2).count() == 1
    trail = list(AuditEntry.objects.filter(object_type="fulfillment.shipment", object_id=str(shipment.pk))
                 .order_by("id").values_list("from_state", "to_state"))
    assert trail == [("", "created"), ("created", "picked"), ("picked", "shipped")]


def test_create_is_idempotent(floor, system_actor):
    order = floor.allocated()
    first = services.create_shipments(order_id=order.pk, actor=system_actor)
    again = services.create_shipments(order_id=order.pk, carrier="SF", actor=system_actor)
    assert not again.created and [s.pk for s in again.shipments] == [s.pk for s in first.shipments]
    assert first.shipments[0].carrier == "ZTO"  # HUITONG_DEFAULT_CARRIER
    assert Shipment.objects.count() == 1


def test_split_order_ships_parcel_by_parcel_and_the_last_ships_the_order(floor, system_actor):
    order = floor.allocated((floor.sku_a.pk, 1), (floor.sku_b.pk, 2))
    made = services.create_shipments(order_id=order.pk, carrier="YD", actor=system_actor)
    hz, gz = sorted(made.shipments, key=lambda s: s.location_id != floor.wh1.pk)
    assert (hz.location_id, gz.location_id) == (floor.wh1.pk, floor.wh2.pk)
    first = services.ship_shipment(shipment_id=hz.pk, waybill_no="4312345678901", actor=system_actor)
    assert not first.order_shipped
    assert Order.objects.get(pk=order.pk).status == OrderStatus.ALLOCATED
    assert stock(floor.sku_a, floor.wh1) == (9, 0) and stock(floor.sku_b, floor.wh2) == (5, 2)
    last = services.ship_shipment(shipment_id=gz.pk, carrier="EMS", waybill_no="EA123456789CN", actor=system_actor)
    assert last.order_shipped
    order.refresh_from_db()
    assert (order.status, order.carrier_code, order.waybill_no) == ("shipped", "EMS", "EA123456789CN")
    assert stock(floor.sku_b, floor.wh2) == (3, 0)
    assert not Reservation.objects.filter(status="active").exists()


def test_one_waybill_for_a_split_order_is_refused(floor, system_actor):
    order = floor.allocated((floor.sku_a.pk, 1), (floor.sku_b.pk, 1))
    before = world()
    with pytest.raises(InvalidInput) as exc:
        services.create_shipments(order_id=order.pk, carrier="SF", waybill_no="SF1234567890123", actor=system_actor)
    assert "waybill_no" in exc.value.detail["fields"] and world() == before


@pytest.mark.parametrize(("carrier", "waybill", "error", "field"), [
    ("SF", "12345", InvalidWaybill, "waybill_no"),
    ("ZTO", "SF1234567890123", InvalidWaybill, "waybill_no"),
    ("DHL", "1234567890", UnknownCarrier, "carrier"),
    ("", "SF1234567890123", InvalidInput, "carrier"),
])
def test_wrong_waybill_or_carrier_is_422_and_nothing_changes(floor, system_actor, carrier, waybill, error, field):
    order = floor.allocated()
    before = world()
    with pytest.raises(error) as exc:
        services.create_shipments(order_id=order.pk, carrier=carrier, waybill_no=waybill, actor=system_actor)
    assert exc.value.status == 422 and field in exc.value.detail["fields"]
    assert world() == before
    if not carrier:
        return  # shipping uses the shipment's carrier when none is given
    shipment = services.create_shipments(order_id=order.pk, carrier="SF", actor=system_actor).shipments[0]
    before = world()
    with pytest.raises(error):
        services.ship_shipment(shipment_id=shipment.pk, carrier=carrier, waybill_no=waybill, actor=system_actor)
    assert world() == before


def test_shipping_without_a_waybill_is_422(floor, system_actor):
    order = floor.allocated()
    shipment = services.create_shipments(order_id=order.pk, carrier="SF", actor=system_actor).shipments[0]
    before = world()
    with pytest.raises(InvalidWaybill) as exc:
        services.ship_shipment(shipment_id=shipment.pk, actor=system_actor)
    assert exc.value.detail["fields"]["waybill_no"] and world() == before


def test_internal_carrier_ships_with_the_order_number(floor, system_actor):
    order = floor.allocated()
    shipment = services.create_shipments(order_id=order.pk, carrier="SAMECITY", actor=system_actor).shipments[0]
    services.ship_shipment(shipment_id=shipment.pk, actor=system_actor)
    shipment.refresh_from_db()
    assert shipment.waybill_no == order.number
    assert Order.objects.get(pk=order.pk).waybill_no == order.number


def test_a_waybill_is_used_once_per_carrier(floor, system_actor):
    one, two = floor.allocated((floor.sku_a.pk, 1)), floor.allocated((floor.sku_a.pk, 1))
    services.create_shipments(order_id=one.pk, carrier="SF", waybill_no="SF1234567890123", actor=system_actor)
    before = world()
    with pytest.raises(WaybillInUse):
        services.create_shipments(order_id=two.pk, carrier="SF", waybill_no="SF1234567890123", actor=system_actor)
    assert world() == before
    shipment = services.create_shipments(order_id=two.pk, carrier="SF", actor=system_actor).shipments[0]
    before = world()
    with pytest.raises(WaybillInUse) as exc:
        services.assign_waybill(shipment_id=shipment.pk, carrier="SF", waybill_no="SF1234567890123",
                                actor=system_actor)
    assert exc.value.status == 409 and world() == before
    # the same number with another carrier is another parcel
    services.assign_waybill(shipment_id=shipment.pk, carrier="YTO", waybill_no="1234567890123", actor=system_actor)


def test_held_order_cannot_get_shipments_nor_ship(floor, system_actor):
    order = floor.allocated()
    shipment = services.create_shipments(order_id=order.pk, carrier="SF", actor=system_actor).shipments[0]
    Order.objects.filter(pk=order.pk).update(hold_reasons=[{"code": "refund_in_progress", "message": "退款中"}])
    before = world()
    with pytest.raises(OrderOnHold) as exc:
        services.ship_shipment(shipment_id=shipment.pk, waybill_no="SF1234567890123", actor=system_actor)
    assert exc.value.status == 409 and world() == before
    other = floor.allocated((floor.sku_a.pk, 1))
    Order.objects.filter(pk=other.pk).update(hold_reasons=[{"code": "blacklisted", "message": "黑名单"}])
    before = world()
    with pytest.raises(OrderOnHold):
        services.create_shipments(order_id=other.pk, actor=system_actor)
    assert world() == before


def test_unallocated_cancelled_or_missing_orders_are_refused(floor, system_actor):
    paid = floor.paid()
    before = world()
    with pytest.raises(OrderNotShippable) as exc:
        services.create_shipments(order_id=paid.pk, actor=system_actor)
    assert exc.value.status == 409 and world() == before
    with pytest.raises(OrderNotFound):
        services.create_shipments(order_id=999999, actor=system_actor)
    order = floor.allocated((floor.sku_a.pk, 1))
    shipment = services.create_shipments(order_id=order.pk, carrier="SF", actor=system_actor).shipments[0]
    orders.cancel_order(order_id=order.pk, reason="买家不要了", actor=system_actor)
    before = world()
    with pytest.raises(OrderNotShippable):
        services.ship_shipment(shipment_id=shipment.pk, waybill_no="SF1234567890123", actor=system_actor)
    assert world() == before
    with pytest.raises(ShipmentNotFound):
        services.ship_shipment(shipment_id=999999, actor=system_actor)


def test_forbidden_moves_are_409_and_change_nothing(floor, system_actor):
    order = floor.allocated()
    shipment = services.create_shipments(order_id=order.pk, carrier="SF", waybill_no="SF1234567890123",
                                         actor=system_actor).shipments[0]
    services.ship_shipment(shipment_id=shipment.pk, actor=system_actor)
    before = world()
    for call in (lambda: services.pick_shipment(shipment_id=shipment.pk, actor=system_actor),
                 lambda: services.ship_shipment(shipment_id=shipment.pk, actor=system_actor),
                 lambda: services.cancel_shipment(shipment_id=shipment.pk, reason="x", actor=system_actor),
                 lambda: services.assign_waybill(shipment_id=shipment.pk, carrier="SF", waybill_no="123456789012",
                                                 actor=system_actor)):
        with pytest.raises(InvalidTransition):
            call()
    assert world() == before


def test_cancelled_shipment_frees_the_order_for_a_new_one(floor, system_actor):
    order = floor.allocated()
    first = services.create_shipments(order_id=order.pk, carrier="SF", waybill_no="SF1234567890123",
                                      actor=system_actor).shipments[0]
    with pytest.raises(InvalidInput):
        services.cancel_shipment(shipment_id=first.pk, reason=" ", actor=system_actor)
    services.cancel_shipment(shipment_id=first.pk, reason="换快递", actor=system_actor)
    again = services.create_shipments(order_id=order.pk, carrier="SF", waybill_no="SF1234567890123",
                                      actor=system_actor)
    assert again.created and again.shipments[0].pk != first.pk  # the waybill is free again too


def test_pickup_orders_do_not_get_parcels(floor, system_actor):
    order = floor.paid()
    services.arrange_pickup(order_id=order.pk, location_id=floor.store_loc.pk, actor=system_actor)
    before = world()
    with pytest.raises(OrderIsForPickup):
        services.create_shipments(order_id=order.pk, actor=system_actor)
    assert world() == before


def test_same_buyer_unshipped_order_is_warned_about(floor, system_actor):
    order = floor.allocated((floor.sku_a.pk, 1), buyer_nick="茶友")
    sibling = floor.paid((floor.sku_a.pk, 1), buyer_nick="茶友")
    floor.paid((floor.sku_a.pk, 1), buyer_nick="别人")
    made = services.create_shipments(order_id=order.pk, carrier="SF", waybill_no="SF1234567890123",
                                     actor=system_actor)
    [warning] = made.warnings
    assert warning["code"] == "unmerged_sibling_orders" and warning["orders"] == [sibling.number]
    shipped = services.ship_shipment(shipment_id=made.shipments[0].pk, actor=system_actor)
    assert shipped.warnings[0]["orders"] == [sibling.number]
    orders.cancel_order(order_id=sibling.pk, reason="重复下单", actor=system_actor)
    lonely = floor.allocated((floor.sku_a.pk, 1), buyer_nick="茶友")
    assert services.create_shipments(order_id=lonely.pk, actor=system_actor).warnings == []


# --- merge groups (合单) ship as one parcel --------------------------------------------------------

def merged(floor, actor, *line_sets):
    paid = [floor.paid(*lines, buyer_nick="茶友") for lines in line_sets]
    group = merging.merge_orders(order_ids=[o.pk for o in paid], actor=actor)
    orders.allocate_order(order_id=paid[0].pk, actor=actor)
    return group, [Order.objects.get(pk=o.pk) for o in paid]


def test_a_merge_group_ships_as_one_parcel_and_every_order_ships(floor, system_actor):
    group, (one, two) = merged(floor, system_actor, [(floor.sku_a.pk, 1)], [(floor.sku_a.pk, 2)])
    assert one.status == two.status == OrderStatus.ALLOCATED
    made = services.create_shipments(order_id=two.pk, carrier="SF", waybill_no="SF1234567890123", actor=system_actor)
    [parcel] = made.shipments
    assert parcel.order_id == group.master_id and made.warnings == []
    assert sorted((ln.order_id, ln.quantity) for ln in parcel.lines.all()) == [(one.pk, 1), (two.pk, 2)]
    again = services.create_shipments(order_id=one.pk, actor=system_actor)
    assert not again.created and [s.pk for s in again.shipments] == [parcel.pk]
    assert set(selectors.list_shipments(order_id=two.pk)) == {parcel}
    assert selectors.to_ship_queue().count() == 0
    shipped = services.ship_shipment(shipment_id=parcel.pk, actor=system_actor)
    assert shipped.order_shipped
    for order in (one, two):
        order.refresh_from_db()
        assert (order.status, order.waybill_no) == (OrderStatus.SHIPPED, "SF1234567890123")
    assert stock(floor.sku_a, floor.wh1) == (7, 0)
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(printing.picking_list_pdf(
        selectors.printable_shipments([parcel.pk])))).pages)
    assert one.number in text and two.number in text and "合单" in text


def test_a_merge_undone_after_the_shipments_were_made_outdates_them(floor, system_actor):
    group, (one, _two) = merged(floor, system_actor, [(floor.sku_a.pk, 1)], [(floor.sku_a.pk, 1)])
    [parcel] = services.create_shipments(order_id=one.pk, carrier="SF", waybill_no="SF1234567890123",
                                         actor=system_actor).shipments
    merging.undo_merge(group_id=group.pk, actor=system_actor)
    before = world()
    with pytest.raises(ShipmentsOutdated) as exc:
        services.ship_shipment(shipment_id=parcel.pk, actor=system_actor)
    assert exc.value.status == 409 and world() == before
    services.cancel_shipment(shipment_id=parcel.pk, reason="合单已撤销", actor=system_actor)
    assert len(services.create_shipments(order_id=one.pk, actor=system_actor).shipments) == 1


def test_merged_orders_are_not_picked_up_alone(floor, system_actor):
    from huitong.fulfillment.errors import OrderInMergeGroup

    paid = [floor.paid((floor.sku_a.pk, 1), buyer_nick="茶友") for _ in range(2)]
    merging.merge_orders(order_ids=[o.pk for o in paid], actor=system_actor)
    before = world()
    with pytest.raises(OrderInMergeGroup):
        services.arrange_pickup(order_id=paid[0].pk, location_id=floor.store_loc.pk, actor=system_actor)
    assert world() == before
