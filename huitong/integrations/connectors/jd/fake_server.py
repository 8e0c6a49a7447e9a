"""A local JOS gateway for the JD tests: real HTTP, JD's signature and timestamp checks, order search
with JD's paging and one-month window, order get, stock writes, shipments and refund applications,
all in memory; orders change over time with ``advance``.

Gateway error codes follow JD's published table (4/5 version, 7/8 timestamp, 11/12 signature,
15 unknown method); 19 for a bad access_token and the ``numberCode`` values in ``apiResult`` are
this fake's own choice.
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
from huitong.integrations.connectors.jd.client import response_key, sign
from huitong.integrations.connectors.times import CHINA, china_text

FIXTURES = Path(__file__).parent / "fixtures"
MAX_WINDOW = timedelta(days=31)  # "开始时间和结束时间，不得相差超过1个月"
MAX_SKEW = timedelta(minutes=6)
ALIASES = {
    "paid": "WAIT_SELLER_STOCK_OUT",
    "shipped": "WAIT_GOODS_RECEIVE_CONFIRM",
    "completed": "FINISHED_L",
    "cancelled": "TRADE_CANCELED",
    "locked": "LOCKED",
}
SHIPPABLE = {"WAIT_SELLER_STOCK_OUT", "WAIT_SELLER_DELIVERY"}


def sample_order(
    order_id: str, *, modified: datetime, state: str = "WAIT_SELLER_STOCK_OUT", **fields: Any
) -> dict[str, Any]:
    """An orderInfo in JD's shape (from fixtures/order_get_response.json) with a new id and time."""
    template = json.loads((FIXTURES / "order_get_response.json").read_text())
    info = template["jingdong_pop_order_get_responce"]["orderDetailInfo"]["orderInfo"]
    info.update(
        orderId=order_id,
        orderState=state,
        modified=china_text(modified),
        orderStartTime=china_text(modified - timedelta(minutes=5)),
        paymentConfirmTime=china_text(modified - timedelta(minutes=4)),
    )
    info.update(fields)
    return info


def _error(code: str, zh: str, en: str) -> FakeResponse:
    return FakeResponse(200, {"error_response": {"code": code, "zh_desc": zh, "en_desc": en}})


def _ok(number: int = 10100000) -> dict[str, Any]:
    return {"success": True, "englishErrCode": "success", "chineseErrCode": "成功", "numberCode": number}


def _failed(zh: str, en: str, number: int) -> dict[str, Any]:
    return {"success": False, "englishErrCode": en, "chineseErrCode": zh, "numberCode": number}


def _time(text: Any) -> datetime | None:
    for fmt in ("%Y-%m-%d %H:%M:%S.%f%z", "%Y-%m-%d %H:%M:%S"):
        try:
            parsed = datetime.strptime(str(text), fmt)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA)
    return None


