"""Interception (拦截).

- **Not yet shipped** (paid or allocated): the order is stopped at once. The orders app has no "hold"
  service for upper layers, so stopping means cancelling it (``orders.cancel_order``: reservations
  released, what was paid refunded); its shipments not yet shipped are voided and an open pickup is
  cancelled first. The request is recorded as succeeded.
- **On the road**: an interception request is recorded against each parcel's waybill (requested), for
  the carrier to act on; ``resolve_interception`` records the carrier's answer — succeeded (the parcel
  comes back: shipment → intercepted) or failed. Goods coming back are after-sales' business.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from huitong.core import audit
from huitong.core.actors import Actor
from huitong.core.errors import InvalidInput
from huitong.core.states import transition
from huitong.fulfillment.errors import InterceptionNotFound, NothingToIntercept
from huitong.fulfillment.models import (
    NOT_YET_SHIPPED,
    ON_THE_ROAD,
    OPEN_PICKUP,
    InterceptionRequest,
    InterceptionStage,
    InterceptionStatus,
    Pickup,
    PickupStatus,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from huitong.fulfillment.services.pickups import _move_pickup
from huitong.fulfillment.services.shipments import _move_to as _move_shipment
from huitong.fulfillment.states import INTERCEPTION_LIFECYCLE
from huitong.orders import selectors as orders_selectors
from huitong.orders import services as orders
from huitong.orders.models import Order, OrderStatus

IS = InterceptionStatus


def _move_to(request: InterceptionRequest, status: str, *, actor: Actor, reason: str = "",
             fields: Sequence[str] = ()) -> None:
    transition(request, status, lifecycle=INTERCEPTION_LIFECYCLE, actor=actor, reason=reason, update_fields=fields)


def _open_request(order: Order, *, stage: str, reason: str, actor: Actor, shipment: Shipment | None = None,
                  carrier: str = "", waybill_no: str = "") -> InterceptionRequest:
    existing = InterceptionRequest.objects.filter(order_id=order.pk, waybill_no=waybill_no,
                                                  status=IS.REQUESTED).first()
    if existing is not None:  # asked twice: the open request stands
        return existing
    request = InterceptionRequest.objects.create(order=order, order_number=order.number, shipment=shipment,
                                                 stage=stage, carrier=carrier, waybill_no=waybill_no,
                                                 reason=reason[:200])
    audit.record(actor=actor, obj=request, to_state=request.status, reason=reason)
    return request


@transaction.atomic
def intercept_order(*, order_id: int, actor: Actor, reason: str) -> list[InterceptionRequest]:
    """Stop an order: cancel it if nothing has left yet, otherwise request interception of each parcel
    on the road (parcels of the order not yet shipped are voided)."""
    if not reason.strip():
        raise InvalidInput.for_fields({"reason": "请填写拦截原因"})
    order = orders_selectors.get_order(order_id)
    carrying = ShipmentLine.objects.filter(order_id=order.pk).values("shipment_id")
    shipments = list(Shipment.objects.select_for_update().filter(pk__in=carrying).order_by("pk"))
    on_road = [s for s in shipments if s.status in ON_THE_ROAD]
    if on_road or order.status == OrderStatus.SHIPPED:
        _void_unshipped(shipments, reason=reason, actor=actor)
        if on_road:
            return [_open_request(order, stage=InterceptionStage.IN_TRANSIT, reason=reason, actor=actor, shipment=s,
                                  carrier=s.carrier, waybill_no=s.waybill_no) for s in on_road]
        # shipped without a Huitong shipment (through the orders API, or a same-city run): its waybill
        return [_open_request(order, stage=InterceptionStage.IN_TRANSIT, reason=reason, actor=actor,
                              carrier=order.carrier_code, waybill_no=order.waybill_no)]
    if order.status not in (OrderStatus.PAID, OrderStatus.ALLOCATED):
        raise NothingToIntercept(detail={"order_status": order.status})
    return [_stop_before_shipping(order, shipments, reason=reason, actor=actor)]


def _void_unshipped(shipments: list[Shipment], *, reason: str, actor: Actor) -> None:
    for shipment in shipments:
        if shipment.status in NOT_YET_SHIPPED:
            shipment.cancelled_at = timezone.now()
            _move_shipment(shipment, ShipmentStatus.CANCELLED, actor=actor, fields=("cancelled_at",),
                           reason=f"拦截:{reason}")


def _stop_before_shipping(order: Order, shipments: list[Shipment], *, reason: str, actor: Actor
                          ) -> InterceptionRequest:
    _void_unshipped(shipments, reason=reason, actor=actor)
    for pickup in Pickup.objects.select_for_update().filter(order_id=order.pk, status__in=OPEN_PICKUP):
        pickup.run = None
        _move_pickup(pickup, PickupStatus.CANCELLED, actor=actor, fields=("run",), reason=f"拦截:{reason}")
    orders.cancel_order(order_id=order.pk, actor=actor, reason=f"拦截:{reason}"[:200])
    request = _open_request(order, stage=InterceptionStage.BEFORE_SHIPPING, reason=reason, actor=actor)
    request.result_note, request.resolved_at = "发货前拦截,订单已取消", timezone.now()
    _move_to(request, IS.SUCCEEDED, actor=actor, fields=("result_note", "resolved_at"), reason="order cancelled")
    return request


@transaction.atomic
def resolve_interception(*, interception_id: int, succeeded: bool, actor: Actor, note: str = "") -> InterceptionRequest:
    """Record the carrier's answer. Succeeded: the parcel is stopped and returns (shipment → intercepted;
    refused with 409 if it was delivered meanwhile)."""
    request = InterceptionRequest.objects.select_for_update().filter(pk=interception_id).first()
    if request is None:
        raise InterceptionNotFound(interception_id=f"拦截记录 {interception_id} 不存在")
    target = IS.SUCCEEDED if succeeded else IS.FAILED
    INTERCEPTION_LIFECYCLE.check(request.status, target)
    if succeeded and request.shipment_id:
        shipment = Shipment.objects.select_for_update().get(pk=request.shipment_id)
        _move_shipment(shipment, ShipmentStatus.INTERCEPTED, actor=actor, reason=f"拦截成功 {note}".strip())
    request.result_note, request.resolved_at = note[:200], timezone.now()
    _move_to(request, target, actor=actor, fields=("result_note", "resolved_at"), reason=note)
    return request
