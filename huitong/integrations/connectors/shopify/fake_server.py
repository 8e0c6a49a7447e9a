"""A local Shopify Admin REST API 2024-10 for the connector tests.

It speaks Shopify's wire format: ``X-Shopify-Access-Token`` auth (401 ``{"errors": "[API] Invalid
API key or access token ..."}`` otherwise), ``{"orders": [...]}`` / ``{"order": {...}}`` bodies,
cursor paging through the ``Link`` header (``page_info`` refuses other filters), the
``X-Shopify-Shop-Api-Call-Limit`` header, 429 + ``Retry-After`` throttling on demand, fulfillment
orders and fulfillments, and inventory levels. Orders live in memory and change over time
(``advance``); every change moves ``updated_at``, so the next incremental pull sees it again.

Shopify sets no maximum on an ``updated_at`` range, so this fake enforces none either.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from huitong.integrations.connectors.fake_server import FakePlatform, FakeRequest, FakeResponse

VERSION = "2024-10"
SHOP_TZ = ZoneInfo("Asia/Shanghai")  # Shopify renders times in the shop's zone, with its offset
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
THROTTLED = (
    "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."
)
_ROUTE = re.compile(r"^/admin/api/(?P<version>[^/]+)/(?P<resource>.+)$")


def shop_time(moment: datetime) -> str:
    return moment.astimezone(SHOP_TZ).isoformat(timespec="seconds")


def make_order(
    order_id: int,
    *,
    updated_at: datetime,
    created_at: datetime | None = None,
    financial_status: str = "paid",
    currency: str = "CNY",
    lines: list[tuple[str, int, str]] | None = None,
    shipping: str = "10.00",
) -> dict[str, Any]:
    """A Shopify order in the REST shape; ``lines`` are (sku, quantity, unit price)."""
    created = created_at or updated_at
    lines = lines or [("HT-TEA-250", 2, "88.80")]
    line_items = [
        {
            "id": order_id * 10 + i,
            "admin_graphql_api_id": f"gid://shopify/LineItem/{order_id * 10 + i}",
            "product_id": 7000 + i,
            "variant_id": 8000 + i,
            "sku": sku,
            "title": f"Product {sku}",
            "name": f"Product {sku} - Default",
            "variant_title": "Default",
            "quantity": qty,
            "price": price,
            "fulfillable_quantity": qty,
            "fulfillment_status": None,
            "requires_shipping": True,
            "discount_allocations": [],
            "total_discount": "0.00",
        }
        for i, (sku, qty, price) in enumerate(lines, start=1)
    ]
    subtotal = sum(_cents(price) * qty for _, qty, price in lines)
    return {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": f"#{order_id % 100000}",
        "order_number": order_id % 100000,
        "email": "buyer@example.com",
        "phone": None,
        "created_at": shop_time(created),
        "updated_at": shop_time(updated_at),
        "processed_at": shop_time(created),
        "closed_at": None,
        "cancelled_at": None,
        "cancel_reason": None,
        "currency": currency,
        "presentment_currency": currency,
        "financial_status": financial_status,
        "fulfillment_status": None,
        "taxes_included": True,
        "subtotal_price": _text(subtotal),
        "total_discounts": "0.00",
        "total_tax": "0.00",
        "total_price": _text(subtotal + _cents(shipping)),
        "note": "请用礼盒包装",
        "tags": "",
        "customer": {
            "id": 6200000000 + order_id % 1000,
            "email": "buyer@example.com",
            "first_name": "San",
            "last_name": "Zhang",
        },
        "shipping_address": {
            "name": "张**",
            "first_name": "三",
            "last_name": "张",
            "phone": "138****0000",
            "province": "Zhejiang",
            "province_code": "ZJ",
            "city": "Hangzhou",
            "address1": "文三路 1 号",
            "address2": "2 单元",
            "zip": "310000",
            "country": "China",
            "country_code": "CN",
        },
        "line_items": line_items,
        "shipping_lines": [
            {
                "id": order_id * 10,
                "title": "Standard",
                "code": "Standard",
                "price": shipping,
                "discounted_price": shipping,
                "discount_allocations": [],
            }
        ],
        "fulfillments": [],
        "refunds": [],
    }


class FakeShopify(FakePlatform):
    def __init__(self, *, token: str = "shpat_test_token", location_id: int = 655441491):
        super().__init__()
        self.token = token
        self.location_id = location_id
        self._start_afresh()

    def _start_afresh(self) -> None:
        self.now = datetime.now(UTC)  # the clock for changes made through the API
        self.bucket_used = 1  # what X-Shopify-Shop-Api-Call-Limit reports (of 40)
        self.orders: dict[int, dict[str, Any]] = {}
        self.fulfillment_orders: dict[int, list[dict[str, Any]]] = {}
        self.inventory_levels: dict[tuple[int, int], int] = {}
        self.stock_pushes: list[dict[str, Any]] = []
        self.fulfillment_requests: list[dict[str, Any]] = []
        self._ids = itertools.count(9_100_000_000)

    # --- test controls -------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to a new shop: no orders, inventory or recordings, the clock and the call bucket as at
        the start, no requests or pending failures (one server, many tests)."""
        super().reset()
        with self._lock:
            self._start_afresh()

    def add_order(self, order: dict[str, Any]) -> dict[str, Any]:
        order = copy.deepcopy(order)
        self.orders[order["id"]] = order
        self.fulfillment_orders[order["id"]] = [
            {
                "id": next(self._ids),
                "order_id": order["id"],
                "assigned_location_id": self.location_id,
                "status": "open",
                "request_status": "unsubmitted",
                "supported_actions": ["create_fulfillment", "hold", "move"],
                "line_items": [
                    {
                        "id": next(self._ids),
                        "line_item_id": li["id"],
                        "variant_id": li["variant_id"],
                        "quantity": li["quantity"],
                        "fulfillable_quantity": li["quantity"],
                    }
                    for li in order["line_items"]
                ],
            }
        ]
        return order

    def throttle_next(self, count: int = 1, *, retry_after: str = "2.0") -> None:
        self.inject(
            FakeResponse(
                429,
                {"errors": THROTTLED},
                {"Retry-After": retry_after, "X-Shopify-Shop-Api-Call-Limit": "40/40"},
            ),
            count,
        )

    def advance(self, order_id: int, event: str, *, at: datetime, **details: Any) -> dict[str, Any]:
        """Change an order as the shop would: ``paid``, ``shipped`` (fulfilled elsewhere; ``company``,
        ``number``), ``closed`` (archived), ``refunded``, ``cancelled``. ``updated_at`` moves to ``at``."""
        with self._lock:
            order = self.orders[order_id]
            if event == "paid":
                order["financial_status"] = "paid"
            elif event == "shipped":
                self._fulfil(
                    order, details.get("company", "SF Express"), details.get("number", "SF1000000001"), at
                )
            elif event == "closed":
                order["closed_at"] = shop_time(at)
            elif event == "refunded":
                self._refund(order, at, details.get("status", "success"))
            elif event == "cancelled":
                order["cancelled_at"], order["cancel_reason"] = shop_time(at), "customer"
                if order["financial_status"] in ("pending", "authorized"):
                    order["financial_status"] = "voided"
                else:
                    self._refund(order, at, "success")
            else:
                raise ValueError(f"unknown event {event!r}")
            order["updated_at"] = shop_time(at)
            return copy.deepcopy(order)

    # --- the API -------------------------------------------------------------------------------
    def handle(self, request: FakeRequest) -> FakeResponse:
        route = _ROUTE.match(request.path)
        if not route or route["version"] != VERSION:
            return FakeResponse(404, {"errors": "Not Found"})
        if request.headers.get("x-shopify-access-token") != self.token:
            return FakeResponse(401, {"errors": INVALID_TOKEN})
        with self._lock:
            response = self._route(request, route["resource"])
        response.headers.setdefault("X-Shopify-Shop-Api-Call-Limit", f"{self.bucket_used}/40")
        response.headers.setdefault("X-Shopify-API-Version", VERSION)
        return response

    def _route(self, request: FakeRequest, resource: str) -> FakeResponse:
        if request.method == "GET" and resource == "orders.json":
            return self._list_orders(request)
        if request.method == "POST" and resource == "fulfillments.json":
            return self._create_fulfillment(request.json() or {})
        if request.method == "POST" and resource == "inventory_levels/set.json":
            return self._set_inventory(request.json() or {})
        if match := re.fullmatch(r"orders/(\d+)(/fulfillment_orders)?\.json", resource):
            order = self.orders.get(int(match[1]))
            if order is None or request.method != "GET":
                return FakeResponse(404, {"errors": "Not Found"})
            if match[2]:
                return FakeResponse(
                    200, {"fulfillment_orders": copy.deepcopy(self.fulfillment_orders[order["id"]])}
                )
            return FakeResponse(200, {"order": copy.deepcopy(order)})
        return FakeResponse(404, {"errors": "Not Found"})

    def _list_orders(self, request: FakeRequest) -> FakeResponse:
        query = dict(request.query)
        limit = int(query.get("limit") or 50)
        if not 1 <= limit <= 250:
            return FakeResponse(400, {"errors": {"limit": "Limit must be between 1 and 250"}})
        if "page_info" in query:
            extra = sorted(set(query) - {"page_info", "limit", "fields"})
            if extra:
                return FakeResponse(
                    400, {"errors": {k: f"{k} cannot be passed when page_info is present." for k in extra}}
                )
            cursor = json.loads(base64.urlsafe_b64decode(query["page_info"]))
            filters, after_id = cursor["filters"], cursor["last_id"]
        else:
            filters = {k: query[k] for k in ("status", "updated_at_min", "updated_at_max") if k in query}
            after_id = None
        try:
            found = [o for o in self._matching(filters) if after_id is None or o["id"] < after_id]
        except ValueError as exc:
            return FakeResponse(400, {"errors": {"updated_at": str(exc)}})
        page, more = found[:limit], len(found) > limit
        headers = {}
        if more:
            token = base64.urlsafe_b64encode(
                json.dumps({"filters": filters, "last_id": page[-1]["id"], "direction": "next"}).encode()
            ).decode()
            host = request.headers.get("host", "127.0.0.1")
            headers["Link"] = (
                f'<http://{host}/admin/api/{VERSION}/orders.json?limit={limit}&page_info={token}>; rel="next"'
            )
        return FakeResponse(200, {"orders": copy.deepcopy(page)}, headers)

    def _matching(self, filters: dict[str, str]) -> list[dict[str, Any]]:
        low = _parse(filters.get("updated_at_min"))
        high = _parse(filters.get("updated_at_max"))
        status = filters.get("status", "open")
        chosen = []
        for order in sorted(self.orders.values(), key=lambda o: o["id"], reverse=True):  # newest id first
            updated = _parse(order["updated_at"])
            if (low and updated < low) or (high and updated > high):
                continue
            is_open = not order["closed_at"] and not order["cancelled_at"]
            if (
                status == "any"
                or (status == "open" and is_open)
                or (status == "closed" and order["closed_at"])
                or (status == "cancelled" and order["cancelled_at"])
            ):
                chosen.append(order)
        return chosen

    def _create_fulfillment(self, body: dict[str, Any]) -> FakeResponse:
        spec = body.get("fulfillment") or {}
        wanted = [g.get("fulfillment_order_id") for g in spec.get("line_items_by_fulfillment_order") or ()]
        if not wanted:
            return FakeResponse(400, {"errors": {"fulfillment": "Required parameter missing or invalid"}})
        chosen = [fo for fos in self.fulfillment_orders.values() for fo in fos if fo["id"] in wanted]
        if len(chosen) != len(wanted):
            return FakeResponse(404, {"errors": "Not Found"})
        if len({fo["assigned_location_id"] for fo in chosen}) > 1:
            return FakeResponse(
                422, {"errors": ["All fulfillment orders must be assigned to the same location."]}
            )
        closed = [fo["id"] for fo in chosen if fo["status"] not in ("open", "in_progress")]
        if closed:
            return FakeResponse(
                422, {"errors": [f"Fulfillment order {closed[0]} has an unfulfillable status= closed."]}
            )
        self.fulfillment_requests.append(copy.deepcopy(spec))
        tracking = spec.get("tracking_info") or {}
        order = self.orders[chosen[0]["order_id"]]
        fulfillment = self._fulfil(order, tracking.get("company"), tracking.get("number"), self.now)
        order["updated_at"] = shop_time(self.now)
        return FakeResponse(201, {"fulfillment": copy.deepcopy(fulfillment)})

    def _set_inventory(self, body: dict[str, Any]) -> FakeResponse:
        missing = [
            k for k in ("location_id", "inventory_item_id", "available") if not isinstance(body.get(k), int)
        ]
        if missing:
            return FakeResponse(400, {"errors": {missing[0]: "Required parameter missing or invalid"}})
        if body["location_id"] != self.location_id:
            return FakeResponse(422, {"errors": ["Inventory item is not stocked at the location"]})
        self.stock_pushes.append(dict(body))
        self.inventory_levels[(body["location_id"], body["inventory_item_id"])] = body["available"]
        return FakeResponse(
            200,
            {
                "inventory_level": {
                    "inventory_item_id": body["inventory_item_id"],
                    "location_id": body["location_id"],
                    "available": body["available"],
                    "updated_at": shop_time(self.now),
                    "admin_graphql_api_id": f"gid://shopify/InventoryLevel/{body['location_id']}"
                    f"?inventory_item_id={body['inventory_item_id']}",
                }
            },
        )

    # --- order changes -------------------------------------------------------------------------
    def _fulfil(self, order: dict[str, Any], company: str | None, number: str | None, at: datetime) -> dict:
        fulfillment = {
            "id": next(self._ids),
            "order_id": order["id"],
            "status": "success",
            "shipment_status": None,
            "created_at": shop_time(at),
            "updated_at": shop_time(at),
            "location_id": self.location_id,
            "tracking_company": company,
            "tracking_number": number,
            "tracking_numbers": [number] if number else [],
            "tracking_url": None,
            "tracking_urls": [],
            "name": f"{order['name']}.{len(order['fulfillments']) + 1}",
            "line_items": copy.deepcopy(order["line_items"]),
        }
        order["fulfillments"].append(fulfillment)
        order["fulfillment_status"] = "fulfilled"
        for fo in self.fulfillment_orders.get(order["id"], ()):
            fo["status"], fo["supported_actions"] = "closed", []
        return fulfillment

    def _refund(self, order: dict[str, Any], at: datetime, status: str) -> None:
        order["refunds"].append(
            {
                "id": next(self._ids),
                "order_id": order["id"],
                "created_at": shop_time(at),
                "processed_at": shop_time(at),
                "note": "buyer changed their mind",
                "restock": True,
                "refund_line_items": [
                    {
                        "id": next(self._ids),
                        "line_item_id": li["id"],
                        "quantity": li["quantity"],
                        "restock_type": "cancel",
                        "subtotal": li["price"],
                        "total_tax": "0.00",
                    }
                    for li in order["line_items"]
                ],
                "transactions": [
                    {
                        "id": next(self._ids),
                        "order_id": order["id"],
                        "kind": "refund",
                        "status": status,
                        "amount": order["total_price"],
                        "currency": order["currency"],
                        "gateway": "shopify_payments",
                        "created_at": shop_time(at),
                    }
                ],
                "order_adjustments": [],
            }
        )
        if status == "success":
            order["financial_status"] = "refunded"


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no offset")
    return moment


def _cents(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def _text(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"
