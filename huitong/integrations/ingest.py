"""Platform orders into Huitong: connector DTOs → orders.platform.import_order, one order per
transaction, raw payloads kept, and incremental pulls that advance a per-store cursor only past
windows fully ingested (a crash mid-pull resumes from the last complete window; replays are no-ops)."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from huitong.channels import selectors as channels
from huitong.channels.models import OWN_CHANNELS
from huitong.core import bulkinsert
from huitong.core.actors import Actor
from huitong.core.errors import DomainError, InvalidInput
from huitong.core.transactions import retry_deadlocks
from huitong.integrations.connectors import registry
from huitong.integrations.connectors.base import ConnectorError, Credentials, PlatformOrder
from huitong.integrations.models import PullCursor, PullLog, RawPayload
from huitong.orders import platform
from huitong.orders.platform import ImportedLine, ImportedOrder, import_order
from huitong.orders.services import Receiver

log = logging.getLogger(__name__)
FIRST_PULL = timedelta(days=1)  # how far back the very first pull of a store looks


@dataclass(frozen=True)
class IngestOutcome:
    platform_order_id: str
    outcome: str  # new, updated, unchanged, failed
    order_number: str = ""
    status: str = ""
    total_fen: int = 0
    error: str = ""


def adapter_of(store):
    if store.platform in OWN_CHANNELS:
        raise InvalidInput.for_fields({"store": f"{store.code} 是自营渠道,没有平台接口"})
    raw = channels.credentials_of(store)
    return registry.adapter_for(store.platform, Credentials(**{k: v for k, v in raw.items()}))


def to_imported(store_id: int, order: PlatformOrder) -> ImportedOrder:
    r = order.receiver
    return ImportedOrder(
        store_id=store_id, external_id=order.order_id, status=str(order.state), platform_status=order.platform_status,
        placed_at=order.created_at, updated_at=order.updated_at, total_fen=order.total_fen,
        shipping_fen=order.shipping_fen, currency=order.currency, paid_at=order.paid_at, buyer_id=order.buyer_id, buyer_nick=order.buyer_nick,
        receiver=Receiver(name=r.name, phone=r.phone, province=r.province, city=r.city, district=r.district,
                          address=r.detail),
        buyer_remark=order.buyer_remark, seller_remark=order.seller_remark,
        carrier_code=order.shipment.carrier_code if order.shipment else "",
        waybill_no=order.shipment.waybill_no if order.shipment else "",
        lines=[ImportedLine(platform_line_id=ln.line_id, item_id=ln.item_id, platform_sku_id=ln.sku_id,
                            merchant_code=ln.merchant_code, title=ln.title, quantity=ln.quantity,
                            unit_price_fen=ln.unit_price_fen, amount_fen=ln.amount_fen,
                            refund_state=str(ln.refund_state)) for ln in order.lines],
    )


_RAW_FIELDS = ["store_id", "source", "external_id", "digest", "payload"]


def _raw(store_id: int, source: str, external_id: str, payload: Mapping[str, Any]) -> tuple:
    """A RawPayload row (``_RAW_FIELDS``), its digest over the canonical JSON text. That text is also what is
    stored when it is the payload's plain JSON (no value had to be turned into text for it)."""
    stringified = []

    def as_text(value):
        stringified.append(value)
        return str(value)

    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=as_text)
    stored = payload if stringified else bulkinsert.JsonText(text)  # else the field's encoder writes it
    return store_id, source, external_id, hashlib.sha256(text.encode()).hexdigest(), stored


def _keep_raw(rows: list[tuple]) -> None:
    """Store payloads once (the same content again is ignored, also when stored concurrently)."""
    bulkinsert.insert_rows(RawPayload, _RAW_FIELDS, rows, ignore_conflicts=True)


def ingest_order(*, store_id: int, order: PlatformOrder, source: str, actor: Actor) -> IngestOutcome:
    """One platform order, in its own transaction. Failures are reported, not raised, so that one
    bad order does not stop a page."""
    try:
        with transaction.atomic():
            _keep_raw([_raw(store_id, source, order.order_id, order.raw or {"order_id": order.order_id})])
            result = import_order(spec=to_imported(store_id, order), actor=actor)
    except DomainError as exc:
        log.warning("order %s of store %s refused: %s %s", order.order_id, store_id, exc.code, exc.detail)
        return _failed(order.order_id, exc)
    o = result.order
    return IngestOutcome(order.order_id, result.outcome, o.number, o.status, o.total_fen)


