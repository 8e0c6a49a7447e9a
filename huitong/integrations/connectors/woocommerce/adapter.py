"""WooCommerceAdapter: OrderSource, PayloadParser, StockSink, ShipmentSink, RefundSource, WebhookVerifier.

Credentials: ``app_key``/``app_secret`` = the REST API consumer key and secret (``ck_...``/``cs_...``,
read/write), ``base_url`` (or ``shop``) = the site URL (``https://shop.example.com``; the API lives
under ``/wp-json/wc/v3``), ``extra['webhook_secret']`` = the secret set on the webhooks (WooCommerce
defaults it to the consumer secret of the user who made them, hence the fallback to ``app_secret``),
``extra['currency']`` = the store currency (refunds do not state it; default CNY).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from huitong.integrations.connectors.base import (
    ConnectorError,
    Credentials,
    OrderPage,
    PlatformOrder,
    PlatformRefund,
    StockUpdate,
)
from huitong.integrations.connectors.paging import across_windows, split_window
from huitong.integrations.connectors.webhooks import (
    hmac_sha256_base64,
    hmac_sha256_header_valid,
    webhook_secret,
)
from huitong.integrations.connectors.woocommerce import mapping
from huitong.integrations.connectors.woocommerce.client import WooCommerceClient, exclusive_bounds

_NOT_SHIPPABLE = {"cancelled", "refunded", "failed", "trash", "checkout-draft"}


class WooCommerceAdapter:
    # WooCommerce puts no limit on a modified_after/modified_before range; this is our own chunk
    # size, so that a long backfill is pulled (and its cursor advanced) in bounded pieces.
    max_window = timedelta(days=7)

    def __init__(
        self,
        credentials: Credentials,
        *,
        per_second: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        backoff: float = 0.5,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.credentials = credentials
        self.clock = clock
        self.client = WooCommerceClient(
            _site_url(credentials),
            credentials.app_key,
            credentials.app_secret,
            per_second=per_second,
            sleep=sleep,
            backoff=backoff,
        )

    # --- OrderSource ---------------------------------------------------------------------------
    def fetch_orders(self, *, start: datetime, end: datetime) -> Iterator[OrderPage]:
        pages = across_windows(self._windows(start, end), self._order_pages)
        for number, (orders, has_more) in enumerate(pages, start=1):
            yield OrderPage(orders, number, has_more)

    def _order_pages(
        self, lower: datetime, upper: datetime
    ) -> Iterator[tuple[tuple[PlatformOrder, ...], bool]]:
        """Orders modified in [lower, upper), page by page: (orders, has_next_page)."""
        after, before = exclusive_bounds(lower, upper)
        for orders, has_next in self.client.iter_orders(after=after, before=before):
            yield tuple(o for o in map(mapping.map_order, orders) if lower <= o.updated_at < upper), has_next

    def fetch_order(self, order_id: str) -> PlatformOrder:
        return mapping.map_order(self.client.get_order(order_id))

    # --- RefundSource --------------------------------------------------------------------------
    def fetch_refunds(self, *, start: datetime, end: datetime) -> Iterator[list[PlatformRefund]]:
        """Refunds created in [start, end) (a WooCommerce refund never changes once made)."""
        for lower, upper in self._windows(start, end):
            after, before = exclusive_bounds(lower, upper)
            for refunds, _ in self.client.iter_refunds(after=after, before=before):
                mapped = [mapping.map_refund(r, currency=self._currency()) for r in refunds]
                if inside := [r for r in mapped if lower <= r.created_at < upper]:
                    yield inside

    # --- PayloadParser -------------------------------------------------------------------------
    def parse_payload(self, payload: Mapping[str, Any]) -> list[PlatformOrder]:
        return [mapping.map_order(order) for order in mapping.orders_in_payload(payload)]

    # --- WebhookVerifier -----------------------------------------------------------------------
    def verify_webhook(self, *, headers: Mapping[str, str], body: bytes) -> bool:
        """``X-WC-Webhook-Signature`` = base64(HMAC-SHA256(webhook secret, raw body))."""
        secret = webhook_secret(self.credentials, platform="WooCommerce")
        return hmac_sha256_header_valid(secret, headers=headers, body=body, header="x-wc-webhook-signature")

    # --- StockSink -----------------------------------------------------------------------------
    def push_stock(self, updates: Sequence[StockUpdate]) -> None:
        """``item_id`` is the product id, ``sku_id`` the variation id ("" for a simple product)."""
        for update in updates:
            self.client.update_stock(
                product_id=update.item_id, variation_id=update.sku_id, quantity=update.quantity
            )

    # --- ShipmentSink --------------------------------------------------------------------------
    def confirm_shipment(self, *, order_id: str, carrier_code: str, waybill_no: str) -> None:
        """WooCommerce core has no shipment API: the order is set to ``completed`` and the tracking
        number is added to the Shipment Tracking meta (``_wc_shipment_tracking_items``)."""
        if not waybill_no.strip():
            raise ConnectorError("a shipment needs a waybill number")
        entry = mapping.tracking_item(carrier_code, waybill_no, self.clock())
        order = self.client.get_order(order_id)
        items = mapping.tracking_items(order)
        if any(i.get("tracking_number") == waybill_no for i in items) and order.get("status") == "completed":
            return  # a retry of a confirmation that went through
        if order.get("status") in _NOT_SHIPPABLE:
            raise ConnectorError(
                f"WooCommerce order {order_id} is {order.get('status')}: not shipping it",
                code="not_shippable",
            )
        self.client.update_order(
            order_id,
            {
                "status": "completed",
                "meta_data": [{"key": mapping.TRACKING_META, "value": [*items, entry]}],
            },
        )

    # --- internals -----------------------------------------------------------------------------
    def _windows(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        naive = "fetch windows must be tz-aware datetimes"
        return split_window(start, end, self.max_window, naive=naive, refuse_backwards=True)

    def _currency(self) -> str:
        return self.credentials.extra.get("currency", "CNY")


webhook_signature = hmac_sha256_base64  # what X-WC-Webhook-Signature carries for a body


def _site_url(credentials: Credentials) -> str:
    url = (credentials.base_url or credentials.shop).strip().rstrip("/")
    if not url:
        raise ConnectorError("no WooCommerce site URL configured for this store")
    return url if "://" in url else f"https://{url}"
