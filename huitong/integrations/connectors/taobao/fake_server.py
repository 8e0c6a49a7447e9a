"""A local TOP gateway (``/router/rest``) for the Taobao connector tests.

It checks what the real gateway checks, in TOP's own words (error_response code/msg): the system parameters,
the 10-minute timestamp skew, the signature (md5 / hmac / hmac-sha256, computed here independently of
``client.py``), the session. It serves trades from memory, newest modification first, with page_no/page_size
paging, ``total_results`` or ``has_next`` (use_has_next), the start_modified/end_modified filter (inclusive, as
TOP) and the one-day window limit; it returns only the requested ``fields``; it records stock updates and
shipments; and ``advance`` moves a trade through its life (paid → shipped → finished / refunded / closed),
bumping ``modified`` so that the next incremental pull returns it again.

Simplified: JSON only (no XML), no simplify=true, one shop per fake; the exact ``sub_code``/``sub_msg`` of
business refusals (window too long, trade not found, state does not allow shipping) are close to, not copied
from, TOP's.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from huitong.integrations.connectors.fake_server import FakePlatform, FakeRequest, FakeResponse

CHINA = ZoneInfo("Asia/Shanghai")
GATEWAY_PATH = "/router/rest"
MAX_WINDOW = timedelta(days=1)
MAX_PAGE_SIZE = 100
CLOCK_SKEW = timedelta(minutes=10)
# What taobao.logistics.companies.get lists (a few of them).
COMPANIES = {
    "SF": "顺丰速运",
    "ZTO": "中通快递",
    "YTO": "圆通速递",
    "STO": "申通快递",
    "YUNDA": "韵达快递",
    "JD": "京东快递",
    "EMS": "EMS",
    "EYB": "EMS经济快递",
    "DBL": "德邦物流",
    "HTKY": "百世快递",
}
APP_CALL_LIMITED = {
    "code": 7,
    "msg": "App Call Limited",
    "sub_code": "accesscontrol.limited-by-app-access-count",
    "sub_msg": "This ban will last for 1 more seconds",
}


def top_time(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
    except (TypeError, ValueError):
        return None


def _yuan(value: Decimal) -> str:
    return f"{value:.2f}"


# --- trades in TOP's shape -----------------------------------------------------------------------
def make_line(
    oid: int,
    *,
    num_iid: int,
    title: str,
    price: str,
    num: int = 1,
    sku_id: str = "",
    outer_iid: str = "",
    outer_sku_id: str = "",
    discount_fee: str = "0.00",
) -> dict[str, Any]:
    total = Decimal(price) * num - Decimal(discount_fee)
    return {
        "oid": oid,
        "oid_str": str(oid),
        "num_iid": num_iid,
        "sku_id": sku_id,
        "outer_iid": outer_iid,
        "outer_sku_id": outer_sku_id,
        "title": title,
        "price": price,
        "num": num,
        "total_fee": _yuan(total),
        "payment": _yuan(total),
        "discount_fee": discount_fee,
        "adjust_fee": "0.00",
        "sku_properties_name": "颜色分类:默认" if sku_id else "",
        "refund_status": "NO_REFUND",
    }


def make_trade(
    tid: int,
    *,
    created: datetime,
    lines: list[dict[str, Any]],
    status: str = "WAIT_SELLER_SEND_GOODS",
    modified: datetime | None = None,
    post_fee: str = "0.00",
    trade_discount: str = "0.00",
    buyer_nick: str = "t**1",
    buyer_open_uid: str = "AAHk5d-EAAeGwJedwSFu0XXX",
) -> dict[str, Any]:
    goods = sum(Decimal(line["total_fee"]) for line in lines)
    trade = {
        "tid": tid,
        "tid_str": str(tid),
        "status": status,
        "type": "fixed",
        "created": top_time(created),
        "modified": top_time(modified or created),
        "payment": _yuan(goods + Decimal(post_fee) - Decimal(trade_discount)),
        "total_fee": _yuan(sum(Decimal(x["price"]) * x["num"] for x in lines)),
        "post_fee": post_fee,
        "discount_fee": trade_discount,
        "adjust_fee": "0.00",
        "buyer_nick": buyer_nick,
        "buyer_open_uid": buyer_open_uid,
        "buyer_message": "",
        "seller_memo": "",
        "receiver_name": "张**",
        "receiver_mobile": "138****5678",
        "receiver_phone": "",
        "receiver_state": "浙江省",
        "receiver_city": "杭州市",
        "receiver_district": "余杭区",
        "receiver_town": "五常街道",
        "receiver_address": "文**路***号",
        "receiver_zip": "000000",
        "orders": {"order": [{**line, "status": status} for line in lines]},
    }
    if status not in ("WAIT_BUYER_PAY", "TRADE_NO_CREATE_PAY", "TRADE_CLOSED_BY_TAOBAO"):
        trade["pay_time"] = top_time(created + timedelta(minutes=1))
    return trade


def _fields(params: dict[str, str]) -> set[str]:
    return {name.strip() for name in params.get("fields", "").split(",")}


def _selected(record: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    """Only the requested fields, as TOP answers (``orders`` brings the lines whole)."""
    return {key: value for key, value in record.items() if key in fields}


class TaobaoFake(FakePlatform):
    def __init__(
        self, *, app_key: str = "12345678", app_secret: str = "helloworld", session: str = "test-session"
    ):
        super().__init__()
        self.app_key, self.app_secret, self.session = app_key, app_secret, session
        self.trades: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.items: dict[str, dict[str, Any]] = {}  # num_iid → {"num": int, "skus": {sku_id: quantity}}
        self.stock_updates: list[dict[str, str]] = []
        self.shipments: list[dict[str, str]] = []
        self._state = threading.Lock()
        self._apis = {
            "taobao.trades.sold.increment.get": self._increment_get,
            "taobao.trade.fullinfo.get": self._fullinfo_get,
            "taobao.refunds.receive.get": self._refunds_get,
            "taobao.item.quantity.update": self._quantity_update,
            "taobao.logistics.offline.send": self._offline_send,
        }

    # --- test controls -----------------------------------------------------------------------
    def reset(self) -> None:
        """Forget every trade, item, record, request and queued failure (one server for many tests)."""
        with self._state, self._lock:
            for store in (self.trades, self.refunds, self.items):
                store.clear()
            for log in (self.stock_updates, self.shipments, self.requests):
                log.clear()
            self._failures.clear()

    def add_trade(self, trade: dict[str, Any]) -> dict[str, Any]:
        with self._state:
            self.trades[str(trade["tid"])] = trade
        return trade

    def add_item(self, num_iid: str, *, num: int = 0, skus: dict[str, int] | None = None) -> None:
        self.items[str(num_iid)] = {"num": num, "skus": dict(skus or {})}

    def throttle(self, count: int = 1) -> None:
        """TOP's throttling answer (HTTP 200, error code 7) to the next ``count`` calls."""
        self.inject(
            FakeResponse(200, {"error_response": {**APP_CALL_LIMITED, "request_id": "throttled"}}), count
        )

    def advance(
        self, tid: str | int, event: str, *, at: datetime, company: str = "ZTO", waybill: str = ""
    ) -> None:
        """Move a trade on: paid, shipped, finished, refund_requested, refunded (closes it), closed (unpaid)."""
        with self._state:
            trade = self.trades[str(tid)]
            when = top_time(at)
            if event == "paid":
                self._set_status(trade, "WAIT_SELLER_SEND_GOODS", pay_time=when)
            elif event == "shipped":
                self._ship(trade, company, waybill or f"7{trade['tid']}", when)
            elif event == "finished":
                self._set_status(trade, "TRADE_FINISHED", end_time=when)
            elif event in ("refund_requested", "refunded"):
                self._refund(trade, "WAIT_SELLER_AGREE" if event == "refund_requested" else "SUCCESS", when)
                if event == "refunded":
                    self._set_status(trade, "TRADE_CLOSED", end_time=when)
            elif event == "closed":
                self._set_status(trade, "TRADE_CLOSED_BY_TAOBAO", end_time=when)
            else:
                raise ValueError(f"unknown event {event!r}")
            trade["modified"] = when

    @staticmethod
    def _set_status(trade: dict[str, Any], status: str, **times: str) -> None:
        trade.update(status=status, **times)
        for line in trade["orders"]["order"]:
            line["status"] = status

    def _ship(self, trade: dict[str, Any], company: str, waybill: str, when: str) -> None:
        self._set_status(trade, "WAIT_BUYER_CONFIRM_GOODS", consign_time=when)
        for line in trade["orders"]["order"]:
            line.update(logistics_company=COMPANIES[company], invoice_no=waybill, consign_time=when)

    def _refund(self, trade: dict[str, Any], status: str, when: str) -> None:
        for line in trade["orders"]["order"]:
            refund_id = line.setdefault("refund_id", f"9{line['oid']}")
            refund = self.refunds.setdefault(
                refund_id,
                {
                    "refund_id": refund_id,
                    "tid": trade["tid"],
                    "oid": line["oid"],
                    "title": line["title"],
                    "buyer_nick": trade["buyer_nick"],
                    "total_fee": line["total_fee"],
                    "refund_fee": line["payment"],
                    "payment": line["payment"],
                    "reason": "不想要了",
                    "desc": "",
                    "has_good_return": False,
                    "good_status": "BUYER_NOT_RECEIVED",
                    "created": when,
                    "refund_phase": "onsale",
                },
            )
            refund.update(status=status, modified=when, order_status=trade["status"])
            line["refund_status"] = status

    # --- the gateway -------------------------------------------------------------------------
    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.path != GATEWAY_PATH:
            return FakeResponse(404, "Not Found")
        params = {**request.query}
        if "x-www-form-urlencoded" in request.headers.get("content-type", ""):
            params.update(request.form())
        refused = self._protocol_error(params)
        if refused:
            return refused
        api = self._apis.get(params["method"])
        if api is None:
            return self._error(22, "Invalid method")
        with self._state:
            return api(params)

    def _protocol_error(self, params: dict[str, str]) -> FakeResponse | None:
        for check in (self._check_system, self._check_timestamp, self._check_sign, self._check_session):
            refused = check(params)
            if refused:
                return refused
        return None

    def _check_system(self, params: dict[str, str]) -> FakeResponse | None:
        missing = [
            (21, "Missing method", "method"),
            (28, "Missing app key", "app_key"),
            (30, "Missing timestamp", "timestamp"),
            (32, "Missing version", "v"),
            (24, "Missing signature", "sign"),
        ]
        for code, msg, name in missing:
            if not params.get(name):
                return self._error(code, msg)
        if params["app_key"] != self.app_key:
            return self._error(29, "Invalid app Key")
        if params["v"] != "2.0":
            return self._error(34, "Unsupported version")
        if params.get("format", "xml") != "json":
            return self._error(
                23, "Invalid format", "isv.invalid-format", "this fake answers format=json only"
            )
        return None

    def _check_timestamp(self, params: dict[str, str]) -> FakeResponse | None:
        sent = _parse_time(params["timestamp"])
        if sent is None or abs(datetime.now(CHINA) - sent) > CLOCK_SKEW:
            return self._error(31, "Invalid timestamp")
        return None

    def _check_sign(self, params: dict[str, str]) -> FakeResponse | None:
        text = "".join(f"{k}{params[k]}" for k in sorted(params) if k != "sign").encode()
        key, method = self.app_secret.encode(), params.get("sign_method", "md5")
        if method == "md5":
            expected = hashlib.md5(key + text + key).hexdigest()
        elif method in ("hmac", "hmac-sha256"):
            expected = hmac.new(key, text, hashlib.md5 if method == "hmac" else hashlib.sha256).hexdigest()
        else:
            return self._error(25, "Invalid signature", "isv.invalid-sign-method", f"sign_method {method}")
        if not hmac.compare_digest(expected.upper(), params["sign"]):
            return self._error(25, "Invalid signature")
        return None

    def _check_session(self, params: dict[str, str]) -> FakeResponse | None:
        if not params.get("session"):
            return self._error(26, "Missing session")
        if params["session"] != self.session:
            return self._error(27, "Invalid session", "invalid-sessionkey", "SessionKey非法")
        return None

    @staticmethod
    def _error(code: int, msg: str, sub_code: str = "", sub_msg: str = "") -> FakeResponse:
        error: dict[str, Any] = {"code": code, "msg": msg}
        if sub_code:
            error.update(sub_code=sub_code, sub_msg=sub_msg)
        error["request_id"] = uuid.uuid4().hex[:13]
        return FakeResponse(200, {"error_response": error})

    @staticmethod
    def _answer(method: str, body: dict[str, Any]) -> FakeResponse:
        key = method.removeprefix("taobao.").replace(".", "_") + "_response"
        return FakeResponse(200, {key: {**body, "request_id": uuid.uuid4().hex[:13]}})

    # --- APIs --------------------------------------------------------------------------------
    def _window(self, params: dict[str, str]) -> tuple[datetime, datetime] | FakeResponse:
        for name in ("fields", "start_modified", "end_modified"):
            if not params.get(name):
                return self._error(40, "Missing required arguments", f"isv.missing-parameter:{name}", name)
        start, end = _parse_time(params["start_modified"]), _parse_time(params["end_modified"])
        if start is None or end is None:
            return self._error(
                41,
                "Invalid arguments",
                "isv.invalid-parameter:start_modified/end_modified",
                "时间格式应为yyyy-MM-dd HH:mm:ss",
            )
        if end < start or end - start > MAX_WINDOW:
            return self._error(
                15,
                "Remote service error",
                "isv.invalid-parameter",
                "end_modified必须大于start_modified，且时间跨度不能超过一天",
            )
        return start, end

    def _page(
        self, records: list[dict[str, Any]], params: dict[str, str], key: str, item: str
    ) -> dict[str, Any]:
        page_no, page_size = int(params.get("page_no") or 1), int(params.get("page_size") or 40)
        chunk = records[(page_no - 1) * page_size : page_no * page_size]
        body: dict[str, Any] = {}
        if params.get("use_has_next") == "true":
            body["has_next"] = page_no * page_size < len(records)
        else:
            body["total_results"] = len(records)
        if chunk:  # TOP leaves out empty lists
            body[key] = {item: [_selected(record, _fields(params)) for record in chunk]}
        return body

    def _modified_in(
        self, records: list[dict[str, Any]], start: datetime, end: datetime
    ) -> list[dict[str, Any]]:
        found = [r for r in records if start <= _parse_time(r["modified"]) <= end]
        return sorted(found, key=lambda r: (r["modified"], str(r.get("tid"))), reverse=True)

    def _increment_get(self, params: dict[str, str]) -> FakeResponse:
        window = self._window(params)
        if isinstance(window, FakeResponse):
            return window
        if int(params.get("page_size") or 40) > MAX_PAGE_SIZE:
            return self._error(
                41, "Invalid arguments", "isv.invalid-parameter:page_size", "page_size最大为100"
            )
        trades = self._modified_in(list(self.trades.values()), *window)
        return self._answer(params["method"], self._page(trades, params, "trades", "trade"))

    def _refunds_get(self, params: dict[str, str]) -> FakeResponse:
        window = self._window(params)
        if isinstance(window, FakeResponse):
            return window
        refunds = self._modified_in(list(self.refunds.values()), *window)
        return self._answer(params["method"], self._page(refunds, params, "refunds", "refund"))

    def _fullinfo_get(self, params: dict[str, str]) -> FakeResponse:
        trade = self.trades.get(params.get("tid", ""))
        if not params.get("fields"):
            return self._error(40, "Missing required arguments", "isv.missing-parameter:fields", "fields")
        if trade is None:
            return self._error(15, "Remote service error", "isv.trade-not-exist", "交易不存在")
        return self._answer(params["method"], {"trade": _selected(trade, _fields(params))})

    def _quantity_update(self, params: dict[str, str]) -> FakeResponse:
        item = self.items.get(params.get("num_iid", ""))
        sku_id, quantity = params.get("sku_id", ""), params.get("quantity", "")
        quantity = int(quantity) if quantity.isdigit() else -1
        if item is None:
            return self._error(15, "Remote service error", "isv.item-not-exist", "商品不存在")
        if sku_id and sku_id not in item["skus"]:
            return self._error(15, "Remote service error", "isv.sku-not-exist", "SKU不存在")
        if quantity < 0 or params.get("type", "1") not in ("1", "2"):
            return self._error(41, "Invalid arguments", "isv.invalid-parameter:quantity", "quantity")
        self.stock_updates.append({k: params.get(k, "") for k in ("num_iid", "sku_id", "quantity", "type")})
        if sku_id:
            base = item["skus"][sku_id] if params.get("type") == "2" else 0
            item["skus"][sku_id] = base + quantity
            item["num"] = sum(item["skus"].values())
        else:
            item["num"] = (item["num"] if params.get("type") == "2" else 0) + quantity
        answer = {
            "num_iid": int(params["num_iid"]),
            "num": item["num"],
            "modified": top_time(datetime.now(CHINA)),
        }
        if sku_id:
            answer["skus"] = {"sku": [{"sku_id": int(sku_id), "quantity": item["skus"][sku_id]}]}
        return self._answer(params["method"], {"item": answer})

    def _offline_send(self, params: dict[str, str]) -> FakeResponse:
        trade = self.trades.get(params.get("tid", ""))
        company = params.get("company_code", "")
        if trade is None:
            return self._error(15, "Remote service error", "isv.trade-not-exist", "交易不存在")
        if not params.get("out_sid") or company not in COMPANIES:
            return self._error(
                15,
                "Remote service error",
                "isv.logistics-offline-service-error",
                f"物流公司编码或运单号不正确: {company}",
            )
        if trade["status"] not in ("WAIT_SELLER_SEND_GOODS", "SELLER_CONSIGNED_PART"):
            return self._error(
                15, "Remote service error", "isv.logistics-offline-service-error", "当前交易状态不允许发货"
            )
        self.shipments.append({k: params[k] for k in ("tid", "out_sid", "company_code")})
        now = top_time(datetime.now(CHINA))
        self._ship(trade, company, params["out_sid"], now)
        trade["modified"] = now
        return self._answer(params["method"], {"shipping": {"is_success": True}})