class FakeJd(FakeOrderBook):
    ORDER_ID = "orderId"

    def __init__(
        self,
        *,
        app_key: str = "jd-app-key",
        app_secret: str = "jd-app-secret",
        access_token: str = "jd-access-token",
    ):
        super().__init__()
        self.app_key, self.app_secret, self.access_token = app_key, app_secret, access_token
        self._routes: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
            "jingdong.pop.order.search": self._search,
            "jingdong.pop.order.get": self._get,
            "jingdong.stock.write.updateSkuStock": self._stock,
            "jingdong.pop.order.shipment": self._ship,
            "jingdong.pop.afs.soa.refundapply.queryPageList": self._refunds,
        }

    # --- test controls -------------------------------------------------------------------------
    def advance(self, order_id: str, to: str, *, at: datetime | None = None, **fields: Any) -> dict[str, Any]:
        """Move an order to a new state (a JD orderState or paid/shipped/completed/cancelled/locked;
        ``refunded`` cancels it and records a refund application JD has paid back), stamping
        ``modified`` so the next incremental search returns it again."""
        when = at or self.now()
        with self._data:
            order = self.orders[order_id]
            order["orderState"] = ALIASES.get(to, "TRADE_CANCELED" if to == "refunded" else to)
            order.update(fields)
            order["modified"] = china_text(when)
            if to == "refunded":
                refund_id = str(len(self.refunds) + 70000001)
                self.refunds[refund_id] = {
                    "id": refund_id,
                    "orderId": order_id,
                    "buyerId": order.get("pin", ""),
                    "buyerName": order.get("pin", ""),
                    "applyTime": china_text(when - timedelta(minutes=1)),
                    "checkTime": china_text(when),
                    "status": "3",
                    "reason": "不想要了",
                    "checkUserName": "jd",
                    "applyRefundSum": int(Decimal(str(order["orderPayment"])) * 100),
                }
            return copy.deepcopy(order)

    # --- HTTP ----------------------------------------------------------------------------------
    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.path not in ("/", "/routerjson"):
            return FakeResponse(404, "not found")
        params = {**request.query, **request.form()}
        refused = self._refuse(params)
        if refused:
            return refused
        route = self._routes.get(params["method"])
        if route is None:
            return _error("15", "不存在的方法名", "Invalid Method")
        try:
            business = json.loads(params.get("360buy_param_json") or "{}")
        except ValueError:
            return _error("1", "360buy_param_json 不是合法的 JSON", "Invalid 360buy_param_json")
        with self._data:
            body = route(business)
        return FakeResponse(200, {response_key(params["method"]): {"code": "0", **body}})

    def _refuse(self, params: Mapping[str, str]) -> FakeResponse | None:
        if not params.get("v"):
            return _error("4", "缺少版本参数", "Missing Version")
        if params["v"] != "2.0":
            return _error("5", "不支持的版本号", "Unsupported Version")
        if not params.get("timestamp"):
            return _error("7", "缺少时间戳参数", "Missing Timestamp")
        sent = _time(params["timestamp"])
        if sent is None or abs(datetime.now(CHINA) - sent) > MAX_SKEW:
            return _error("8", "非法的时间戳参数", "Invalid Timestamp")
        if not params.get("sign"):
            return _error("11", "缺少签名参数", "Missing Signature")
        if params.get("app_key") != self.app_key or params["sign"] != sign(params, self.app_secret):
            return _error("12", "无效签名", "Invalid Signature")
        if params.get("access_token") != self.access_token:
            return _error("19", "token已过期或者不存在，请重新授权访问", "Invalid access_token")
        if not params.get("method"):
            return _error("14", "缺少方法名参数", "Missing Method")
        return None

    # --- APIs ----------------------------------------------------------------------------------
    def _search(self, p: Mapping[str, Any]) -> dict[str, Any]:
        start, end = _time(p.get("start_date")), _time(p.get("end_date"))
        page, size = int(p.get("page") or 1), int(p.get("page_size") or 20)
        if start is None or end is None or end < start:
            result = {"apiResult": _failed("开始时间或结束时间不正确", "invalid date range", 10200001)}
        elif end - start > MAX_WINDOW:
            result = {
                "apiResult": _failed(
                    "开始时间和结束时间，不得相差超过1个月", "date range over 1 month", 10200002
                )
            }
        elif not 1 <= size <= 100 or page < 1:
            result = {"apiResult": _failed("page_size 最大 100", "page_size out of range", 10200003)}
        else:
            field = "orderStartTime" if str(p.get("dateType")) == "1" else "modified"
            states = set(str(p.get("order_state") or "").split(","))
            found = sorted(
                (
                    o
                    for o in self.orders.values()
                    if o["orderState"] in states and start <= _time(o[field]) <= end
                ),
                key=lambda o: (_time(o[field]), o["orderId"]),
                reverse=str(p.get("sortType")) == "1",
            )
            fields = _fields(p)
            result = {
                "apiResult": _ok(),
                "orderTotal": len(found),
                "orderInfoList": [_project(o, fields) for o in found[(page - 1) * size : page * size]],
            }
        return {"searchorderinfo_result": result}

    def _get(self, p: Mapping[str, Any]) -> dict[str, Any]:
        order = self.orders.get(str(p.get("order_id")))
        if order is None:
            return {"orderDetailInfo": {"apiResult": _failed("订单不存在", "order not found", 10200010)}}
        return {"orderDetailInfo": {"apiResult": _ok(), "orderInfo": _project(order, _fields(p))}}

    def _stock(self, p: Mapping[str, Any]) -> dict[str, Any]:
        if not p.get("skuId") or int(p.get("stockNum", -1)) < 0:
            return {"success": False, "resultMsg": "skuId 与 stockNum 必填且库存不能为负"}
        self.stock_updates.append(
            {"skuId": str(p["skuId"]), "stockNum": int(p["stockNum"]), "storeId": p.get("storeId")}
        )
        return {"success": True}

    def _ship(self, p: Mapping[str, Any]) -> dict[str, Any]:
        order = self.orders.get(str(p.get("orderId")))
        if order is None:
            result = {
                "success": False,
                "chineseErrCode": "订单不存在",
                "englishErrCode": "order not found",
                "code": 10200010,
            }
        elif order["orderState"] not in SHIPPABLE:
            result = {
                "success": False,
                "chineseErrCode": f"订单状态({order['orderState']})不允许出库",
                "englishErrCode": "order state does not allow shipment",
                "code": 10200011,
            }
        else:
            order.update(
                orderState="WAIT_GOODS_RECEIVE_CONFIRM",
                waybill=str(p.get("logiNo")),
                logisticsId=str(p.get("logiCoprId")),
                modified=china_text(self.now()),
            )
            self.shipments.append(
                {
                    "orderId": str(p["orderId"]),
                    "logiCoprId": str(p.get("logiCoprId")),
                    "logiNo": str(p.get("logiNo")),
                }
            )
            result = {"success": True, "chineseErrCode": "成功", "englishErrCode": "success", "code": 100}
        return {"sopjosshipment_result": result}

    def _refunds(self, p: Mapping[str, Any]) -> dict[str, Any]:
        by = "check" if p.get("checkTimeStart") else "apply"
        start, end = _time(p.get(f"{by}TimeStart")), _time(p.get(f"{by}TimeEnd"))
        page, size = int(p.get("pageIndex") or 1), int(p.get("pageSize") or 10)
        found = sorted(
            (
                r
                for r in self.refunds.values()
                if r.get(f"{by}Time")
                and (start is None or start <= _time(r[f"{by}Time"]))
                and (end is None or _time(r[f"{by}Time"]) <= end)
            ),
            key=lambda r: r["id"],
        )
        return {
            "queryResult": {
                "success": True,
                "resultCode": "0",
                "totalCount": len(found),
                "result": [dict(r) for r in found[(page - 1) * size : page * size]],
            }
        }


def _fields(p: Mapping[str, Any]) -> set[str]:
    return {f.strip() for f in str(p.get("optional_fields") or "").split(",") if f.strip()}


def _project(order: Mapping[str, Any], fields: set[str]) -> dict[str, Any]:
    """JOS returns only the optional_fields asked for."""
    return copy.deepcopy({k: v for k, v in order.items() if k in fields or k == "orderId"})
