"""Fulfillment write services (one module per topic); import them from here:
``from huitong.fulfillment import services as fulfillment`` → ``fulfillment.ship_shipment(...)``."""

from huitong.fulfillment.services.interceptions import intercept_order, resolve_interception
from huitong.fulfillment.services.pickups import (
    PickupArranged,
    RunDispatched,
    arrange_pickup,
    cancel_delivery_run,
    cancel_pickup,
    confirm_run_arrival,
    dispatch_delivery_run,
    plan_delivery_run,
    reissue_pickup_code,
    verify_pickup,
)
from huitong.fulfillment.services.shipments import (
    ShipmentShipped,
    ShipmentsMade,
    assign_waybill,
    cancel_shipment,
    create_shipments,
    pick_shipment,
    ship_shipment,
)
from huitong.fulfillment.services.tracking import (
    TrackingOutcome,
    TrackingUpdate,
    complete_delivered_orders,
    parse_tracking_row,
    record_tracking_event,
    record_tracking_events,
)

__all__ = [
    "PickupArranged", "RunDispatched", "ShipmentShipped", "ShipmentsMade", "TrackingOutcome", "TrackingUpdate",
    "arrange_pickup", "assign_waybill", "cancel_delivery_run", "cancel_pickup", "cancel_shipment",
    "complete_delivered_orders", "confirm_run_arrival", "create_shipments", "dispatch_delivery_run",
    "intercept_order", "parse_tracking_row", "pick_shipment", "plan_delivery_run", "record_tracking_event",
    "record_tracking_events", "reissue_pickup_code", "resolve_interception", "ship_shipment", "verify_pickup",
]
