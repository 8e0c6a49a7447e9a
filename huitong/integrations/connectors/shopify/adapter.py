"""ShopifyAdapter: OrderSource, PayloadParser, StockSink, ShipmentSink, RefundSource, WebhookVerifier.

Credentials: ``access_token`` (Admin API token, ``shpat_...``), ``shop`` (``name`` or
``name.myshopify.com``; ``base_url`` overrides it), ``app_secret`` (the app's client secret, which
signs webhooks; ``extra['webhook_secret']`` instead for webhooks made in the Shopify admin) and
``extra['location_id']`` (the location whose inventory ``push_stock`` sets).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
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
from huitong.integrations.connectors.shopify import mapping
from huitong.integrations.connectors.shopify.client import CALLS_PER_SECOND, ShopifyClient
from huitong.integrations.connectors.times import iso8601
from huitong.integrations.connectors.webhooks import (
    hmac_sha256_base64,
    hmac_sha256_header_valid,
    webhook_secret,
)

_FULFILLABLE = {"open", "in_progress"}


class ShopifyAdapter:
    # Shopify puts no limit on an updated_at range; this is our own chunk size, so that a long
    # backfill is pulled (and its cursor advanced) in bounded pieces.
    max_window = timedelta(days=7)

    def __init__(
        self,
        credentials: Credentials,
        *,
        per_second: float = CALLS_PER_SECOND,
        sleep: Callable[[float], None] = time.sleep,
        backoff: float = 0.5,
    ):
        self.credentials = credentials
        self.client = ShopifyClient(
            _base_url(credentials),
            credentials.access_token,
            per_second=per_second,
            sleep=sleep,
            backoff=backoff,
        )

    # --- OrderSource ---------------------------------------------------------------------------
    def fetch_orders(self, *, start: datetime, end: datetime) -> Iterator[OrderPage]:
        for number, (orders, has_more) in enumerate(self._raw_pages(start, end), start=1):
            yield OrderPage(tuple(mapping.map_order(o) for o in orders), number, has_more)

    def fetch_order(self, order_id: str) -> PlatformOrder:
        return mapping.map_order(self.client.get_order(order_id))

    # --- RefundSource --------------------------------------------------------------------------
    def fetch_refunds(self, *, start: datetime, end: datetime) -> Iterator[list[PlatformRefund]]:
        """Refunds of the orders updated in [start, end) (a refund, or a change of its transaction,
        updates its order). Shopify has no refund search; the ingest de-duplicates by refund id."""
        for orders, _ in self._raw_pages(start, end):
            refunds = [refund for order in orders for refund in mapping.map_refunds(order)]
            if refunds:
                yield refunds

    # --- PayloadParser -------------------------------------------------------------------------
    def parse_payload(self, payload: Mapping[str, Any]) -> list[PlatformOrder]:
        return [mapping.map_order(order) for order in mapping.orders_in_payload(payload)]

    # --- WebhookVerifier -----------------------------------------------------------------------
    def verify_webhook(self, *, headers: Mapping[str, str], body: bytes) -> bool:
        """``X-Shopify-Hmac-Sha256`` = base64(HMAC-SHA256(secret, raw body))."""
        secret = webhook_secret(self.credentials, platform="Shopify")
        return hmac_sha256_header_valid(secret, headers=headers, body=body, header="x-shopify-hmac-sha256")

    # --- StockSink -----------------------------------------------------------------------------
    def push_stock(self, updates: Sequence[StockUpdate]) -> None:
        """Sets ``available`` at the store's location; ``sku_id`` is the variant's inventory_item_id."""
        location = _int(self.credentials.extra.get("location_id"), "credentials extra['location_id']")
        for update in updates:
            item = _int(
                update.sku_id, f"inventory_item_id (sku_id) of {update.merchant_code or update.item_id}"
            )
            self.client.set_inventory_level(
                location_id=location, inventory_item_id=item, available=update.quantity
            )

    # --- ShipmentSink --------------------------------------------------------------------------
    def confirm_shipment(self, *, order_id: str, carrier_code: str, waybill_no: str) -> None:
        """Fulfils every open fulfillment order of the order with the tracking number, one
        fulfillment per assigned location (Shopify refuses to mix locations in one)."""
        company = mapping.tracking_company(carrier_code)
        if not waybill_no.strip():
            raise ConnectorError("a shipment needs a waybill number")
        fulfillable = [
            fo
            for fo in self.client.fulfillment_orders(order_id)
            if fo.get("status") in _FULFILLABLE
            and "create_fulfillment" in (fo.get("supported_actions") or ())
        ]
        if not fulfillable:
            if self._already_shipped(order_id, waybill_no):
                return  # a retry of a confirmation that went through
            raise ConnectorError(
                f"Shopify order {order_id} has nothing left to fulfil", code="nothing_to_fulfil"
            )
        by_location: dict[Any, list[Mapping[str, Any]]] = {}
        for fo in fulfillable:
            by_location.setdefault(fo.get("assigned_location_id"), []).append(fo)
        for group in by_location.values():
            self.client.create_fulfillment(
                {
                    "line_items_by_fulfillment_order": [{"fulfillment_order_id": fo["id"]} for fo in group],
                    "tracking_info": {"number": waybill_no, "company": company},
                    "notify_customer": True,
                }
            )

    # --- internals -----------------------------------------------------------------------------
    def _raw_pages(self, start: datetime, end: datetime) -> Iterator[tuple[list[Mapping[str, Any]], bool]]:
        """Raw orders updated in [start, end), window by window, page by page: (orders, more_follow)."""
        naive = "fetch windows must be tz-aware datetimes"
        windows = split_window(start, end, self.max_window, naive=naive, refuse_backwards=True)
        return across_windows(windows, self._window_pages)

    def _window_pages(
        self, lower: datetime, upper: datetime
    ) -> Iterator[tuple[list[Mapping[str, Any]], bool]]:
        for orders, has_next in self.client.iter_orders(updated_at_min=lower, updated_at_max=upper):
            # Shopify's bounds are both inclusive: drop updated_at == upper (the next window has it).
            yield [o for o in orders if lower <= _updated_at(o) < upper], has_next

    def _already_shipped(self, order_id: str, waybill_no: str) -> bool:
        for fulfillment in self.client.get_order(order_id).get("fulfillments") or ():
            numbers = {fulfillment.get("tracking_number"), *(fulfillment.get("tracking_numbers") or ())}
            if fulfillment.get("status") == "success" and waybill_no in numbers:
                return True
        return False


webhook_signature = hmac_sha256_base64  # what X-Shopify-Hmac-Sha256 carries for a body


def _updated_at(order: Mapping[str, Any]) -> datetime:
    moment = iso8601(order.get("updated_at"), field=f"order {order.get('id')} updated_at")
    if moment is None:
        raise ConnectorError(f"Shopify order {order.get('id')}: no updated_at")
    return moment


def _base_url(credentials: Credentials) -> str:
    if credentials.base_url:
        return credentials.base_url
    shop = credentials.shop.strip().removeprefix("https://").rstrip("/")
    if not shop:
        raise ConnectorError("no Shopify shop domain configured for this store")
    return f"https://{shop if '.' in shop else shop + '.myshopify.com'}"


def _int(value: Any, what: str) -> int:
    text = str(value or "").strip()
    if not text.isdigit():
        raise ConnectorError(f"{what}: not a Shopify id: {value!r}")
    return int(text)
