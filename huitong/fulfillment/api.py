"""Fulfillment API: shipments, printing, tracking, pickups, delivery runs, interceptions.

Roles: warehouse makes, picks and ships shipments, prints, verifies pickups and runs deliveries;
operator intercepts and arranges pickups (and may do what the warehouse does, but print); customer
service reads shipments and timelines and may arrange pickups. Admin holds every role."""


import csv
import hmac
import io

from django.conf import settings
from django.http import HttpResponse
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import APIKeyHeader

from huitong.core.actors import Actor
from huitong.core.api import actor_of, errors, staff
from huitong.core.permissions import Role
from huitong.fulfillment import carriers, printing, selectors, services
from huitong.fulfillment.errors import InvalidTrackingEvent, InvalidWebhookSecret, WebhookNotConfigured
from huitong.fulfillment.models import TrackingSource
from huitong.fulfillment.schemas import (
    CarrierOut,
    CompletedOut,
    DispatchOut,
    InterceptIn,
    InterceptionFilter,
    InterceptionOut,
    PickupCodeOut,
    PickupFilter,
    PickupIn,
    PickupOut,
    PrintIn,
    QueueOrderOut,
    ReasonIn,
    ResolveInterceptionIn,
    RunFilter,
    RunIn,
    RunOut,
    ShipIn,
    ShipmentFilter,
    ShipmentOut,
    ShipmentsIn,
    ShipmentsOut,
    ShippedOut,
    TimelineOut,
    TrackingBatchIn,
    TrackingBatchOut,
    VerifyPickupIn,
    WaybillIn,
)

router = Router()
WAREHOUSE = staff(Role.WAREHOUSE, Role.OPERATOR)
PRINT = staff(Role.WAREHOUSE)  # labels carry the receiver's full name, phone and address
OPERATOR = staff(Role.OPERATOR)
READERS = staff(Role.WAREHOUSE, Role.OPERATOR, Role.CUSTOMER_SERVICE)
PICKUP_DESK = staff(Role.OPERATOR, Role.CUSTOMER_SERVICE)
TRACKING_SECRET_HEADER = "X-Huitong-Tracking-Secret"


class TrackingWebhookAuth(APIKeyHeader):
    """The carrier (or tracking aggregator) sends the shared secret HUITONG_TRACKING_WEBHOOK_SECRET."""

    param_name = TRACKING_SECRET_HEADER

    def authenticate(self, request, key):
        secret = getattr(settings, "HUITONG_TRACKING_WEBHOOK_SECRET", None)
        if not secret:
            raise WebhookNotConfigured()
        if not key or not hmac.compare_digest(key.encode(), str(secret).encode()):
            raise InvalidWebhookSecret()
        return "tracking-webhook"


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def _batch(results) -> dict:
    count = {o: sum(1 for r in results if r.outcome == o) for o in ("recorded", "duplicate", "error")}
    return {"recorded": count["recorded"], "duplicates": count["duplicate"], "errors": count["error"],
            "results": results}


# --- carriers, queue, shipments -------------------------------------------------------------------

@router.get("/carriers", response=list[CarrierOut], auth=READERS, summary="Carriers and their waybill formats")
def list_carriers(request):
    return list(carriers.CARRIERS.values())


@router.get("/queue/to-ship", response=list[QueueOrderOut], auth=WAREHOUSE,
            summary="Allocated orders, not held, with no shipment or pickup yet")
@paginate(LimitOffsetPagination)
def to_ship_queue(request):
    return selectors.to_ship_queue()


@router.post("/orders/{order_id}/shipments", response={201: ShipmentsOut, 200: ShipmentsOut, **errors(404, 409, 422)},
             auth=WAREHOUSE, summary="Make the shipments of an allocated order (one per location; idempotent)")
def create_shipments(request, order_id: int, payload: ShipmentsIn):
    made = services.create_shipments(order_id=order_id, actor=actor_of(request), **payload.dict())
    shipments = [selectors.get_shipment(s.pk) for s in made.shipments]
    return Status(201 if made.created else 200, {"created": made.created, "shipments": shipments,
                                                 "warnings": made.warnings})


@router.get("/shipments", response=list[ShipmentOut], auth=READERS)
@paginate(LimitOffsetPagination)
def list_shipments(request, filters: Query[ShipmentFilter]):
    return selectors.list_shipments(**filters.dict())


@router.get("/shipments/{shipment_id}", response={200: ShipmentOut, **errors(404)}, auth=READERS)
def get_shipment(request, shipment_id: int):
    return selectors.get_shipment(shipment_id)


@router.post("/shipments/{shipment_id}/waybill", response={200: ShipmentOut, **errors(404, 409, 422)},
             auth=WAREHOUSE, summary="Set the carrier and waybill number (checked against the carrier's format)")
def assign_waybill(request, shipment_id: int, payload: WaybillIn):
    services.assign_waybill(shipment_id=shipment_id, actor=actor_of(request), **payload.dict())
    return selectors.get_shipment(shipment_id)


