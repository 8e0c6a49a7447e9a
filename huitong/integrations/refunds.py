"""Platform refunds (售后) into Huitong: each platform refund becomes the same after-sales request an
operator would open (idempotent per order + platform refund id), pulled per store like orders."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from huitong.aftersales.platform import open_platform_request
from huitong.channels import selectors as channels
from huitong.core.actors import Actor
from huitong.core.errors import DomainError
from huitong.integrations.connectors.base import ConnectorError, PlatformRefund, RefundSource
from huitong.integrations.ingest import _windows, adapter_of
from huitong.orders.models import Order

log = logging.getLogger(__name__)


def ingest_refund(*, store_id: int, refund: PlatformRefund, actor: Actor) -> str:
    """One platform refund → its after-sales request. Returns "applied", "unknown_order" or the error."""
    order_id = Order.objects.filter(store_id=store_id, external_id=refund.order_id).values_list("pk", flat=True).first()
    if order_id is None:
        return "unknown_order"  # the order arrives with a later pull; the refund is seen again then
    try:
        open_platform_request(order_id=order_id, platform_refund_id=refund.refund_id,
                              line_refs=[refund.line_id] if refund.line_id else [], amount_fen=refund.amount_fen,
                              reason=refund.reason, state=str(refund.state), actor=actor)
    except DomainError as exc:
        log.warning("platform refund %s of order %s refused: %s", refund.refund_id, refund.order_id, exc.code)
        return f"{exc.code}: {exc.message}"
    return "applied"


def pull_refunds(*, store_id: int, start: datetime | None = None, end: datetime | None = None,
                 actor: Actor) -> dict[str, int]:
    """Refunds changed in the window (default: the last day up to the pull lag) → after-sales requests."""
    store = channels.get_active_store(store_id)
    adapter = adapter_of(store)
    if not isinstance(adapter, RefundSource):
        return {}
    end = end or timezone.now() - timedelta(seconds=settings.HUITONG_PULL_LAG_SECONDS)
    start = start or end - timedelta(days=1)
    counts: dict[str, int] = {}
    try:
        for window_start, window_end in _windows(start, end, getattr(adapter, "max_window", timedelta(days=1))):
            for batch in adapter.fetch_refunds(start=window_start, end=window_end):
                for refund in batch:
                    outcome = ingest_refund(store_id=store.pk, refund=refund, actor=actor)
                    key = outcome if outcome in ("applied", "unknown_order") else "failed"
                    counts[key] = counts.get(key, 0) + 1
    except ConnectorError as exc:
        counts["errors"] = counts.get("errors", 0) + 1
        log.warning("refund pull of store %s stopped: %s", store.code, exc)
    return counts
