"""Fulfillment reads: shipments, queues, pickups, delivery runs, interceptions, the order timeline, and
the data the printed documents need."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from huitong.core.models import AuditEntry
from huitong.fulfillment import carriers
from huitong.fulfillment.errors import (
    DeliveryRunNotFound,
    InterceptionNotFound,
    InvalidPrintRequest,
    PickupNotFound,
    ShipmentNotFound,
    WaybillMissing,
)
from huitong.fulfillment.models import (
    ACTIVE_SHIPMENT,
    OPEN_PICKUP,
    DeliveryRun,
    InterceptionRequest,
    Pickup,
    PickupStatus,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    TrackingEvent,
    TrackingKind,
)
from huitong.orders import selectors as orders_selectors
from huitong.orders.models import Order, OrderStatus

MAX_PRINT_BATCH = 500


# --- shipments ------------------------------------------------------------------------------------

def _shipments() -> QuerySet[Shipment]:
    return Shipment.objects.select_related("location").prefetch_related("lines")


def get_shipment(shipment_id: int) -> Shipment:
    shipment = _shipments().filter(pk=shipment_id).first()
    if shipment is None:
        raise ShipmentNotFound(shipment_id=f"发货单 {shipment_id} 不存在")
    return shipment


def list_shipments(*, status: str | None = None, carrier: str | None = None, location_id: int | None = None,
                   order_id: int | None = None, search: str | None = None) -> QuerySet[Shipment]:
    qs = _shipments()
    if status:
        qs = qs.filter(status=status)
    if carrier:
        qs = qs.filter(carrier=carrier.upper())
    if location_id:
        qs = qs.filter(location_id=location_id)
    if order_id:
        qs = qs.filter(pk__in=ShipmentLine.objects.filter(order_id=order_id).values("shipment_id"))
    if search:
        carrying = ShipmentLine.objects.filter(order__number=search).values("shipment_id")
        qs = qs.filter(Q(number=search) | Q(order_number=search) | Q(waybill_no=search.upper()) | Q(pk__in=carrying))
    return qs.order_by("-created_at", "-id")


def live_shipments_of(order_ids: Sequence[int]) -> QuerySet[Shipment]:
    """Shipments not cancelled that carry any of these orders (a merged parcel carries several)."""
    carrying = ShipmentLine.objects.filter(order_id__in=list(order_ids)).values("shipment_id")
    return _shipments().filter(pk__in=carrying, status__in=ACTIVE_SHIPMENT).order_by("pk")


def shipment_by_waybill(carrier: str, waybill_no: str) -> Shipment | None:
    return (Shipment.objects.filter(carrier=carrier, waybill_no=waybill_no, status__in=ACTIVE_SHIPMENT)
            .order_by("-pk").first())


def to_ship_queue() -> QuerySet[Order]:
    """Allocated orders that are not held and have neither a live shipment nor an open pickup, oldest
    paid first: the warehouse's work list."""
    return (orders_selectors.list_orders(status=OrderStatus.ALLOCATED).filter(hold_reasons=[])
            .exclude(pk__in=ShipmentLine.objects.filter(shipment__status__in=ACTIVE_SHIPMENT).values("order_id"))
            .exclude(pk__in=Pickup.objects.filter(status__in=OPEN_PICKUP).values("order_id"))
            .order_by("paid_at", "id"))


# --- pickups, delivery runs, interceptions --------------------------------------------------------

def get_pickup(pickup_id: int) -> Pickup:
    pickup = Pickup.objects.select_related("location").filter(pk=pickup_id).first()
    if pickup is None:
        raise PickupNotFound(pickup_id=f"自提单 {pickup_id} 不存在")
    return pickup


def list_pickups(*, location_id: int | None = None, status: str | None = None,
                 order_id: int | None = None) -> QuerySet[Pickup]:
    qs = Pickup.objects.select_related("location")
    if location_id:
        qs = qs.filter(location_id=location_id)
    if status:
        qs = qs.filter(status=status)
    if order_id:
        qs = qs.filter(order_id=order_id)
    return qs.order_by("-created_at", "-id")


def get_delivery_run(run_id: int) -> DeliveryRun:
    run = DeliveryRun.objects.select_related("pickup_point").prefetch_related("pickups").filter(pk=run_id).first()
    if run is None:
        raise DeliveryRunNotFound(run_id=f"配送批次 {run_id} 不存在")
    return run


