"""WooCommerce REST API v3 (``/wp-json/wc/v3``) over HTTP.

- Auth: the REST API key pair (``ck_...``/``cs_...``) as HTTP Basic credentials, which WooCommerce
  accepts over HTTPS only (over plain HTTP it wants OAuth 1.0a signatures, not implemented here).
- Paging: ``page``/``per_page`` (at most 100) with the totals in ``X-WP-Total`` and
  ``X-WP-TotalPages``. Date filters are exclusive on both ends (``>``/``<``, to the second) and are
  read as GMT with ``dates_are_gmt=true``.
- Offset paging shifts when an order in the result set changes mid-pull (it leaves the window, or
  moves to its end): every later order moves up a place and one would be skipped. The client
  watches ``X-WP-Total`` and restarts the listing when it changes, skipping what it already gave.
- Rate limits: none in WooCommerce core; hosts and CDNs answer 429/503, which ``HttpClient`` retries.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import requests

from huitong.integrations.connectors.base import ConnectorError
from huitong.integrations.connectors.http import HttpClient
from huitong.integrations.connectors.payloads import numeric_id

API_ROOT = "/wp-json/wc/v3"
PER_PAGE = 100  # WooCommerce's maximum
MAX_RESTARTS = 3
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class WooCommerceClient:
    def __init__(
        self,
        base_url: str,
        consumer_key: str,
        consumer_secret: str,
        *,
        per_second: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        backoff: float = 0.5,
        retries: int = 4,
    ):
        if not consumer_key or not consumer_secret:
            raise ConnectorError("no WooCommerce consumer key/secret configured for this store")
        split = urlsplit(base_url)
        if split.scheme != "https" and split.hostname not in _LOCAL_HOSTS:
            raise ConnectorError(
                "WooCommerce takes consumer keys by HTTP Basic auth only over HTTPS: "
                f"use an https:// site URL, not {base_url!r}"
            )
        self.http = HttpClient(base_url, per_second=per_second, sleep=sleep, backoff=backoff, retries=retries)
        self.http.session.auth = (consumer_key, consumer_secret)
        self.per_page = PER_PAGE

    # --- endpoints ---------------------------------------------------------------------------
    def iter_orders(
        self, *, after: datetime, before: datetime
    ) -> Iterator[tuple[list[Mapping[str, Any]], bool]]:
        """Orders of any status (trash excepted) modified in (after, before), oldest change first:
        yields (orders, has_next_page)."""
        params = {
            "modified_after": gmt_text(after),
            "modified_before": gmt_text(before),
            "dates_are_gmt": "true",
            "orderby": "modified",
            "order": "asc",
            "status": "any",
        }
        return self._pages("orders", params)

    def iter_refunds(
        self, *, after: datetime, before: datetime
    ) -> Iterator[tuple[list[Mapping[str, Any]], bool]]:
        """Refunds created in (after, before), across orders (``GET /refunds``, WooCommerce 9.0+)."""
        params = {
            "after": gmt_text(after),
            "before": gmt_text(before),
            "dates_are_gmt": "true",
            "orderby": "date",
            "order": "asc",
        }
        return self._pages("refunds", params)

    def get_order(self, order_id: str) -> Mapping[str, Any]:
        return _object(self.call("GET", f"orders/{_numeric(order_id)}"))

    def update_order(self, order_id: str, changes: Mapping[str, Any]) -> Mapping[str, Any]:
        return _object(self.call("PUT", f"orders/{_numeric(order_id)}", json=dict(changes)))

    def update_stock(self, *, product_id: str, variation_id: str, quantity: int) -> Mapping[str, Any]:
        path = f"products/{_numeric(product_id)}"
        if variation_id:
            path += f"/variations/{_numeric(variation_id)}"
        return _object(self.call("PUT", path, json={"manage_stock": True, "stock_quantity": quantity}))

    # --- transport ---------------------------------------------------------------------------
    def call(
        self, method: str, resource: str, *, params: Mapping[str, Any] | None = None, json: Any = None
    ) -> requests.Response:
        return self.http.request(
            method, f"{API_ROOT}/{resource}", params=params, json=json, headers={"Accept": "application/json"}
        )

    def _pages(
        self, resource: str, filters: Mapping[str, Any]
    ) -> Iterator[tuple[list[Mapping[str, Any]], bool]]:
        seen: set[tuple[Any, Any]] = set()
        restarts, page, total = 0, 1, None
        while True:
            response = self.call("GET", resource, params={**filters, "per_page": self.per_page, "page": page})
            items = _array(response)
            now_total, pages = _totals(response, page=page, count=len(items), per_page=self.per_page)
            if total is not None and now_total != total and restarts < MAX_RESTARTS:
                restarts, page, total = restarts + 1, 1, None  # the result set moved under us
                continue
            total = now_total
            fresh = [i for i in items if (i.get("id"), i.get("date_modified_gmt")) not in seen]
            seen.update((i.get("id"), i.get("date_modified_gmt")) for i in fresh)
            yield fresh, page < pages
            if page >= pages:
                return
            page += 1


def gmt_text(moment: datetime) -> str:
    """A naive GMT timestamp to the second, as WooCommerce's date filters take it with dates_are_gmt."""
    if moment.tzinfo is None:
        raise ConnectorError(f"naive datetime {moment!r}: connector times must be tz-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def exclusive_bounds(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """WooCommerce's ``*_after``/``*_before`` are strict and to the second: widen [start, end) to the
    open interval that contains it (the caller filters the extra second away)."""
    after = start.replace(microsecond=0) - timedelta(seconds=1)
    before = end if end.microsecond == 0 else end.replace(microsecond=0) + timedelta(seconds=1)
    return after, before


def _totals(response: requests.Response, *, page: int, count: int, per_page: int) -> tuple[int | None, int]:
    """(X-WP-Total, X-WP-TotalPages); when a proxy dropped them, a full page means another may follow."""
    try:
        return int(response.headers["X-WP-Total"]), int(response.headers["X-WP-TotalPages"])
    except (KeyError, ValueError):
        return None, page + 1 if count == per_page else page


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise ConnectorError(
            f"WooCommerce answered with something that is not JSON: {response.text[:200]!r}"
        ) from exc


def _array(response: requests.Response) -> list[Mapping[str, Any]]:
    body = _json(response)
    if not isinstance(body, list):
        raise ConnectorError(f"WooCommerce listing is not a JSON array: {str(body)[:200]}", payload=body)
    return body


def _object(response: requests.Response) -> Mapping[str, Any]:
    body = _json(response)
    if not isinstance(body, dict) or "id" not in body:
        raise ConnectorError(
            f"WooCommerce answer is not an object with an id: {str(body)[:200]}", payload=body
        )
    return body


_numeric = partial(numeric_id, platform="WooCommerce")
