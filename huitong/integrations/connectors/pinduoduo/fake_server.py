"""A local Pinduoduo POP gateway for the tests: real HTTP, PDD's md5 signature check, increment
queries with the 30-minute window and counted or has_next paging, order information, stock
updates, online shipment and refund increments, all in memory; orders change over time with
``advance``.

Error codes: 70031 (调用过于频繁) and 10019 (access_token 已过期) are PDD's; the codes this fake
answers for a bad signature, a bad client_id, a window over 30 minutes and business refusals are
its own choice (PDD's exact ones were not verified).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from huitong.integrations.connectors.fake_server import FakeOrderBook, FakeRequest, FakeResponse
from huitong.integrations.connectors.pinduoduo.client import RESPONSE_KEYS, sign
from huitong.integrations.connectors.times import CHINA, china_text

FIXTURES = Path(__file__).parent / "fixtures"
MAX_WINDOW = 30 * 60  # seconds
SIGN_ERROR = 10016  # this fake's choice
PARAM_ERROR = 10000  # this fake's choice
TOKEN_ERROR = 10019
BUSINESS_ERROR = 50001  # this fake's choice
# to → (order_status, refund_status, after_sales_status of the refund document or None)
ALIASES: dict[str, tuple[int | None, int | None, int | None]] = {
    "paid": (1, 1, None),
    "shipped": (2, None, None),
    "completed": (3, None, None),
    "refunding": (None, 2, 2),
    "refunded": (None, 4, 10),
    "cancelled": (1, 4, 10),
}


def sample_order(
    order_sn: str, *, updated: datetime, order_status: int = 1, refund_status: int = 1, **fields: Any
) -> dict[str, Any]:
    """An order in PDD's shape (from fixtures/order_information_response.json) with a new number
    and update time."""
    template = json.loads((FIXTURES / "order_information_response.json").read_text())
    info = template["order_info_get_response"]["order_info"]
    info.update(
        order_sn=order_sn,
        order_status=order_status,
        refund_status=refund_status,
        updated_at=china_text(updated),
        created_time=china_text(updated - timedelta(minutes=5)),
        confirm_time=china_text(updated - timedelta(minutes=4)),
        pay_time=china_text(updated - timedelta(minutes=4)),
    )
    info.update(fields)
    return info


def _error(code: int, msg: str, sub_msg: str = "") -> FakeResponse:
    return FakeResponse(
        200,
        {
            "error_response": {
                "error_code": code,
                "error_msg": msg,
                "sub_code": None,
                "sub_msg": sub_msg,
                "request_id": "fake-request",
            }
        },
    )


class Refusal(Exception):
    def __init__(self, code: int, msg: str):
        super().__init__(msg)
        self.code = code


def _time(text: Any) -> datetime:
    return datetime.strptime(str(text), "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)


def _window(p: Mapping[str, str]) -> tuple[datetime, datetime]:
    try:
        start, end = int(p["start_updated_at"]), int(p["end_updated_at"])
    except (KeyError, ValueError):
        raise Refusal(PARAM_ERROR, "start_updated_at 与 end_updated_at 必填") from None
    if end < start or end - start > MAX_WINDOW:
        raise Refusal(PARAM_ERROR, "开始时间结束时间间距不超过30分钟")
    return datetime.fromtimestamp(start, CHINA), datetime.fromtimestamp(end, CHINA)


def _paging(p: Mapping[str, str]) -> tuple[int, int]:
    page, size = int(p.get("page") or 1), int(p.get("page_size") or 100)
    if page < 1 or not 1 <= size <= 100:
        raise Refusal(PARAM_ERROR, "page_size 范围 1-100")
    return page, size


class FakePinduoduo(FakeOrderBook):
    ORDER_ID = "order_sn"

    def __init__(
        self,
        *,
        client_id: str = "pdd-client-id",
        client_secret: str = "pdd-client-secret",
        access_token: str = "pdd-access-token",
    ):
        super().__init__()
        self.client_id, self.client_secret, self.access_token = client_id, client_secret, access_token
        self._routes: dict[str, Callable[[Mapping[str, str]], dict[str, Any]]] = {
            "pdd.order.number.list.increment.get": self._increment,
            "pdd.order.information.get": self._information,
            "pdd.goods.quantity.update": self._quantity,
            "pdd.logistics.online.send": self._send,
            "pdd.refund.list.increment.get": self._refunds,
        }

    # --- test controls -------------------------------------------------------------------------
    def advance(self, order_sn: str, to: str, *, at: datetime | None = None, **fields: Any) -> dict[str, Any]:
        """Move an order on (paid/shipped/completed/refunding/refunded/cancelled), stamping
        ``updated_at`` so that the next increment returns it again; refunds also write or update
        the order's refund document."""
        when = at or self.now()
        order_status, refund_status, after_sales = ALIASES[to]
        with self._data:
            order = self.orders[order_sn]
            if order_status is not None:
                order["order_status"] = order_status
            if refund_status is not None:
                order["refund_status"] = refund_status
            order.update(fields)
            order["updated_at"] = china_text(when)
            if after_sales is not None:
                self._write_refund(order, after_sales, when)
            return copy.deepcopy(order)

    def _write_refund(self, order: dict[str, Any], status: int, when: datetime) -> None:
        refund_id = str(9100000000 + list(self.orders).index(order["order_sn"]))
        item = order["item_list"][0]
        refund = self.refunds.setdefault(
            refund_id,
            {
                "id": int(refund_id),
                "order_sn": order["order_sn"],
                "after_sales_type": 2,
                "after_sales_reason": "不想要了",
                "created_time": china_text(when),
                "refund_amount": int(Decimal(repr(order["pay_amount"])) * 100),
                "order_amount": int(Decimal(repr(order["pay_amount"])) * 100),
                "goods_id": item["goods_id"],
                "sku_id": item["sku_id"],
                "goods_number": item["goods_count"],
                "goods_name": item["goods_name"],
                "outer_id": item.get("outer_id", ""),
            },
        )
        refund.update(after_sales_status=status, updated_time=china_text(when))

    # --- HTTP ----------------------------------------------------------------------------------
    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.path not in ("/", "/api/router"):
            return FakeResponse(404, "not found")
        params = {**request.query, **request.form()}
        refused = self._refuse(params)
        if refused:
            return refused
        route = self._routes.get(params["type"])
        if route is None:
            return _error(PARAM_ERROR, "type 不存在", params["type"])
        try:
            with self._data:
                body = route(params)
        except Refusal as refusal:
            return _error(refusal.code, str(refusal))
        return FakeResponse(200, {RESPONSE_KEYS[params["type"]]: {**body, "request_id": "fake-request"}})

    def _refuse(self, params: Mapping[str, str]) -> FakeResponse | None:
        for name in ("type", "client_id", "timestamp", "sign"):
            if not params.get(name):
                return _error(PARAM_ERROR, f"公共参数 {name} 缺失")
        if params.get("data_type", "JSON").upper() != "JSON":
            return _error(PARAM_ERROR, "this fake answers JSON only")
        if params["client_id"] != self.client_id:
            return _error(SIGN_ERROR, "client_id 不存在")
        if params["sign"] != sign(params, self.client_secret):
            return _error(SIGN_ERROR, "签名错误")
        if params.get("access_token") != self.access_token:
            return _error(TOKEN_ERROR, "access_token已过期")
        return None

    # --- APIs ----------------------------------------------------------------------------------
    def _increment(self, p: Mapping[str, str]) -> dict[str, Any]:
        start, end = _window(p)
        page, size = _paging(p)
        wanted_status, wanted_refund = int(p.get("order_status") or 5), int(p.get("refund_status") or 5)
        found = sorted(
            (
                o
                for o in self.orders.values()
                if start <= _time(o["updated_at"]) <= end
                and wanted_status in (5, o["order_status"])
                and wanted_refund in (5, o["refund_status"])
            ),
            key=lambda o: (_time(o["updated_at"]), o["order_sn"]),
        )
        chunk = [copy.deepcopy(o) for o in found[(page - 1) * size : page * size]]
        if p.get("use_has_next") == "true":
            return {"order_sn_list": chunk, "has_next": page * size < len(found)}
        return {"order_sn_list": chunk, "total_count": len(found)}

    def _information(self, p: Mapping[str, str]) -> dict[str, Any]:
        order = self.orders.get(p.get("order_sn", ""))
        if order is None:
            raise Refusal(BUSINESS_ERROR, "订单不存在")
        return {"order_info": copy.deepcopy(order)}

    def _quantity(self, p: Mapping[str, str]) -> dict[str, Any]:
        if not p.get("goods_id") or not (p.get("sku_id") or p.get("outer_id")):
            raise Refusal(PARAM_ERROR, "goods_id 必填，sku_id 与 outer_id 至少填一个")
        if int(p.get("quantity", "-1")) < 0:
            raise Refusal(PARAM_ERROR, "quantity 不能为负")
        self.stock_updates.append(
            {
                "goods_id": p["goods_id"],
                "sku_id": p.get("sku_id"),
                "outer_id": p.get("outer_id"),
                "quantity": int(p["quantity"]),
                "update_type": int(p.get("update_type") or 1),
            }
        )
        return {"is_success": True}

    def _send(self, p: Mapping[str, str]) -> dict[str, Any]:
        order = self.orders.get(p.get("order_sn", ""))
        if order is None:
            raise Refusal(BUSINESS_ERROR, "订单不存在")
        if order["order_status"] != 1 or order["refund_status"] == 4:
            raise Refusal(BUSINESS_ERROR, "订单状态不允许发货")
        when = self.now()
        order.update(
            order_status=2,
            logistics_id=int(p["logistics_id"]),
            tracking_number=p["tracking_number"],
            shipping_time=china_text(when),
            updated_at=china_text(when),
        )
        self.shipments.append(
            {
                "order_sn": p["order_sn"],
                "logistics_id": int(p["logistics_id"]),
                "tracking_number": p["tracking_number"],
            }
        )
        return {"is_success": True}

    def _refunds(self, p: Mapping[str, str]) -> dict[str, Any]:
        start, end = _window(p)
        page, size = _paging(p)
        found = sorted(
            (r for r in self.refunds.values() if start <= _time(r["updated_time"]) <= end),
            key=lambda r: (_time(r["updated_time"]), r["id"]),
        )
        return {
            "total_count": len(found),
            "refund_list": [dict(r) for r in found[(page - 1) * size : page * size]],
        }
