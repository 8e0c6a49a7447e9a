"""Shipments: made from an allocated order (one per location its lines ship from), picked, shipped.

A merged order (合单, ``orders.merging``) ships as one parcel per location with its whole merge group:
the shipments are made for the group's master order and carry every member's lines. Shipping the last
open shipment ships every order it carries (``orders.ship_order``: the stock leaves through the ledger and
the order moves to shipped). An order split over several locations ships parcel by parcel: the earlier
parcels commit their own reservations through ``inventory.ship_reservations``, the last one ships the
order(s)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from huitong.core import audit
from huitong.core.actors import Actor
from huitong.core.errors import InvalidInput, InvalidTransition
from huitong.core.states import transition
from huitong.fulfillment import carriers, selectors
from huitong.fulfillment.errors import (
    OrderIsForPickup,
    OrderNotShippable,
    ShipmentNotFound,
    ShipmentsOutdated,
    WaybillInUse,
)
from huitong.fulfillment.models import (
    ACTIVE_SHIPMENT,
    NOT_YET_SHIPPED,
    OPEN_PICKUP,
    Pickup,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from huitong.fulfillment.states import SHIPMENT_LIFECYCLE
from huitong.inventory import services as inventory
from huitong.orders import merging
from huitong.orders import selectors as orders_selectors
from huitong.orders import services as orders
from huitong.orders.errors import OrderOnHold
from huitong.orders.models import MergeStatus, Order, OrderStatus

S = ShipmentStatus


def default_carrier() -> str:
    return getattr(settings, "HUITONG_DEFAULT_CARRIER", "ZTO")


@dataclass(frozen=True)
class ShipmentsMade:
    shipments: list[Shipment]
    created: bool
    warnings: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class ShipmentShipped:
    shipment: Shipment
    order_shipped: bool  # False: other parcels of the order are still to go
    warnings: list[dict] = field(default_factory=list)


def new_number(prefix: str, at: datetime | None = None) -> str:
    """Prefix + local date + 8 random digits (unique column; a collision fails the insert)."""
    return f"{prefix}{timezone.localtime(at or timezone.now()):%y%m%d}{secrets.randbelow(10**8):08d}"


def _lock(shipment_id: int) -> Shipment:
    shipment = Shipment.objects.select_for_update().filter(pk=shipment_id).first()
    if shipment is None:
        raise ShipmentNotFound(shipment_id=f"发货单 {shipment_id} 不存在")
    return shipment


def _lock_order_shipments(shipment_id: int) -> tuple[Shipment, list[Shipment]]:
    """Lock every shipment made for the shipment's order (a merge group's master) in primary-key order:
    parcels of one order shipped at the same time cannot deadlock or both believe the other is open."""
    order_id = Shipment.objects.filter(pk=shipment_id).values_list("order_id", flat=True).first()
    if order_id is None:
        raise ShipmentNotFound(shipment_id=f"发货单 {shipment_id} 不存在")
    rows = list(Shipment.objects.select_for_update().filter(order_id=order_id).order_by("pk"))
    return next(s for s in rows if s.pk == shipment_id), rows


def _move_to(shipment: Shipment, status: str, *, actor: Actor, reason: str = "", fields: Sequence[str] = ()) -> None:
    transition(shipment, status, lifecycle=SHIPMENT_LIFECYCLE, actor=actor, reason=reason, update_fields=fields)


def check_shippable(order: Order) -> None:
    """The order must be allocated and not held (a held order never leaves the warehouse)."""
    if order.hold_reasons:
        raise OrderOnHold(detail={"order_number": order.number, "hold_reasons": order.hold_reasons})
    if order.status != OrderStatus.ALLOCATED:
        raise OrderNotShippable(detail={"order_status": order.status},
                                order_id=f"订单 {order.number} 状态为 {order.get_status_display()},需先分仓")


def parcel_orders(order: Order) -> tuple[Order, list[Order]]:
    """Who a parcel is made for and what it carries: the order alone, or — when it is in an active merge
    group — the group's master and its members that are not cancelled (lines prefetched, by id)."""
    if order.merge_group_id:
        group = orders_selectors.get_merge_group(order.merge_group_id)
        if group.status == MergeStatus.ACTIVE:
            ids = [o.pk for o in group.orders.all() if o.status != OrderStatus.CANCELLED]
            members = list(orders_selectors.list_orders().filter(pk__in=ids).order_by("pk"))
            master = next((o for o in members if o.pk == group.master_id), members[0])
            return master, members
    return order, [order]