def ingest_orders(*, store_id: int, orders: Sequence[PlatformOrder], source: str, actor: Actor
                  ) -> list[IngestOutcome]:
    """A page of platform orders: invalid ones are reported, the rest imported together in one
    transaction (bulk creation of the new ones). If the page fails as a whole, each order is retried
    on its own so that one bad order cannot stop the others."""
    outcomes: dict[int, IngestOutcome] = {}
    valid: list[tuple[int, PlatformOrder, ImportedOrder]] = []
    for index, order in enumerate(orders):
        try:
            spec = to_imported(store_id, order)
            platform.validate(spec)
        except (DomainError, ConnectorError) as exc:
            outcomes[index] = _failed(order.order_id, exc)
            continue
        valid.append((index, order, spec))
    raw = [_raw(store_id, source, order.order_id, order.raw or {"order_id": order.order_id}) for _, order, _ in valid]

    @transaction.atomic
    def import_page():
        _keep_raw(raw)
        return platform.import_orders(specs=[spec for _, _, spec in valid], actor=actor)

    try:  # pages of one store imported at once (several workers) can meet on new buyers and mappings
        results = retry_deadlocks(import_page)
    except DomainError:
        for index, order, _ in valid:
            outcomes[index] = ingest_order(store_id=store_id, order=order, source=source, actor=actor)
    else:
        for (index, order, _), result in zip(valid, results, strict=True):
            o = result.order
            outcomes[index] = IngestOutcome(order.order_id, result.outcome, o.number, o.status, o.total_fen)
    return [outcomes[i] for i in range(len(orders))]


def _failed(order_id: str, exc: Exception) -> IngestOutcome:
    if isinstance(exc, DomainError):
        return IngestOutcome(order_id, "failed", error=f"{exc.code}: {exc.message} {exc.detail}")
    return IngestOutcome(order_id, "failed", error=f"{type(exc).__name__}: {exc}")


def ingest_payload(*, store_id: int, payload: Mapping[str, Any], source: str, actor: Actor) -> list[IngestOutcome]:
    """A saved API response or push message (import-json, webhooks), through the same normalisation."""
    store = channels.get_store(store_id)
    try:
        orders = adapter_of(store).parse_payload(payload)
    except ConnectorError as exc:
        raise InvalidInput(f"无法解析{store.get_platform_display()}报文: {exc}",
                           detail={"fields": {"payload": str(exc)}}) from exc
    return ingest_orders(store_id=store.pk, orders=orders, source=source, actor=actor)


def pull_orders(*, store_id: int, until: datetime | None = None, actor: Actor,
                progress: Callable[[PullLog], None] | None = None) -> PullLog:
    """Incremental pull from the cursor to ``until`` (now), window by window of the platform's
    maximum; the cursor moves past a window only when every page of it has been ingested."""
    store = channels.get_active_store(store_id)
    adapter = adapter_of(store)
    end = until or timezone.now() - timedelta(seconds=settings.HUITONG_PULL_LAG_SECONDS)
    cursor = PullCursor.objects.filter(store=store).first()
    start = cursor.pulled_until if cursor else end - FIRST_PULL
    entry = PullLog.objects.create(store=store, window_start=start, window_end=end)
    try:
        for window_start, window_end in _windows(start, end, adapter.max_window):
            for page in adapter.fetch_orders(start=window_start, end=window_end):
                entry.pages += 1
                for outcome in ingest_orders(store_id=store.pk, orders=page.orders, source="pull", actor=actor):
                    _count(entry, outcome)
                entry.save()
                if progress:
                    progress(entry)
            PullCursor.objects.update_or_create(store=store, defaults={"pulled_until": window_end})
        entry.ok = entry.failed == 0
    except ConnectorError as exc:
        entry.errors = [*entry.errors, f"{type(exc).__name__}: {exc}"]
    entry.finished_at = timezone.now()
    entry.save()
    return entry


def _windows(start: datetime, end: datetime, size: timedelta) -> Iterable[tuple[datetime, datetime]]:
    while start < end:
        stop = min(start + size, end)
        yield start, stop
        start = stop


def _count(entry: PullLog, outcome: IngestOutcome) -> None:
    setattr(entry, outcome.outcome, getattr(entry, outcome.outcome) + 1)
    if outcome.error:
        entry.errors = [*entry.errors, f"{outcome.platform_order_id}: {outcome.error}"][-50:]
