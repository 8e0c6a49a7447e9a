"""A local WooCommerce REST API v3 for the connector tests.

It behaves like a WooCommerce site served over HTTPS (where consumer keys come as HTTP Basic auth)
in the site zone Asia/Shanghai: ``date_*`` fields are site-local, ``*_gmt`` fields UTC, and the
``modified_after``/``modified_before`` filters compare with the local column unless
``dates_are_gmt=true``, strictly (``>``/``<``) as WP_Date_Query does. Listings are bare JSON arrays
with ``X-WP-Total``/``X-WP-TotalPages``/``Link``; errors are ``{"code", "message", "data":
{"status"}}`` with WooCommerce's codes. Orders live in memory and change over time (``advance``);
every change moves ``date_modified``. ``PUT`` of orders and products is recorded.

WooCommerce sets no maximum on a date range, so this fake enforces none either.
"""

from __future__ import annotations

import base64
import copy
import itertools
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from huitong.integrations.connectors.fake_server import FakePlatform, FakeRequest, FakeResponse

API_ROOT = "/wp-json/wc/v3/"
SITE_TZ = ZoneInfo("Asia/Shanghai")
STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
    "trash",
)
ORDERBY = ("date", "id", "include", "title", "slug", "modified")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}(:?\d{2})?)?$")


def local_text(moment: datetime) -> str:
    return moment.astimezone(SITE_TZ).strftime("%Y-%m-%dT%H:%M:%S")


def gmt_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def error(status: int, code: str, message: str, **data: Any) -> FakeResponse:
    return FakeResponse(status, {"code": code, "message": message, "data": {"status": status, **data}})


def make_order(
    order_id: int,
    *,
    modified_at: datetime,
    created_at: datetime | None = None,
    status: str = "processing",
    currency: str = "CNY",
    lines: list[tuple[str, int, str]] | None = None,
    shipping: str = "10.00",
) -> dict[str, Any]:
    """A WooCommerce order in the REST v3 shape; ``lines`` are (sku, quantity, unit price)."""
    created = created_at or modified_at
    lines = lines or [("HT-TEA-250", 2, "88.80")]
    items = []
    for i, (sku, qty, price) in enumerate(lines, start=1):
        line_total = _text(_cents(price) * qty)
        items.append(
            {
                "id": order_id * 10 + i,
                "name": f"Product {sku}",
                "product_id": 300 + i,
                "variation_id": 0,
                "quantity": qty,
                "tax_class": "",
                "subtotal": line_total,
                "subtotal_tax": "0.00",
                "total": line_total,
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [],
                "sku": sku,
                "price": _cents(price) / 100,
                "image": {"id": "", "src": ""},
                "parent_name": None,
            }
        )
    total = sum(_cents(i["total"]) for i in items) + _cents(shipping)
    paid = created if status in ("processing", "completed", "refunded") else None
    return {
        "id": order_id,
        "parent_id": 0,
        "status": status,
        "currency": currency,
        "version": "9.4.2",
        "prices_include_tax": False,
        "date_created": local_text(created),
        "date_modified": local_text(modified_at),
        "discount_total": "0.00",
        "discount_tax": "0.00",
        "shipping_total": shipping,
        "shipping_tax": "0.00",
        "cart_tax": "0.00",
        "total": _text(total),
        "total_tax": "0.00",
        "customer_id": 12,
        "order_key": f"wc_order_{order_id:013d}",
        "billing": {
            "first_name": "三",
            "last_name": "张",
            "company": "",
            "address_1": "文三路 1 号",
            "address_2": "",
            "city": "杭州市",
            "state": "CN13",
            "postcode": "310012",
            "country": "CN",
            "email": "zhang.san@example.com",
            "phone": "13800000000",
        },
        "shipping": {
            "first_name": "三",
            "last_name": "张",
            "company": "",
            "address_1": "文三路 1 号",
            "address_2": "2 单元 301",
            "city": "杭州市",
            "state": "CN13",
            "postcode": "310012",
            "country": "CN",
            "phone": "138****0000",
        },
        "payment_method": "alipay",
        "payment_method_title": "支付宝",
        "transaction_id": "",
        "customer_ip_address": "203.0.113.7",
        "customer_user_agent": "Mozilla/5.0",
        "created_via": "checkout",
        "customer_note": "",
        "date_completed": None,
        "date_paid": local_text(paid) if paid else None,
        "cart_hash": "",
        "number": str(order_id),
        "meta_data": [],
        "line_items": items,
        "tax_lines": [],
        "shipping_lines": [
            {
                "id": order_id * 10,
                "method_title": "顺丰速运",
                "method_id": "flat_rate",
                "instance_id": "1",
                "total": shipping,
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [],
            }
        ],
        "fee_lines": [],
        "coupon_lines": [],
        "refunds": [],
        "payment_url": "",
        "is_editable": False,
        "needs_payment": status == "pending",
        "needs_processing": True,
        "date_created_gmt": gmt_text(created),
        "date_modified_gmt": gmt_text(modified_at),
        "date_completed_gmt": None,
        "date_paid_gmt": gmt_text(paid) if paid else None,
        "currency_symbol": "¥",
    }