def sibling_warnings(members: Sequence[Order]) -> list[dict]:
    """The same buyer's other unshipped orders in the store, left out of this parcel."""
    carried = {o.pk for o in members}
    siblings: dict[int, str] = {}
    for order in members:
        for sibling in merging.unmerged_siblings(order.pk):
            if sibling.pk not in carried:
                siblings[sibling.pk] = sibling.number
    if not siblings:
        return []
    numbers = [siblings[pk] for pk in sorted(siblings)]
    return [{"code": "unmerged_sibling_orders", "orders": numbers,
             "message": f"同一买家还有未发货订单 {', '.join(numbers)},可考虑合单发货"}]


def _carrier_and_waybill(carrier: str, waybill_no: str) -> tuple[str, str]:
    if not carrier and waybill_no:
        raise InvalidInput.for_fields({"carrier": "填写运单号时请同时选择快递公司"})
    return carriers.check_waybill(carrier or default_carrier(), waybill_no, required=False)


def create_shipments(*, order_id: int, actor: Actor, carrier: str = "", waybill_no: str = "") -> ShipmentsMade:
    """Make the shipments of an allocated order: one per location its lines ship from. Idempotent: an
    order that already has live shipments gets them back (``created=False``). A waybill number may be
    given only when the order ships from one location (otherwise assign one per shipment)."""
    carrier_code, number = _carrier_and_waybill(carrier, waybill_no)
    try:
        return _create_shipments(order_id, actor, carrier_code, number)
    except IntegrityError:
        existing = list(selectors.live_shipments_of([order_id]))
        if existing:  # made concurrently by another request: same answer as a replay
            return ShipmentsMade(existing, False)
        if not number:
            raise
        raise WaybillInUse(waybill_no=f"运单号 {number} 已被使用") from None


@transaction.atomic
def _create_shipments(order_id: int, actor: Actor, carrier_code: str, number: str) -> ShipmentsMade:
    master, members = parcel_orders(orders_selectors.get_order(order_id))
    existing = list(selectors.live_shipments_of([o.pk for o in members]))
    if existing:
        return ShipmentsMade(existing, False, sibling_warnings(members))
    for order in members:
        check_shippable(order)
    if Pickup.objects.filter(order_id__in=[o.pk for o in members], status__in=OPEN_PICKUP).exists():
        raise OrderIsForPickup(order_id=f"订单 {master.number} 为自提订单")
    lines = [line for order in members for line in order.lines.all()]
    if any(line.location_id is None or line.reservation_id is None for line in lines):
        raise OrderNotShippable(order_id=f"订单 {master.number} 有商品行未分配库位")
    by_location: dict[int, list] = {}
    for line in lines:
        by_location.setdefault(line.location_id, []).append(line)
    if number and len(by_location) > 1:
        raise InvalidInput.for_fields({"waybill_no": "订单分多个库位发货,请为每个发货单分别填写运单号"})
    shipments = []
    carried = ", ".join(o.number for o in members)
    for location_id, group in sorted(by_location.items()):
        shipment = Shipment.objects.create(number=new_number("SH"), order=master, order_number=master.number,
                                           location_id=location_id, carrier=carrier_code, waybill_no=number)
        ShipmentLine.objects.bulk_create(
            ShipmentLine(shipment=shipment, order_id=line.order_id, order_line=line, sku_id=line.sku_id,
                         sku_code=line.sku_code, title=line.title, quantity=line.quantity) for line in group)
        audit.record(actor=actor, obj=shipment, to_state=shipment.status, reason=f"created for {carried}")
        shipments.append(shipment)
    return ShipmentsMade(shipments, True, sibling_warnings(members))


def assign_waybill(*, shipment_id: int, carrier: str, waybill_no: str, actor: Actor) -> Shipment:
    """Set (or correct) the carrier and waybill of a shipment that has not left yet."""
    carrier_code, number = carriers.check_waybill(carrier, waybill_no)
    try:
        return _assign_waybill(shipment_id, carrier_code, number, actor)
    except IntegrityError:
        raise WaybillInUse(waybill_no=f"运单号 {number} 已用于另一个发货单") from None


