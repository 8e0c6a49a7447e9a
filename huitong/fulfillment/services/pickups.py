"""Pickups: buy online, pick up in store (BOPIS), and community pickup points served by same-city
delivery runs.

- **Store pickup**: ``arrange_pickup`` at a store allocates the order there (its stock is reserved at the
  store) and hands out a 6-digit code; ``verify_pickup`` at the counter with that code ships the order
  (carrier PICKUP, waybill = order number: the stock leaves through the ledger at the store) and
  completes it.
- **Pickup point**: ``arrange_pickup`` at a pickup point keeps the warehouse allocation; orders waiting for
  one point are batched into a ``DeliveryRun`` (``plan_delivery_run``), which ships them when it leaves
  (carrier SAMECITY, waybill = run number); the point confirms arrival (pickups become ready) and
  ``verify_pickup`` records the customer's collection and completes the order.

Codes are stored only as a keyed hash, unique among the open pickups of a location; the plain code is
returned once, to be sent to the customer (``reissue_pickup_code`` makes a new one)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from huitong.core import audit, crypto, outbox
from huitong.core.actors import Actor
from huitong.core.errors import DomainError, InvalidInput, InvalidTransition
from huitong.core.states import transition
from huitong.fulfillment import selectors
from huitong.fulfillment.carriers import PICKUP, SAMECITY
from huitong.fulfillment.errors import (
    DeliveryRunNotFound,
    InvalidPickupCode,
    InvalidPickupLocation,
    NothingToDeliver,
    OrderHasShipments,
    OrderInMergeGroup,
    OrderIsForPickup,
    OrderNotShippable,
    PickupLocationMismatch,
    PickupNotFound,
    PickupNotReady,
)
from huitong.fulfillment.models import (
    OPEN_PICKUP,
    DeliveryRun,
    DeliveryRunStatus,
    Pickup,
    PickupStatus,
)
from huitong.fulfillment.services.shipments import new_number
from huitong.fulfillment.states import DELIVERY_RUN_LIFECYCLE, PICKUP_LIFECYCLE
from huitong.inventory import selectors as inventory_selectors
from huitong.inventory.models import LocationKind
from huitong.orders import selectors as orders_selectors
from huitong.orders import services as orders
from huitong.orders.errors import OrderOnHold
from huitong.orders.models import MergeStatus, Order, OrderStatus

P, R = PickupStatus, DeliveryRunStatus
CODE_ATTEMPTS = 5
PICKUP_READY = "fulfillment.pickup_ready"  # outbox topic: tell the customer the goods are there


@dataclass(frozen=True)
class PickupArranged:
    pickup: Pickup
    code: str  # the plain code, returned this once


@dataclass(frozen=True)
class RunDispatched:
    run: DeliveryRun
    left_behind: list[dict] = field(default_factory=list)  # orders that could not go, with the reason


def _new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def code_hash(location_id: int, code: str) -> str:
    return crypto.lookup_hash(f"pickup:{location_id}:{code}")


def _lock(pickup_id: int) -> Pickup:
    pickup = Pickup.objects.select_for_update().filter(pk=pickup_id).first()
    if pickup is None:
        raise PickupNotFound(pickup_id=f"自提单 {pickup_id} 不存在")
    return pickup


def _lock_run(run_id: int) -> DeliveryRun:
    run = DeliveryRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None:
        raise DeliveryRunNotFound(run_id=f"配送批次 {run_id} 不存在")
    return run


def _move_pickup(pickup: Pickup, status: str, *, actor: Actor, reason: str = "", fields: Sequence[str] = ()) -> None:
    transition(pickup, status, lifecycle=PICKUP_LIFECYCLE, actor=actor, reason=reason, update_fields=fields)


def _move_run(run: DeliveryRun, status: str, *, actor: Actor, reason: str = "", fields: Sequence[str] = ()) -> None:
    transition(run, status, lifecycle=DELIVERY_RUN_LIFECYCLE, actor=actor, reason=reason, update_fields=fields)


# --- arranging and codes --------------------------------------------------------------------------

def arrange_pickup(*, order_id: int, location_id: int, actor: Actor) -> PickupArranged:
    """Make a paid (or allocated) order a pickup order at a store or community pickup point."""
    for attempt in range(CODE_ATTEMPTS):
        try:
            return _arrange(order_id, location_id, _new_code(), actor)
        except IntegrityError:
            if Pickup.objects.filter(order_id=order_id, status__in=OPEN_PICKUP).exists():
                raise OrderIsForPickup(order_id=f"订单 {order_id} 已安排自提") from None
            if attempt == CODE_ATTEMPTS - 1:  # the code collided every time: astronomically unlikely
                raise
    raise AssertionError("unreachable")


def _pickup_location(location_id: int):
    location = inventory_selectors.get_location(location_id)
    if location.kind not in (LocationKind.STORE, LocationKind.PICKUP_POINT) or not location.is_active:
        raise InvalidPickupLocation(location_id=f"{location.name} 不是启用的门店或自提点")
    return location


def _check_can_arrange(order: Order) -> None:
    if order.hold_reasons:
        raise OrderOnHold(detail={"hold_reasons": order.hold_reasons})
    if order.status not in (OrderStatus.PAID, OrderStatus.ALLOCATED):
        raise OrderNotShippable(order_id=f"订单 {order.number} 状态为 {order.get_status_display()},不能安排自提")
    if Pickup.objects.filter(order_id=order.pk, status__in=OPEN_PICKUP).exists():
        raise OrderIsForPickup(order_id=f"订单 {order.number} 已安排自提")
    if selectors.live_shipments_of([order.pk]).exists():
        raise OrderHasShipments(order_id=f"订单 {order.number} 已生成快递发货单")
    if order.merge_group_id and order.merge_group.status == MergeStatus.ACTIVE:
        raise OrderInMergeGroup(order_id=f"订单 {order.number} 在合单中")


@transaction.atomic
def _arrange(order_id: int, location_id: int, code: str, actor: Actor) -> PickupArranged:
    location = _pickup_location(location_id)
    order = orders_selectors.get_order(order_id)
    _check_can_arrange(order)
    at_store = location.kind == LocationKind.STORE
    if order.status == OrderStatus.PAID:  # store: the stock moves to the store; point: it ships from a warehouse
        orders.allocate_order(order_id=order.pk, location_id=location.pk if at_store else None, actor=actor)
    elif at_store and any(line.location_id != location.pk for line in order.lines.all()):
        raise PickupLocationMismatch(location_id=f"订单 {order.number} 已分配到其他库位")
    now = timezone.now()
    pickup = Pickup.objects.create(order=order, order_number=order.number, location=location,
                                   status=P.READY if at_store else P.AWAITING_DELIVERY,
                                   ready_at=now if at_store else None, code_hash=code_hash(location.pk, code))
    audit.record(actor=actor, obj=pickup, to_state=pickup.status, reason=f"pickup at {location.code}")
    return PickupArranged(pickup, code)


def reissue_pickup_code(*, pickup_id: int, actor: Actor) -> PickupArranged:
    """A new code for an open pickup (the customer lost theirs); the old one stops working."""
    for attempt in range(CODE_ATTEMPTS):
        try:
            return _reissue(pickup_id, _new_code(), actor)
        except IntegrityError:
            if attempt == CODE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def _reissue(pickup_id: int, code: str, actor: Actor) -> PickupArranged:
    pickup = _lock(pickup_id)
    if pickup.status not in OPEN_PICKUP:
        raise InvalidTransition(f"自提单已{pickup.get_status_display()}", detail={"status": pickup.status})
    pickup.code_hash = code_hash(pickup.location_id, code)
    pickup.save(update_fields=["code_hash"])
    audit.record(actor=actor, obj=pickup, from_state=pickup.status, to_state=pickup.status, reason="code reissued")
    return PickupArranged(pickup, code)


@transaction.atomic
def verify_pickup(*, location_id: int, code: str, actor: Actor, at: datetime | None = None) -> Pickup:
    """The customer shows the code at the store or point: hand over, ship if not yet shipped (the stock
    leaves the store through the ledger), complete the order. A wrong code changes nothing."""
    code = (code or "").strip()
    if not re.fullmatch(r"\d{6}", code):
        raise InvalidPickupCode(code="提货码为 6 位数字")
    pickup = (Pickup.objects.select_for_update()
              .filter(location_id=location_id, code_hash=code_hash(location_id, code), status__in=OPEN_PICKUP).first())
    if pickup is None:
        raise InvalidPickupCode(code="提货码无效或已使用")
    if pickup.status != P.READY:
        raise PickupNotReady(detail={"status": pickup.status, "order_number": pickup.order_number})
    at = at or timezone.now()
    order = orders_selectors.get_order(pickup.order_id)
    if order.status == OrderStatus.ALLOCATED:  # store pickup: the goods leave the store now
        orders.ship_order(order_id=order.pk, carrier_code=PICKUP, waybill_no=order.number, actor=actor, at=at)
    orders.complete_order(order_id=order.pk, actor=actor, at=at)
    pickup.picked_up_at = at
    _move_pickup(pickup, P.PICKED_UP, actor=actor, fields=("picked_up_at",), reason="picked up with code")
    return pickup


@transaction.atomic
def cancel_pickup(*, pickup_id: int, actor: Actor, reason: str) -> Pickup:
    """Stop a pickup that has not been handed over and whose goods have not left: the order stays
    allocated and goes back to the to-ship queue (or is cancelled by an interception)."""
    if not reason.strip():
        raise InvalidInput.for_fields({"reason": "请填写取消原因"})
    pickup = _lock(pickup_id)
    if pickup.run_id is not None and pickup.status != P.AWAITING_DELIVERY:
        raise InvalidTransition("货品已随配送批次发出,请走售后处理", detail={"status": pickup.status})
    if pickup.run_id is not None:  # planned on a run that has not left: take it off
        pickup.run = None
    _move_pickup(pickup, P.CANCELLED, actor=actor, reason=reason, fields=("run",))
    return pickup


# --- delivery runs to pickup points ---------------------------------------------------------------

@transaction.atomic
def plan_delivery_run(*, pickup_point_id: int, run_date: date, actor: Actor) -> DeliveryRun:
    """Batch every order waiting for this pickup point (allocated, not held, not on a run) into a run."""
    point = inventory_selectors.get_location(pickup_point_id)
    if point.kind != LocationKind.PICKUP_POINT:
        raise InvalidPickupLocation(pickup_point_id=f"{point.name} 不是自提点")
    waiting = list(selectors.awaiting_delivery(point.pk).select_for_update())
    ready_orders = set(Order.objects.filter(pk__in=[p.order_id for p in waiting], status=OrderStatus.ALLOCATED,
                                            hold_reasons=[]).values_list("pk", flat=True))
    batch = [p.pk for p in waiting if p.order_id in ready_orders]
    if not batch:
        raise NothingToDeliver(pickup_point_id=f"{point.name} 没有待配送的订单")
    run = DeliveryRun.objects.create(number=new_number("PS"), pickup_point=point, run_date=run_date)
    Pickup.objects.filter(pk__in=batch).update(run=run)
    audit.record(actor=actor, obj=run, to_state=run.status, reason=f"{len(batch)} orders for {point.code}")
    return run


@transaction.atomic
def dispatch_delivery_run(*, run_id: int, actor: Actor, at: datetime | None = None) -> RunDispatched:
    """The run leaves: each of its orders ships (carrier SAMECITY, waybill = run number). Orders that
    cannot go (held or cancelled since planning) are taken off the run and listed; if none can go,
    nothing changes."""
    run = _lock_run(run_id)
    DELIVERY_RUN_LIFECYCLE.check(run.status, R.DISPATCHED)
    at = at or timezone.now()
    left_behind, shipped = [], 0
    for pickup in run.pickups.select_for_update().filter(status=P.AWAITING_DELIVERY).order_by("pk"):
        try:
            orders.ship_order(order_id=pickup.order_id, carrier_code=SAMECITY, waybill_no=run.number, actor=actor,
                              at=at)
        except DomainError as exc:
            left_behind.append({"order_number": pickup.order_number, "code": exc.code, "message": exc.message})
            pickup.run = None
            pickup.save(update_fields=["run"])
            continue
        _move_pickup(pickup, P.IN_TRANSIT, actor=actor, reason=f"run {run.number}")
        shipped += 1
    if not shipped:
        raise NothingToDeliver(detail={"left_behind": left_behind})
    run.dispatched_at = at
    _move_run(run, R.DISPATCHED, actor=actor, fields=("dispatched_at",), reason=f"{shipped} orders")
    return RunDispatched(run, left_behind)


@transaction.atomic
def confirm_run_arrival(*, run_id: int, actor: Actor, at: datetime | None = None) -> DeliveryRun:
    """The pickup point confirms the goods arrived: its orders are ready for the customers."""
    run = _lock_run(run_id)
    at = at or timezone.now()
    run.arrived_at = at
    _move_run(run, R.ARRIVED, actor=actor, fields=("arrived_at",), reason="arrived")
    arrived = list(run.pickups.select_for_update().filter(status=P.IN_TRANSIT).order_by("pk"))
    for pickup in arrived:
        pickup.ready_at = at
        _move_pickup(pickup, P.READY, actor=actor, fields=("ready_at",), reason=f"run {run.number} arrived")
    outbox.emit_many(topic=PICKUP_READY, messages=[
        (p.order_number, {"order_id": p.order_id, "order_number": p.order_number, "location_id": p.location_id})
        for p in arrived])
    return run


@transaction.atomic
def cancel_delivery_run(*, run_id: int, actor: Actor, reason: str) -> DeliveryRun:
    """Call off a run that has not left; its orders wait for the next one."""
    if not reason.strip():
        raise InvalidInput.for_fields({"reason": "请填写取消原因"})
    run = _lock_run(run_id)
    _move_run(run, R.CANCELLED, actor=actor, reason=reason)
    Pickup.objects.filter(run=run, status=P.AWAITING_DELIVERY).update(run=None)
    return run