@router.post("/shipments/{shipment_id}/pick", response={200: ShipmentOut, **errors(404, 409)}, auth=WAREHOUSE)
def pick_shipment(request, shipment_id: int):
    services.pick_shipment(shipment_id=shipment_id, actor=actor_of(request))
    return selectors.get_shipment(shipment_id)


@router.post("/shipments/{shipment_id}/ship", response={200: ShippedOut, **errors(404, 409, 422)}, auth=WAREHOUSE,
             summary="Ship: the stock leaves through the ledger; warns of the buyer's other unshipped orders")
def ship_shipment(request, shipment_id: int, payload: ShipIn):
    shipped = services.ship_shipment(shipment_id=shipment_id, actor=actor_of(request), **payload.dict())
    return {"shipment": selectors.get_shipment(shipment_id), "order_shipped": shipped.order_shipped,
            "warnings": shipped.warnings}


@router.post("/shipments/{shipment_id}/cancel", response={200: ShipmentOut, **errors(404, 409, 422)},
             auth=WAREHOUSE, summary="Void a shipment that has not left")
def cancel_shipment(request, shipment_id: int, payload: ReasonIn):
    services.cancel_shipment(shipment_id=shipment_id, reason=payload.reason, actor=actor_of(request))
    return selectors.get_shipment(shipment_id)


# --- printing -------------------------------------------------------------------------------------

PDF_RESPONSES = {200: None, **errors(404, 409, 422)}


@router.get("/shipments/{shipment_id}/picking-list.pdf", response=PDF_RESPONSES, auth=PRINT)
def picking_list(request, shipment_id: int):
    return _pdf(printing.picking_list_pdf(selectors.printable_shipments([shipment_id])), f"picking-{shipment_id}.pdf")


@router.get("/shipments/{shipment_id}/label.pdf", response=PDF_RESPONSES, auth=PRINT)
def waybill_label(request, shipment_id: int):
    shipments = selectors.printable_shipments([shipment_id], need_waybill=True)
    return _pdf(printing.waybill_labels_pdf(shipments), f"label-{shipment_id}.pdf")


@router.post("/print/picking-list", response=PDF_RESPONSES, auth=PRINT,
             summary="One picking list PDF for many shipments (grouped by location, with SKU totals)")
def print_picking_lists(request, payload: PrintIn):
    return _pdf(printing.picking_list_pdf(selectors.printable_shipments(payload.shipment_ids)), "picking-list.pdf")


@router.post("/print/labels", response=PDF_RESPONSES, auth=PRINT,
             summary="One PDF of 100×150 mm waybill labels for many shipments")
def print_labels(request, payload: PrintIn):
    shipments = selectors.printable_shipments(payload.shipment_ids, need_waybill=True)
    return _pdf(printing.waybill_labels_pdf(shipments), "labels.pdf")


# --- tracking -------------------------------------------------------------------------------------

@router.post("/tracking/webhook", response={200: TrackingBatchOut, **errors(422, 503)}, auth=TrackingWebhookAuth(),
             summary=f"Carrier tracking events (header {TRACKING_SECRET_HEADER}); idempotent, per-event results")
def tracking_webhook(request, payload: TrackingBatchIn):
    results = services.record_tracking_events(rows=payload.events, source=TrackingSource.WEBHOOK,
                                              actor=Actor.system("tracking-webhook"))
    return _batch(results)


@router.post("/tracking/import", response={200: TrackingBatchOut, **errors(422)}, auth=WAREHOUSE,
             summary="Import tracking events as JSON rows; per-row errors")
def import_tracking(request, payload: TrackingBatchIn):
    results = services.record_tracking_events(rows=payload.events, source=TrackingSource.IMPORT,
                                              actor=actor_of(request))
    return _batch(results)


@router.post("/tracking/import-csv", response={200: TrackingBatchOut, **errors(422)}, auth=WAREHOUSE,
             summary="Import tracking events from CSV (carrier,waybill_no,kind,occurred_at,description,place)")
def import_tracking_csv(request, file: File[UploadedFile]):
    raw = file.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="replace")  # Excel on Chinese Windows
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows:
        raise InvalidTrackingEvent.for_fields({"file": "CSV 没有数据行(首行为表头)"})
    results = services.record_tracking_events(rows=rows, source=TrackingSource.IMPORT, actor=actor_of(request))
    return _batch(results)


@router.get("/orders/{order_id}/timeline", response={200: list[TimelineOut], **errors(404)}, auth=READERS,
            summary="The order's story: states, shipments, carrier scans, pickups, interceptions")
def order_timeline(request, order_id: int):
    return selectors.order_timeline(order_id)


@router.post("/tracking/complete-delivered", response={200: CompletedOut, **errors()}, auth=OPERATOR,
             summary="Complete orders delivered HUITONG_AUTO_COMPLETE_DAYS ago (also runs periodically)")
def complete_delivered(request):
    return {"completed": services.complete_delivered_orders()}


# --- pickups and delivery runs --------------------------------------------------------------------

