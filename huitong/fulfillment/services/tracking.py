"""Carrier tracking events (物流轨迹), from a webhook or an import, and the auto-completion of delivered
orders.

Events are idempotent — (shipment, node, time) is unique, so the same scan twice is one row — and may
arrive in any order: the shipment's status is worked out from all its events, not from the last one to
arrive (a delivered scan wins whenever it came; otherwise the latest scan by time says shipped or
exception)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from huitong.core.actors import Actor
from huitong.core.errors import DomainError
from huitong.fulfillment import carriers, selectors
from huitong.fulfillment.errors import InvalidTrackingEvent, UnknownWaybill
from huitong.fulfillment.models import (
    ON_THE_ROAD,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    TrackingEvent,
    TrackingKind,
    TrackingSource,
)
from huitong.fulfillment.services.shipments import _move_to
from huitong.orders import services as orders
from huitong.orders.models import Order, OrderStatus

S = ShipmentStatus
# Carriers and platforms name the nodes in many ways; these are the ones accepted besides our own codes.
KIND_ALIASES = {
    "揽收": TrackingKind.COLLECTED, "已揽收": TrackingKind.COLLECTED, "collect": TrackingKind.COLLECTED,
    "运输中": TrackingKind.IN_TRANSIT, "在途": TrackingKind.IN_TRANSIT, "transit": TrackingKind.IN_TRANSIT,
    "派送中": TrackingKind.OUT_FOR_DELIVERY, "派件": TrackingKind.OUT_FOR_DELIVERY,
    "签收": TrackingKind.DELIVERED, "已签收": TrackingKind.DELIVERED, "sign": TrackingKind.DELIVERED,
    "异常": TrackingKind.EXCEPTION, "问题件": TrackingKind.EXCEPTION,
}
FUTURE_TOLERANCE = timedelta(hours=1)


@dataclass(frozen=True)
class TrackingUpdate:
    carrier: str
    waybill_no: str
    kind: str
    occurred_at: datetime
    description: str = ""
    place: str = ""


@dataclass(frozen=True)
class TrackingOutcome:
    index: int
    outcome: str  # recorded | duplicate | error
    shipment_id: int | None = None
    shipment_status: str = ""
    code: str = ""
    message: str = ""
    fields: dict = field(default_factory=dict)


def _text(row: Mapping, key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def _when(value, errors: dict) -> datetime | None:
    if isinstance(value, datetime):
        at = value
    else:
        try:
            at = parse_datetime(str(value or "").strip().replace("/", "-"))
        except ValueError:
            at = None
    if at is None:
        errors["occurred_at"] = "时间格式应为 2025-01-31 08:30:00 或 ISO 8601"
        return None
    if timezone.is_naive(at):  # carriers report local time
        at = timezone.make_aware(at)
    if at > timezone.now() + FUTURE_TOLERANCE:
        errors["occurred_at"] = "时间不能晚于当前时间"
    return at


def parse_tracking_row(row: Mapping) -> TrackingUpdate:
    """One event from a webhook or an import row (keys: carrier, waybill_no, kind, occurred_at,
    description, place). Raises InvalidTrackingEvent with field messages."""
    if not isinstance(row, Mapping):
        raise InvalidTrackingEvent.for_fields({"row": "每条轨迹应为一个对象"})
    errors: dict[str, str] = {}
    carrier = _text(row, "carrier").upper()
    if carrier not in carriers.CARRIERS:
        errors["carrier"] = f"不支持的快递公司 {carrier or '(空)'}"
    waybill = carriers.normalize_waybill(_text(row, "waybill_no"))
    if not waybill:
        errors["waybill_no"] = "请填写运单号"
    raw_kind = _text(row, "kind")
    kind = raw_kind.lower() if raw_kind.lower() in TrackingKind.values else KIND_ALIASES.get(raw_kind)
    if kind is None:
        errors["kind"] = f"未知的轨迹节点 {raw_kind or '(空)'},可选:{', '.join(TrackingKind.values)}"
    at = _when(row.get("occurred_at"), errors)
    if errors:
        raise InvalidTrackingEvent.for_fields(errors)
    return TrackingUpdate(carrier=carrier, waybill_no=waybill, kind=str(kind), occurred_at=at,
                          description=_text(row, "description")[:300], place=_text(row, "place")[:100])


def record_tracking_events(*, rows: Sequence[Mapping], source: str, actor: Actor) -> list[TrackingOutcome]:
    """Record a batch of events, each on its own: a bad row is reported and does not stop the others."""
    results = []
    for index, row in enumerate(rows):
        try:
            update = parse_tracking_row(row)
            results.append(record_tracking_event(update=update, source=source, actor=actor, index=index))
        except DomainError as exc:
            results.append(TrackingOutcome(index=index, outcome="error", code=exc.code, message=exc.message,
                                           fields=exc.detail.get("fields", {})))
    return results


@transaction.atomic
def record_tracking_event(*, update: TrackingUpdate, source: str, actor: Actor, index: int = 0) -> TrackingOutcome:
    if source not in TrackingSource.values:
        raise InvalidTrackingEvent.for_fields({"source": f"未知来源 {source}"})
    found = selectors.shipment_by_waybill(update.carrier, update.waybill_no)
    if found is None:
        raise UnknownWaybill(waybill_no=f"{update.carrier} {update.waybill_no} 没有对应的发货单")
    shipment = Shipment.objects.select_for_update().get(pk=found.pk)  # one shipment's events in turn
    duplicate = TrackingEvent.objects.filter(shipment=shipment, kind=update.kind,
                                             occurred_at=update.occurred_at).exists()
    if not duplicate:
        try:
            with transaction.atomic():
                TrackingEvent.objects.create(shipment=shipment, kind=update.kind, occurred_at=update.occurred_at,
                                             description=update.description, place=update.place, source=source)
        except IntegrityError:
            duplicate = True
    if not duplicate:
        _follow_events(shipment, actor)
    return TrackingOutcome(index=index, outcome="duplicate" if duplicate else "recorded", shipment_id=shipment.pk,
                           shipment_status=shipment.status)


def _follow_events(shipment: Shipment, actor: Actor) -> None:
    """Bring a parcel on the road in line with all its scans. Parcels not yet shipped (a scan before the
    warehouse confirmed), delivered or intercepted keep their status; the scan is still recorded."""
    if shipment.status not in ON_THE_ROAD:
        return
    events = list(shipment.tracking_events.order_by("occurred_at", "pk").values_list("kind", "occurred_at"))
    delivered = [at for kind, at in events if kind == TrackingKind.DELIVERED]
    if delivered:
        shipment.delivered_at = delivered[0]
        _move_to(shipment, S.DELIVERED, actor=actor, fields=("delivered_at",), reason="carrier: delivered")
        return
    target = S.EXCEPTION if events[-1][0] == TrackingKind.EXCEPTION else S.SHIPPED
    if target != shipment.status:
        _move_to(shipment, target, actor=actor, reason=f"carrier: {events[-1][0]}")


def auto_complete_days() -> int:
    return int(getattr(settings, "HUITONG_AUTO_COMPLETE_DAYS", 7))


def complete_delivered_orders(*, now: datetime | None = None, days: int | None = None, limit: int = 500) -> int:
    """Complete shipped orders whose every live parcel was delivered at least ``days`` ago (setting
    HUITONG_AUTO_COMPLETE_DAYS, default 7). Each order in its own transaction; one completed or
    cancelled meanwhile is skipped. Returns how many were completed."""
    days = auto_complete_days() if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    lines = ShipmentLine.objects.values("order_id")
    delivered_long_ago = lines.filter(shipment__status=S.DELIVERED, shipment__delivered_at__lte=cutoff)
    not_done = lines.exclude(shipment__status=S.CANCELLED).exclude(shipment__status=S.DELIVERED,
                                                                  shipment__delivered_at__lte=cutoff)
    ids = list(Order.objects.filter(status=OrderStatus.SHIPPED, pk__in=delivered_long_ago)
               .exclude(pk__in=not_done).order_by("shipped_at", "pk")
               .values_list("pk", flat=True)[:limit])
    actor = Actor.system("auto-complete")
    completed = 0
    for order_id in ids:
        try:
            orders.complete_order(order_id=order_id, actor=actor)
        except DomainError:
            continue
        completed += 1
    return completed
