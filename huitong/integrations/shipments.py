"""Shipment confirmation back to the platform (发货回传): when Huitong ships a platform order, the
carrier and waybill go back to the platform after the store's delay (time to intercept)."""

from __future__ import annotations

from datetime import timedelta

from huitong.channels import selectors as channels
from huitong.channels.models import OWN_CHANNELS
from huitong.core import outbox
from huitong.core.models import OutboxMessage
from huitong.integrations.models import PushLog
from huitong.orders import selectors as orders
from huitong.orders.models import OrderStatus
from huitong.orders.platform import SHIPPED_ON_PLATFORM

CONFIRM_SHIPMENT = "channels.confirm_shipment"
# Handed over without a parcel (store pickup, same-city runs, the POS counter): no platform carrier code exists.
INTERNAL_CARRIERS = {"PICKUP", "SAMECITY", "COUNTER"}


def on_order_status_changed(message: OutboxMessage) -> None:
    payload = message.payload
    if payload.get("to") != OrderStatus.SHIPPED or payload.get("reason") == SHIPPED_ON_PLATFORM:
        return  # only shipments made in Huitong go back; the platform knows its own
    store = channels.get_store(payload["store_id"])
    if store.platform in OWN_CHANNELS or not payload.get("external_id"):
        return
    outbox.emit(topic=CONFIRM_SHIPMENT, key=payload["number"], payload={"order_id": payload["order_id"]},
                delay=timedelta(minutes=store.shipment_confirm_delay_minutes))


def confirm_shipment(message: OutboxMessage) -> None:
    from huitong.integrations.ingest import adapter_of

    order = orders.get_order(message.payload["order_id"])
    if order.status not in (OrderStatus.SHIPPED, OrderStatus.COMPLETED):
        return  # intercepted or changed meanwhile: nothing to confirm
    if order.carrier_code in INTERNAL_CARRIERS:
        # Visible in the push log for an operator to confirm on the platform (e.g. 无需物流); not retried.
        PushLog.objects.create(store=order.store, kind=PushLog.Kind.SHIPMENT, reference=order.external_id, ok=False,
                               error=f"{order.carrier_code}: 无快递单号,请在平台手工确认发货",
                               details={"carrier": order.carrier_code, "order_number": order.number})
        return
    try:
        adapter_of(order.store).confirm_shipment(order_id=order.external_id, carrier_code=order.carrier_code,
                                                 waybill_no=order.waybill_no)
    except Exception as exc:
        PushLog.objects.create(store=order.store, kind=PushLog.Kind.SHIPMENT, reference=order.external_id, ok=False,
                               error=f"{type(exc).__name__}: {exc}"[:2000],
                               details={"carrier": order.carrier_code, "waybill": order.waybill_no})
        raise
    PushLog.objects.create(store=order.store, kind=PushLog.Kind.SHIPMENT, reference=order.external_id, ok=True,
                           details={"carrier": order.carrier_code, "waybill": order.waybill_no,
                                    "order_number": order.number})