@transaction.atomic
def _assign_waybill(shipment_id: int, carrier_code: str, number: str, actor: Actor) -> Shipment:
    shipment = _lock(shipment_id)
    if shipment.status not in NOT_YET_SHIPPED:
        raise InvalidTransition(f"发货单 {shipment.number} 已{shipment.get_status_display()},不能更换运单号",
                                detail={"status": shipment.status})
    before = f"{shipment.carrier} {shipment.waybill_no}".strip()
    shipment.carrier, shipment.waybill_no = carrier_code, number
    shipment.save(update_fields=["carrier", "waybill_no"])
    audit.record(actor=actor, obj=shipment, from_state=shipment.status, to_state=shipment.status,
                 reason=f"waybill {carrier_code} {number}", data={"before": before})
    return shipment


@transaction.atomic
def pick_shipment(*, shipment_id: int, actor: Actor, at: datetime | None = None) -> Shipment:
    shipment = _lock(shipment_id)
    shipment.picked_at = at or timezone.now()
    _move_to(shipment, S.PICKED, actor=actor, fields=("picked_at",), reason="picked")
    return shipment


@transaction.atomic
def cancel_shipment(*, shipment_id: int, actor: Actor, reason: str) -> Shipment:
    """Void a shipment that has not left (wrong carrier, re-split): the order goes back to the queue."""
    if not reason.strip():
        raise InvalidInput.for_fields({"reason": "请填写作废原因"})
    shipment = _lock(shipment_id)
    shipment.cancelled_at = timezone.now()
    _move_to(shipment, S.CANCELLED, actor=actor, fields=("cancelled_at",), reason=reason)
    return shipment


def ship_shipment(*, shipment_id: int, actor: Actor, carrier: str = "", waybill_no: str = "",
                  at: datetime | None = None) -> ShipmentShipped:
    """The parcel leaves: optionally with a (new) carrier and waybill. Refused with nothing changed when
    the order is held, cancelled or not allocated, or the waybill is missing, malformed or taken."""
    if carrier:
        carriers.get_carrier(carrier)
    try:
        return _ship(shipment_id, actor, carrier, waybill_no, at)
    except IntegrityError:
        raise WaybillInUse(waybill_no="运单号已用于另一个发货单") from None


@transaction.atomic
def _ship(shipment_id: int, actor: Actor, carrier: str, waybill_no: str, at: datetime | None) -> ShipmentShipped:
    shipment, all_of_master = _lock_order_shipments(shipment_id)
    SHIPMENT_LIFECYCLE.check(shipment.status, S.SHIPPED)
    carrier_code, number = carriers.check_waybill(carrier or shipment.carrier, waybill_no or shipment.waybill_no)
    shipment.carrier, shipment.waybill_no = carrier_code, number or shipment.order_number
    live = [s for s in all_of_master if s.status in ACTIVE_SHIPMENT]
    carried = sorted({line.order_id for s in live for line in s.lines.all()})
    members = _check_still_one_parcel(shipment, carried)
    still_open = [s for s in live if s.pk != shipment.pk and s.status in NOT_YET_SHIPPED]
    shipment.shipped_at = at or timezone.now()
    if still_open:
        reservations = {line.pk: line.reservation_id for order in members for line in order.lines.all()}
        inventory.ship_reservations(
            reservation_ids=[reservations[line.order_line_id] for line in shipment.lines.all()],
            reference=f"{shipment.order_number}/{shipment.number}", actor=actor)
    else:
        for order in members:
            orders.ship_order(order_id=order.pk, carrier_code=shipment.carrier, waybill_no=shipment.waybill_no,
                              actor=actor, at=shipment.shipped_at)
    _move_to(shipment, S.SHIPPED, actor=actor, fields=("carrier", "waybill_no", "shipped_at"),
             reason=f"{shipment.carrier} {shipment.waybill_no}")
    return ShipmentShipped(shipment, not still_open, sibling_warnings(members))


def _check_still_one_parcel(shipment: Shipment, carried: list[int]) -> list[Order]:
    """The orders the parcels carry must all be shippable and still be exactly one parcel's worth (a
    merge undone, or a member cancelled since the shipments were made: void them and make them again)."""
    members = list(orders_selectors.list_orders().filter(pk__in=carried).order_by("pk"))
    for order in members:
        check_shippable(order)
    _, now = parcel_orders(members[0])
    if sorted(o.pk for o in now) != carried:
        raise ShipmentsOutdated(detail={"shipment": shipment.number, "orders": [o.number for o in members]})
    return members