def list_delivery_runs(*, pickup_point_id: int | None = None, status: str | None = None) -> QuerySet[DeliveryRun]:
    qs = DeliveryRun.objects.select_related("pickup_point").prefetch_related("pickups")
    if pickup_point_id:
        qs = qs.filter(pickup_point_id=pickup_point_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-run_date", "-id")


def awaiting_delivery(pickup_point_id: int) -> QuerySet[Pickup]:
    return Pickup.objects.filter(location_id=pickup_point_id, status=PickupStatus.AWAITING_DELIVERY,
                                 run__isnull=True).order_by("pk")


def get_interception(interception_id: int) -> InterceptionRequest:
    found = InterceptionRequest.objects.filter(pk=interception_id).first()
    if found is None:
        raise InterceptionNotFound(interception_id=f"拦截记录 {interception_id} 不存在")
    return found


def list_interceptions(*, status: str | None = None, order_id: int | None = None) -> QuerySet[InterceptionRequest]:
    qs = InterceptionRequest.objects.all()
    if status:
        qs = qs.filter(status=status)
    if order_id:
        qs = qs.filter(order_id=order_id)
    return qs.order_by("-created_at", "-id")


# --- the order timeline ---------------------------------------------------------------------------

@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    source: str  # order | shipment | tracking | pickup | interception
    reference: str  # order, shipment or waybill number
    event: str  # the state reached, or the tracking node
    label: str
    detail: str
    actor: str = ""


_LABELS = {
    "order": dict(OrderStatus.choices),
    "shipment": dict(ShipmentStatus.choices),
    "pickup": dict(PickupStatus.choices),
    "interception": {"requested": "拦截中", "succeeded": "拦截成功", "failed": "拦截失败"},
}


def _audit_entries(source: str, objects: Sequence, reference_of) -> list[TimelineEntry]:
    if not objects:
        return []
    by_id = {str(obj.pk): obj for obj in objects}
    rows = AuditEntry.objects.filter(object_type=objects[0]._meta.label_lower, object_id__in=list(by_id))
    return [TimelineEntry(at=row.at, source=source, reference=reference_of(by_id[row.object_id]), event=row.to_state,
                          label=str(_LABELS[source].get(row.to_state, row.to_state)), detail=row.reason,
                          actor=row.actor_label) for row in rows]


def order_timeline(order_id: int) -> list[TimelineEntry]:
    """Everything that happened to an order and its parcels, oldest first: order states, shipments,
    carrier scans, pickups and interceptions (a fixed number of queries however long the story)."""
    order = orders_selectors.get_order(order_id)
    entries = _audit_entries("order", [order], lambda o: o.number)
    shipments = list(Shipment.objects.filter(pk__in=ShipmentLine.objects.filter(order_id=order.pk)
                                             .values("shipment_id")))
    entries += _audit_entries("shipment", shipments, lambda s: s.number)
    entries += _audit_entries("pickup", list(Pickup.objects.filter(order_id=order.pk)), lambda p: p.order_number)
    entries += _audit_entries("interception", list(InterceptionRequest.objects.filter(order_id=order.pk)),
                              lambda i: i.waybill_no or i.order_number)
    kinds = dict(TrackingKind.choices)
    waybills = {s.pk: f"{s.carrier} {s.waybill_no}" for s in shipments}
    for event in TrackingEvent.objects.filter(shipment_id__in=list(waybills)):
        detail = " · ".join(part for part in (event.place, event.description) if part)
        entries.append(TimelineEntry(at=event.occurred_at, source="tracking", reference=waybills[event.shipment_id],
                                     event=event.kind, label=str(kinds[event.kind]), detail=detail,
                                     actor=event.get_source_display()))
    return sorted(entries, key=lambda e: (e.at, e.source != "order"))


# --- printing -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PrintLine:
    sku_code: str
    title: str
    quantity: int
    bin: str = ""  # storage bins are not modelled yet: printed as "-"


@dataclass(frozen=True)
class PrintableShipment:
    shipment_number: str
    order_number: str  # the order it was made for (a merge group's master)
    order_numbers: tuple[str, ...]  # every order it carries
    store_name: str
    carrier_code: str
    carrier_name: str
    waybill_no: str
    location_code: str
    location_name: str
    sender_address: str
    receiver_name: str
    receiver_phone: str
    receiver_address: str
    buyer_remark: str
    lines: tuple[PrintLine, ...]


def printable_shipments(shipment_ids: Sequence[int], *, need_waybill: bool = False) -> list[PrintableShipment]:
    """What a picking list or waybill label prints, in the order asked, with the receiver in full (the
    endpoints that print are for the warehouse role only)."""
    ids = list(dict.fromkeys(shipment_ids))
    if not ids or len(ids) > MAX_PRINT_BATCH:
        raise InvalidPrintRequest(shipment_ids=f"一次打印 1–{MAX_PRINT_BATCH} 个发货单")
    found = {s.pk: s for s in _shipments().filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ShipmentNotFound(shipment_ids=f"发货单不存在:{', '.join(map(str, missing))}")
    if need_waybill:
        without = [found[i].number for i in ids if not found[i].waybill_no and
                   not carriers.get_carrier(found[i].carrier).internal]
        if without:
            raise WaybillMissing(detail={"shipments": without})
    wanted = {s.order_id for s in found.values()} | {ln.order_id for s in found.values() for ln in s.lines.all()}
    orders = {o.pk: o for o in Order.objects.select_related("store").filter(pk__in=wanted)}
    return [_printable(found[i], orders) for i in ids]


def _printable(shipment: Shipment, orders: dict[int, Order]) -> PrintableShipment:
    order, loc = orders[shipment.order_id], shipment.location
    carried = sorted({orders[ln.order_id].number for ln in shipment.lines.all()} - {order.number})
    receiver_address = "".join(part for part in (order.province, order.city, order.district, order.address) if part)
    return PrintableShipment(
        shipment_number=shipment.number, order_number=order.number, order_numbers=(order.number, *carried),
        store_name=order.store.name,
        carrier_code=shipment.carrier, carrier_name=carriers.get_carrier(shipment.carrier).name,
        waybill_no=shipment.waybill_no or (order.number if carriers.get_carrier(shipment.carrier).internal else ""),
        location_code=loc.code, location_name=loc.name,
        sender_address="".join(part for part in (loc.province, loc.city, loc.district, loc.address) if part),
        receiver_name=order.receiver_name, receiver_phone=order.receiver_phone, receiver_address=receiver_address,
        buyer_remark=" / ".join(dict.fromkeys(orders[pk].buyer_remark for pk in sorted(
            {ln.order_id for ln in shipment.lines.all()} | {order.pk}) if orders[pk].buyer_remark)),
        lines=tuple(PrintLine(sku_code=line.sku_code, title=line.title, quantity=line.quantity)
                    for line in shipment.lines.all()),
    )