@router.post("/orders/{order_id}/pickup", response={201: PickupCodeOut, **errors(404, 409, 422)}, auth=PICKUP_DESK,
             summary="Make the order a pickup at a store (BOPIS) or pickup point; returns the code once")
def arrange_pickup(request, order_id: int, payload: PickupIn):
    arranged = services.arrange_pickup(order_id=order_id, location_id=payload.location_id, actor=actor_of(request))
    return Status(201, {"pickup": selectors.get_pickup(arranged.pickup.pk), "code": arranged.code})


@router.get("/pickups", response=list[PickupOut], auth=READERS)
@paginate(LimitOffsetPagination)
def list_pickups(request, filters: Query[PickupFilter]):
    return selectors.list_pickups(**filters.dict())


@router.post("/pickups/verify", response={200: PickupOut, **errors(404, 409, 422)}, auth=WAREHOUSE,
             summary="The customer collects with the code: ship (store stock) and complete the order")
def verify_pickup(request, payload: VerifyPickupIn):
    pickup = services.verify_pickup(location_id=payload.location_id, code=payload.code, actor=actor_of(request))
    return selectors.get_pickup(pickup.pk)


@router.post("/pickups/{pickup_id}/reissue-code", response={200: PickupCodeOut, **errors(404, 409)},
             auth=PICKUP_DESK, summary="A new code for an open pickup (the old one stops working)")
def reissue_code(request, pickup_id: int):
    arranged = services.reissue_pickup_code(pickup_id=pickup_id, actor=actor_of(request))
    return {"pickup": selectors.get_pickup(pickup_id), "code": arranged.code}


@router.post("/pickups/{pickup_id}/cancel", response={200: PickupOut, **errors(404, 409, 422)}, auth=PICKUP_DESK)
def cancel_pickup(request, pickup_id: int, payload: ReasonIn):
    services.cancel_pickup(pickup_id=pickup_id, reason=payload.reason, actor=actor_of(request))
    return selectors.get_pickup(pickup_id)


@router.post("/delivery-runs", response={201: RunOut, **errors(404, 409, 422)}, auth=WAREHOUSE,
             summary="Batch the orders waiting for a pickup point into a delivery run")
def plan_run(request, payload: RunIn):
    run = services.plan_delivery_run(pickup_point_id=payload.pickup_point_id, run_date=payload.run_date,
                                     actor=actor_of(request))
    return Status(201, selectors.get_delivery_run(run.pk))


@router.get("/delivery-runs", response=list[RunOut], auth=READERS)
@paginate(LimitOffsetPagination)
def list_runs(request, filters: Query[RunFilter]):
    return selectors.list_delivery_runs(**filters.dict())


@router.get("/delivery-runs/{run_id}", response={200: RunOut, **errors(404)}, auth=READERS)
def get_run(request, run_id: int):
    return selectors.get_delivery_run(run_id)


@router.post("/delivery-runs/{run_id}/dispatch", response={200: DispatchOut, **errors(404, 409)}, auth=WAREHOUSE,
             summary="The run leaves: its orders ship (orders that cannot go are taken off and listed)")
def dispatch_run(request, run_id: int):
    dispatched = services.dispatch_delivery_run(run_id=run_id, actor=actor_of(request))
    return {"run": selectors.get_delivery_run(run_id), "left_behind": dispatched.left_behind}


@router.post("/delivery-runs/{run_id}/arrive", response={200: RunOut, **errors(404, 409)}, auth=WAREHOUSE,
             summary="The pickup point confirms arrival: its orders are ready for pickup")
def confirm_arrival(request, run_id: int):
    services.confirm_run_arrival(run_id=run_id, actor=actor_of(request))
    return selectors.get_delivery_run(run_id)


@router.post("/delivery-runs/{run_id}/cancel", response={200: RunOut, **errors(404, 409, 422)}, auth=WAREHOUSE)
def cancel_run(request, run_id: int, payload: ReasonIn):
    services.cancel_delivery_run(run_id=run_id, reason=payload.reason, actor=actor_of(request))
    return selectors.get_delivery_run(run_id)


# --- interception ---------------------------------------------------------------------------------

@router.post("/orders/{order_id}/intercept", response={200: list[InterceptionOut], **errors(404, 409, 422)},
             auth=OPERATOR, summary="Stop an order: cancel it before shipping, or request interception by waybill")
def intercept_order(request, order_id: int, payload: InterceptIn):
    return services.intercept_order(order_id=order_id, reason=payload.reason, actor=actor_of(request))


@router.get("/interceptions", response=list[InterceptionOut], auth=READERS)
@paginate(LimitOffsetPagination)
def list_interceptions(request, filters: Query[InterceptionFilter]):
    return selectors.list_interceptions(**filters.dict())


@router.post("/interceptions/{interception_id}/resolve", response={200: InterceptionOut, **errors(404, 409)},
             auth=OPERATOR, summary="Record the carrier's answer to an interception request")
def resolve_interception(request, interception_id: int, payload: ResolveInterceptionIn):
    return services.resolve_interception(interception_id=interception_id, actor=actor_of(request), **payload.dict())