class FakeWooCommerce(FakePlatform):
    def __init__(self, *, consumer_key: str = "ck_test", consumer_secret: str = "cs_test"):
        super().__init__()
        self.consumer_key, self.consumer_secret = consumer_key, consumer_secret
        self._start_afresh()

    def _start_afresh(self) -> None:
        self.permissions = "read_write"
        self.now = datetime.now(UTC)  # the clock for changes made through the API
        self.orders: dict[int, dict[str, Any]] = {}
        self.refunds: list[dict[str, Any]] = []
        self.products: dict[int, set[int]] = {}  # product id → its variation ids
        self.order_updates: list[tuple[int, dict[str, Any]]] = []
        self.stock_updates: list[dict[str, Any]] = []
        self.after_request: Callable[[FakeRequest], None] | None = None
        self._ids = itertools.count(90_000)

    # --- test controls -------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to a new site: no orders, refunds, products or recordings, read/write keys, the clock
        as at the start, no request hook, requests or pending failures (one server, many tests)."""
        super().reset()
        with self._lock:
            self._start_afresh()

    def add_order(self, order: dict[str, Any]) -> None:
        self.orders[order["id"]] = copy.deepcopy(order)

    def add_product(self, product_id: int, variations: tuple[int, ...] = ()) -> None:
        self.products[product_id] = set(variations)

    def advance(self, order_id: int, status: str, *, at: datetime, **details: Any) -> dict[str, Any]:
        """Move an order to ``status`` as the shop would (``completed`` may carry ``tracking=(provider,
        number)``: shipped elsewhere; ``refunded`` creates the refund). ``date_modified`` moves to ``at``."""
        with self._lock:
            order = self.orders[order_id]
            order["status"] = status
            if status == "processing" and not order["date_paid"]:
                order["date_paid"], order["date_paid_gmt"] = local_text(at), gmt_text(at)
            if status == "completed":
                order["date_completed"], order["date_completed_gmt"] = local_text(at), gmt_text(at)
                if "tracking" in details:
                    provider, number = details["tracking"]
                    self._add_tracking(order, provider, number, at)
            if status == "refunded":
                self._refund(order, at, gateway=details.get("gateway", True))
            order["date_modified"], order["date_modified_gmt"] = local_text(at), gmt_text(at)
            return copy.deepcopy(order)

    # --- the API -------------------------------------------------------------------------------
    def handle(self, request: FakeRequest) -> FakeResponse:
        if not request.path.startswith(API_ROOT):
            return error(404, "rest_no_route", "No route was found matching the URL and request method.")
        refused = self._authenticate(request)
        if refused:
            return refused
        with self._lock:
            response = self._route(request, request.path[len(API_ROOT) :].strip("/"))
        if self.after_request:
            self.after_request(request)
        return response

    def _authenticate(self, request: FakeRequest) -> FakeResponse | None:
        key = secret = None
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            key, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        elif "consumer_key" in request.query:
            key, secret = request.query["consumer_key"], request.query.get("consumer_secret", "")
        if key is None:
            if request.method == "GET":
                return error(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
            return error(
                401, "woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."
            )
        if key != self.consumer_key:
            return error(401, "woocommerce_rest_authentication_error", "Consumer key is invalid.")
        if secret != self.consumer_secret:
            return error(401, "woocommerce_rest_authentication_error", "Consumer secret is invalid.")
        if request.method != "GET" and self.permissions == "read":
            return error(
                401,
                "woocommerce_rest_authentication_error",
                "The API key provided does not have write permissions.",
            )
        return None

    def _route(self, request: FakeRequest, route: str) -> FakeResponse:
        if route == "orders" and request.method == "GET":
            return self._listing(request, list(self.orders.values()), created="date_created")
        if route == "refunds" and request.method == "GET":
            return self._listing(request, self.refunds, created="date_created")
        if match := re.fullmatch(r"orders/(\d+)", route):
            order = self.orders.get(int(match[1]))
            if order is None:
                return error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
            if request.method == "PUT":
                return self._update_order(order, request.json() or {})
            return FakeResponse(200, copy.deepcopy(order))
        if (
            match := re.fullmatch(r"products/(\d+)(?:/variations/(\d+))?", route)
        ) and request.method == "PUT":
            return self._update_stock(
                int(match[1]), int(match[2]) if match[2] else None, request.json() or {}
            )
        return error(404, "rest_no_route", "No route was found matching the URL and request method.")

    def _listing(self, request: FakeRequest, items: list[dict[str, Any]], *, created: str) -> FakeResponse:
        q = request.query
        problems = _invalid_params(q)
        if problems:
            return error(
                400, "rest_invalid_param", f"Invalid parameter(s): {', '.join(problems)}", params=problems
            )
        gmt = q.get("dates_are_gmt") in ("true", "1")
        suffix = "_gmt" if gmt else ""
        bounds = [
            (f"date_modified{suffix}", ">", "modified_after"),
            (f"date_modified{suffix}", "<", "modified_before"),
            (f"{created}{suffix}", ">", "after"),
            (f"{created}{suffix}", "<", "before"),
        ]
        chosen = [
            i
            for i in items
            if _status_matches(i, q.get("status", "any"))
            and all(_compare(i.get(field), op, q[param], gmt) for field, op, param in bounds if param in q)
        ]
        sort_field = {"modified": "date_modified_gmt", "date": f"{created}_gmt"}.get(q.get("orderby", "date"))
        chosen.sort(
            key=lambda i: (i.get(sort_field) or "", i["id"]) if sort_field else (i["id"],),
            reverse=q.get("order", "desc") == "desc",
        )
        per_page, page = int(q.get("per_page", 10)), int(q.get("page", 1))
        pages = math.ceil(len(chosen) / per_page)
        headers = {"X-WP-Total": str(len(chosen)), "X-WP-TotalPages": str(pages)}
        links = [
            f'<{self._url(request, page + step)}>; rel="{rel}"'
            for step, rel in ((-1, "prev"), (1, "next"))
            if 1 <= page + step <= pages
        ]
        if links:
            headers["Link"] = ", ".join(links)
        return FakeResponse(200, copy.deepcopy(chosen[(page - 1) * per_page : page * per_page]), headers)

    def _update_order(self, order: dict[str, Any], body: dict[str, Any]) -> FakeResponse:
        if "status" in body and body["status"] not in STATUSES[:-1]:
            return error(
                400,
                "rest_invalid_param",
                "Invalid parameter(s): status",
                params={"status": f"status is not one of {', '.join(STATUSES[:-1])}."},
            )
        self.order_updates.append((order["id"], copy.deepcopy(body)))
        if "status" in body:
            order["status"] = body["status"]
            if body["status"] == "completed":
                order["date_completed"], order["date_completed_gmt"] = (
                    local_text(self.now),
                    gmt_text(self.now),
                )
        for meta in body.get("meta_data") or ():
            existing = next(
                (
                    m
                    for m in order["meta_data"]
                    if m["id"] == meta.get("id") or (not meta.get("id") and m["key"] == meta["key"])
                ),
                None,
            )
            if existing:
                existing["value"] = meta["value"]
            else:
                order["meta_data"].append({"id": next(self._ids), "key": meta["key"], "value": meta["value"]})
        order["date_modified"], order["date_modified_gmt"] = local_text(self.now), gmt_text(self.now)
        return FakeResponse(200, copy.deepcopy(order))

    def _update_stock(self, product_id: int, variation_id: int | None, body: dict[str, Any]) -> FakeResponse:
        if product_id not in self.products:
            return error(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        if variation_id is not None and variation_id not in self.products[product_id]:
            return error(404, "woocommerce_rest_product_variation_invalid_id", "Invalid ID.")
        quantity = body.get("stock_quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            return error(
                400,
                "rest_invalid_param",
                "Invalid parameter(s): stock_quantity",
                params={"stock_quantity": "stock_quantity is not of type integer."},
            )
        self.stock_updates.append({"product_id": product_id, "variation_id": variation_id, **body})
        return FakeResponse(
            200,
            {
                "id": variation_id or product_id,
                "manage_stock": bool(body.get("manage_stock")),
                "stock_quantity": quantity,
                "stock_status": "instock" if quantity > 0 else "outofstock",
            },
        )

    # --- order changes -------------------------------------------------------------------------
    def _add_tracking(self, order: dict[str, Any], provider: str, number: str, at: datetime) -> None:
        meta = next((m for m in order["meta_data"] if m["key"] == "_wc_shipment_tracking_items"), None)
        if meta is None:
            meta = {"id": next(self._ids), "key": "_wc_shipment_tracking_items", "value": []}
            order["meta_data"].append(meta)
        meta["value"].append(
            {
                "tracking_provider": "",
                "custom_tracking_provider": provider,
                "custom_tracking_link": "",
                "tracking_number": number,
                "date_shipped": str(int(at.timestamp())),
                "tracking_id": f"t{next(self._ids)}",
            }
        )

    def _refund(self, order: dict[str, Any], at: datetime, *, gateway: bool) -> None:
        refund_id = next(self._ids)
        self.refunds.append(
            {
                "id": refund_id,
                "parent_id": order["id"],
                "date_created": local_text(at),
                "date_created_gmt": gmt_text(at),
                "amount": order["total"],
                "reason": "买家不想要了",
                "refunded_by": 1,
                "refunded_payment": gateway,
                "meta_data": [],
                "line_items": [
                    {
                        "id": next(self._ids),
                        "name": li["name"],
                        "product_id": li["product_id"],
                        "variation_id": li["variation_id"],
                        "quantity": -li["quantity"],
                        "tax_class": "",
                        "subtotal": "-" + li["subtotal"],
                        "subtotal_tax": "0.00",
                        "total": "-" + li["total"],
                        "total_tax": "0.00",
                        "taxes": [],
                        "sku": li["sku"],
                        "price": -li["price"],
                        "meta_data": [
                            {"id": next(self._ids), "key": "_refunded_item_id", "value": str(li["id"])}
                        ],
                    }
                    for li in order["line_items"]
                ],
                "shipping_lines": [],
                "tax_lines": [],
                "fee_lines": [],
            }
        )
        order["refunds"].append({"id": refund_id, "reason": "买家不想要了", "total": "-" + order["total"]})

    def _url(self, request: FakeRequest, page: int) -> str:
        return (
            f"http://{request.headers.get('host')}{request.path}?{urlencode({**request.query, 'page': page})}"
        )


def _invalid_params(q: dict[str, str]) -> dict[str, str]:
    problems = {}
    if not (q.get("per_page", "10").isdigit() and 1 <= int(q.get("per_page", "10")) <= 100):
        problems["per_page"] = "per_page must be between 1 (inclusive) and 100 (inclusive)"
    if not (q.get("page", "1").isdigit() and int(q.get("page", "1")) >= 1):
        problems["page"] = "page must be greater than or equal to 1"
    if q.get("orderby", "date") not in ORDERBY:
        problems["orderby"] = f"orderby is not one of {', '.join(ORDERBY)}."
    if q.get("order", "desc") not in ("asc", "desc"):
        problems["order"] = "order is not one of asc and desc."
    for key in ("after", "before", "modified_after", "modified_before"):
        if key in q and not _DATE.match(q[key]):
            problems[key] = "Invalid date."
    return problems


def _status_matches(item: dict[str, Any], wanted: str) -> bool:
    status = item.get("status")
    if status is None:  # refunds have no status
        return True
    return status != "trash" if wanted == "any" else status in wanted.split(",")


def _compare(value: str | None, op: str, bound: str, gmt: bool) -> bool:
    if not value:
        return False
    moment = datetime.fromisoformat(bound.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo:
        moment = moment.astimezone(UTC if gmt else SITE_TZ).replace(tzinfo=None)
    stored = datetime.fromisoformat(value)
    return stored > moment if op == ">" else stored < moment


def _cents(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def _text(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"
