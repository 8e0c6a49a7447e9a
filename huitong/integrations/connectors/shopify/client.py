"""Shopify Admin REST API 2024-10 over HTTP.

- Auth: the store's Admin API access token in ``X-Shopify-Access-Token`` (no request signing).
- Paging: cursor based. The first request carries the filters; each answer's ``Link`` header has
  ``<...page_info=...>; rel="next"`` while more pages exist, and a request with ``page_info`` may
  carry only ``limit`` and ``fields`` (the cursor holds the filters; Shopify answers 400 otherwise).
- Rate limit: a leaky bucket per app and store (40 calls, leaking 2 per second; 80/4 on Plus).
  Every answer reports the bucket in ``X-Shopify-Shop-Api-Call-Limit: 32/40``; an overflow is a 429
  with ``Retry-After``, which ``HttpClient`` honours. We also pause when the bucket is nearly full.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from huitong.integrations.connectors.base import ConnectorError
from huitong.integrations.connectors.http import HttpClient
from huitong.integrations.connectors.payloads import numeric_id

API_VERSION = "2024-10"
PAGE_LIMIT = 250  # Shopify's maximum for orders.json
CALLS_PER_SECOND = 2.0  # the standard bucket's leak rate
_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class ShopifyClient:
    def __init__(
        self,
        base_url: str,
        access_token: str,
        *,
        per_second: float = CALLS_PER_SECOND,
        sleep: Callable[[float], None] = time.sleep,
        backoff: float = 0.5,
        retries: int = 4,
    ):
        if not access_token:
            raise ConnectorError("no Shopify Admin API access token configured for this store")
        self.http = HttpClient(base_url, per_second=per_second, sleep=sleep, backoff=backoff, retries=retries)
        self.headers = {"X-Shopify-Access-Token": access_token, "Accept": "application/json"}
        self.sleep = sleep
        self.page_limit = PAGE_LIMIT

    # --- endpoints ---------------------------------------------------------------------------
    def iter_orders(
        self, *, updated_at_min: datetime, updated_at_max: datetime
    ) -> Iterator[tuple[list[Mapping[str, Any]], bool]]:
        """Orders with ``updated_at_min <= updated_at <= updated_at_max`` (both inclusive), any
        status, page by page: yields (orders, has_next_page)."""
        params: dict[str, Any] = {
            "status": "any",
            "updated_at_min": query_time(updated_at_min),
            "updated_at_max": query_time(updated_at_max),
            "limit": self.page_limit,
        }
        while True:
            response = self.call("GET", "orders.json", params=params)
            orders = _field(response, "orders", list)
            page_info = next_page_info(response.headers.get("Link"))
            yield orders, page_info is not None
            if page_info is None:
                return
            params = {"limit": self.page_limit, "page_info": page_info}

    def get_order(self, order_id: str) -> Mapping[str, Any]:
        return _field(self.call("GET", f"orders/{_numeric(order_id)}.json"), "order", dict)

    def fulfillment_orders(self, order_id: str) -> list[Mapping[str, Any]]:
        response = self.call("GET", f"orders/{_numeric(order_id)}/fulfillment_orders.json")
        return _field(response, "fulfillment_orders", list)

    def create_fulfillment(self, fulfillment: Mapping[str, Any]) -> Mapping[str, Any]:
        response = self.call("POST", "fulfillments.json", json={"fulfillment": dict(fulfillment)})
        return _field(response, "fulfillment", dict)

    def set_inventory_level(
        self, *, location_id: int, inventory_item_id: int, available: int
    ) -> Mapping[str, Any]:
        body = {"location_id": location_id, "inventory_item_id": inventory_item_id, "available": available}
        return _field(self.call("POST", "inventory_levels/set.json", json=body), "inventory_level", dict)

    # --- transport ---------------------------------------------------------------------------
    def call(
        self, method: str, resource: str, *, params: Mapping[str, Any] | None = None, json: Any = None
    ) -> requests.Response:
        response = self.http.request(
            method, f"/admin/api/{API_VERSION}/{resource}", params=params, json=json, headers=self.headers
        )
        self._respect_bucket(response)
        return response

    def _respect_bucket(self, response: requests.Response) -> None:
        used, _, size = (response.headers.get("X-Shopify-Shop-Api-Call-Limit") or "").partition("/")
        if used.isdigit() and size.isdigit() and int(used) >= int(size) - 2:
            self.sleep(2 / CALLS_PER_SECOND)  # let two calls leak out before the bucket overflows


def query_time(moment: datetime) -> str:
    """ISO 8601 with offset, as Shopify's ``*_min``/``*_max`` filters take it."""
    if moment.tzinfo is None:
        raise ConnectorError(f"naive datetime {moment!r}: connector times must be tz-aware")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def next_page_info(link_header: str | None) -> str | None:
    """The ``page_info`` cursor of the ``rel="next"`` link, if there is a next page."""
    match = _NEXT_LINK.search(link_header or "")
    if not match:
        return None
    cursor = parse_qs(urlsplit(match.group(1)).query).get("page_info")
    if not cursor:
        raise ConnectorError(f"Shopify Link header without page_info: {link_header!r}")
    return cursor[0]


def _field(response: requests.Response, key: str, kind: type) -> Any:
    try:
        body = response.json()
    except ValueError as exc:
        raise ConnectorError(
            f"Shopify answered with something that is not JSON: {response.text[:200]!r}"
        ) from exc
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, kind):
        raise ConnectorError(f"Shopify answer without {key!r}: {str(body)[:200]}", payload=body)
    return value


_numeric = partial(numeric_id, platform="Shopify")
