"""A local Youzan cloud (有赞云) for the connector tests: real HTTP, the open.youzanyun.com gateway.

It routes ``POST /api/<name>/<version>`` (unknown name or version → gateway 4005 非法的API),
insists on JSON (4007) and on ``access_token`` in the query (none → 4201 非法的请求凭证, unknown →
4203 Token 不存在), hands out tokens on ``POST /auth/token`` only for the right client_id/secret,
and answers business calls in the ``{success, code, message, data, trace_id}`` envelope. Trades live
in memory; youzan.trades.sold.get filters on ``update_time`` between ``start_update`` and
``end_update`` (both inclusive), newest first, refuses a span over 3 months, page_no over 100 and
page_size over 100 like the platform. Stock updates and shipment confirmations are recorded, and
``advance`` moves a trade on (paid → shipped → completed, closed, refunded) with a new update_time.
``push`` builds a signed push message (Event-Sign header and body sign) for a trade.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote_plus

from huitong.integrations.connectors.fake_server import FakePlatform, FakeRequest, FakeResponse
from huitong.integrations.connectors.money import yuan_to_fen
from huitong.integrations.connectors.times import CHINA, china_local, china_text
from huitong.integrations.connectors.youzan.client import VERSIONS, push_sign
from huitong.integrations.connectors.youzan.mapping import CARRIERS

CLIENT_ID = "a7c3e9f1b5d2c8e4f6"
CLIENT_SECRET = "5f0d6c2b9e8a4d3f1c7b6a5e4d3c2b1a"
KDT_ID = "44581234"
ACCESS_TOKEN = "b1e2d8f4a9c7e3b6d0f1a2c4e6b8d0a7"
STATUS_TEXT = {
    "WAIT_BUYER_PAY": "待付款",
    "WAIT_SELLER_SEND_GOODS": "待发货",
    "WAIT_BUYER_CONFIRM_GOODS": "已发货",
    "TRADE_SUCCESS": "已完成",
    "TRADE_CLOSED": "已关闭",
}


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def beijing(moment: datetime | str) -> str:
    return moment if isinstance(moment, str) else china_text(moment)


def ok(data: Any) -> dict[str, Any]:
    return {
        "trace_id": f"yz7-{uuid.uuid4().hex[:16]}",
        "code": 200,
        "success": True,
        "message": "successful",
        "data": data,
    }


def refused(code: int, message: str, data: Any = None) -> dict[str, Any]:
    return {
        "trace_id": f"yz7-{uuid.uuid4().hex[:16]}",
        "code": code,
        "success": False,
        "message": message,
        "data": data,
    }


def gateway_refused(code: int, message: str) -> dict[str, Any]:
    return {"gw_err_resp": {"trace_id": f"yz7-{uuid.uuid4().hex[:16]}", "err_code": code, "err_msg": message}}


def make_item(
    tid: str,
    index: int,
    *,
    item_id: int = 2654863571,
    sku_id: int = 36251748,
    outer_sku_id: str = "HT-TEA-250",
    title: str = "西湖龙井 明前特级 250g",
    num: int = 1,
    price: int = 4990,
    discount: int = 0,
) -> dict[str, Any]:
    """One ``orders[]`` entry; amounts given in fen, sent as yuan text."""
    total = price * num - discount
    return {
        "oid": str(1600000000000000000 + int(tid[-6:]) * 10 + index),
        "item_id": item_id,
        "sku_id": sku_id,
        "outer_sku_id": outer_sku_id,
        "outer_item_id": outer_sku_id.split("-")[0],
        "title": title,
        "num": num,
        "price": yuan(price),
        "total_fee": yuan(total),
        "payment": yuan(total),
        "discount_price": yuan(price),
        "item_type": 0,
        "sku_properties_name": '[{"k":"规格","v":"250g"}]',
        "buyer_messages": "",
    }


def make_trade(
    tid: str,
    *,
    created: datetime | str,
    updated: datetime | str | None = None,
    status: str = "WAIT_SELLER_SEND_GOODS",
    items: list[dict[str, Any]] | None = None,
    post_fee: int = 0,
    order_discount: int = 0,
    buyer_message: str = "",
    trade_memo: str = "",
) -> dict[str, Any]:
    """A trade as youzan.trade.get returns it in ``data``."""
    items = items or [make_item(tid, 0, num=2)]
    listed = sum(yuan_to_fen(item["price"]) * int(item["num"]) for item in items)
    goods = sum(yuan_to_fen(item["total_fee"]) for item in items)  # after item-level discounts
    payment = goods + post_fee - order_discount
    created_text = beijing(created)
    return {
        "full_order_info": {
            "order_info": {
                "tid": tid,
                "status": status,
                "status_str": STATUS_TEXT.get(status, status),
                "type": 0,
                "created": created_text,
                "update_time": beijing(updated) if updated is not None else created_text,
                "pay_time": created_text if status != "WAIT_BUYER_PAY" else "",
                "consign_time": "",
                "success_time": "",
                "refund_state": 0,
                "express_type": 0,
                "close_type": 0,
                "pay_type": 10,
                "order_tags": {"is_payed": status != "WAIT_BUYER_PAY"},
                "node_kdt_id": int(KDT_ID),
            },
            "buyer_info": {
                "buyer_id": 7812345,
                "yz_open_id": "Xy7WJm3Eu5i1h2sS0Y0qZ8e9",
                "fans_nickname": "茶友小王",
                "fans_type": 1,
                "buyer_phone": "138****0000",
            },
            "address_info": {
                "receiver_name": "王**",
                "receiver_tel": "138****0000",
                "delivery_province": "浙江省",
                "delivery_city": "杭州市",
                "delivery_district": "西湖区",
                "delivery_address": "文三路***号",
                "delivery_postal_code": "310000",
            },
            "remark_info": {"buyer_message": buyer_message, "trade_memo": trade_memo, "star": 0},
            "pay_info": {
                "total_fee": yuan(listed),
                "post_fee": yuan(post_fee),
                "payment": yuan(payment),
                "real_payment": yuan(payment),
                "deduction_pay": 0,
            },
            "orders": items,
        },
        "order_promotion": {
            "item_discount_fee": yuan(listed - goods),
            "order_discount_fee": yuan(order_discount),
            "adjust_fee": "0.00",
        },
        "refund_order": [],
        "delivery_order": [],
    }


class FakeYouzan(FakePlatform):
    def __init__(
        self,
        *,
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
        kdt_id: str = KDT_ID,
        access_token: str = ACCESS_TOKEN,
    ):
        super().__init__()
        self.client_id, self.client_secret, self.kdt_id = client_id, client_secret, kdt_id
        self.tokens = {access_token}
        self.trades: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.stock_updates: list[dict[str, Any]] = []
        self.shipments: list[dict[str, Any]] = []
        self.routes = {
            "youzan.trades.sold.get": self._sold_get,
            "youzan.trade.get": self._trade_get,
            "youzan.item.quantity.update": self._quantity_update,
            "youzan.logistics.online.confirm": self._online_confirm,
            "youzan.trade.refund.search": self._refund_search,
        }

    # --- test controls ---------------------------------------------------------------------
    def reset(self) -> None:
        """Forget trades, refunds, recorded calls, issued tokens and pending injected failures."""
        self.trades.clear()
        self.refunds.clear()
        self.stock_updates.clear()
        self.shipments.clear()
        self.tokens = {ACCESS_TOKEN}
        with self._lock:
            self.requests.clear()
            self._failures.clear()

    def add_trade(self, trade: dict[str, Any]) -> dict[str, Any]:
        self.trades[trade["full_order_info"]["order_info"]["tid"]] = trade
        return trade

    def throttle_next(self, count: int = 1) -> None:
        """The next ``count`` calls are refused by the gateway's call-rate limit."""
        self.inject(FakeResponse(200, gateway_refused(4101, "API调用频率超过限制")), count)

    def advance(
        self,
        tid: str,
        to: str,
        *,
        at: datetime | str,
        carrier: str = "SF",
        waybill: str = "SF1234567890123",
        refund_fee: int | None = None,
    ) -> dict[str, Any]:
        """Move a trade on as if it happened at ``at``: ``paid``, ``shipped`` (elsewhere, e.g. in
        the Youzan back office), ``completed``, ``closed`` (unpaid), ``refund_requested``,
        ``refunded`` (full refund: the trade closes)."""
        trade, when = self.trades[tid], beijing(at)
        info = trade["full_order_info"]["order_info"]
        status = {
            "paid": "WAIT_SELLER_SEND_GOODS",
            "shipped": "WAIT_BUYER_CONFIRM_GOODS",
            "completed": "TRADE_SUCCESS",
            "closed": "TRADE_CLOSED",
            "refunded": "TRADE_CLOSED",
        }.get(to, info["status"])
        if to == "paid":
            info["pay_time"] = when
        elif to == "shipped":
            info["consign_time"] = when
            oids = [{"oid": item["oid"]} for item in trade["full_order_info"]["orders"]]
            trade["delivery_order"] = [
                {
                    "pk_id": 1,
                    "express_state": 1,
                    "express_type": 1,
                    "oids": oids,
                    "dists": [
                        {
                            "dist_id": f"D{tid[-8:]}",
                            "express_info": {
                                "express_id": int(CARRIERS.get(carrier, "0")),
                                "express_no": waybill,
                            },
                        }
                    ],
                }
            ]
        elif to == "completed":
            info["success_time"] = when
        elif to == "closed":
            info["close_type"] = 1
        elif to in ("refund_requested", "refunded"):
            self._refund(trade, when, "SUCCESS" if to == "refunded" else "WAIT_SELLER_AGREE", refund_fee)
            info["refund_state"] = 12 if to == "refunded" else 11
            info["close_type"] = 2 if to == "refunded" else 0
        else:
            raise ValueError(f"unknown transition {to!r}")
        info.update(status=status, status_str=STATUS_TEXT[status], update_time=when)
        return trade

    def push(
        self, tid: str, event: str = "trade_TradeBuyerPay", *, test: bool = False
    ) -> tuple[dict[str, str], bytes]:
        """Headers and raw body of a pushed message about ``tid``: trade creation/payment messages
        carry the whole trade, the others only its tid (消息推送, HTTP 推送格式)."""
        trade = self.trades[tid]
        info = trade["full_order_info"]["order_info"]
        whole = event in ("trade_TradeCreate", "trade_TradePaid", "trade_TradeBuyerPay")
        message = (
            {key: trade[key] for key in ("full_order_info", "order_promotion", "delivery_order")}
            if whole
            else {"tid": tid, "update_time": info["update_time"]}
        )
        msg = quote_plus(json.dumps(message, ensure_ascii=False, separators=(",", ":")))
        body = {
            "client_id": self.client_id,
            "id": tid,
            "kdt_id": int(self.kdt_id),
            "kdt_name": "汇通茶叶微商城",
            "mode": 1,
            "msg": msg,
            "msg_id": str(uuid.uuid4()),
            "sendCount": 0,
            "sign": push_sign(client_id=self.client_id, client_secret=self.client_secret, content=msg),
            "status": info["status"],
            "test": test,
            "type": event,
            "version": int(time.time()),
        }
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {
            "Event-Sign": push_sign(client_id=self.client_id, client_secret=self.client_secret, content=raw),
            "Event-Type": event,
            "Client-Id": self.client_id,
            "Content-Type": "application/json",
        }
        return headers, raw

    # --- gateway ---------------------------------------------------------------------------
    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.path == "/auth/token":
            return FakeResponse(200, self._auth_token(request))
        parts = request.path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "api":
            return FakeResponse(200, gateway_refused(4001, "非法请求地址"))
        _, method, version = parts
        if VERSIONS.get(method) != version or method not in self.routes:
            return FakeResponse(200, gateway_refused(4005, "非法的API"))
        if not request.headers.get("content-type", "").startswith("application/json"):
            return FakeResponse(
                200,
                gateway_refused(
                    4007,
                    f"非法的请求姿势，httpMethod:{request.method}, contentType:{request.headers.get('content-type')}",
                ),
            )
        token = request.query.get("access_token")
        if not token:
            return FakeResponse(200, gateway_refused(4201, "非法的请求凭证"))
        if token not in self.tokens:
            return FakeResponse(200, gateway_refused(4203, "Token 不存在"))
        try:
            return FakeResponse(200, self.routes[method](request.json() or {}))
        except (KeyError, TypeError, ValueError) as exc:
            return FakeResponse(200, refused(5000, f"参数错误: {exc}"))

    def _auth_token(self, request: FakeRequest) -> dict[str, Any]:
        if not request.headers.get("content-type", "").startswith("application/json"):
            return refused(1000, "Content type not supported,Please use 'application/json;charset=UTF-8'")
        p = request.json() or {}
        if p.get("client_id") != self.client_id:
            return refused(1103, "Client 不存在")
        if p.get("client_secret") != self.client_secret:
            return refused(1104, "client_secret 不正确")
        if str(p.get("grant_id")) != self.kdt_id or p.get("authorize_type") != "silent":
            return refused(1105, "授权关系不存在")
        token = uuid.uuid4().hex
        self.tokens.add(token)
        expires = int((datetime.now(UTC) + timedelta(days=7)).timestamp() * 1000)
        return ok(
            {
                "access_token": token,
                "expires": expires,
                "scope": "trade item logistics",
                "authority_id": self.kdt_id,
            }
        )

    # --- APIs ------------------------------------------------------------------------------
    def _sold_get(self, p: Mapping[str, Any]) -> dict[str, Any]:
        page, size = int(p.get("page_no", 1)), int(p.get("page_size", 20))
        if size > 100:
            return refused(5000, "每页最多显示100条数据")
        if page > 100 or page < 1:
            return refused(5000, "page_no 必须在1到100之间")
        start, end = p.get("start_update"), p.get("end_update")
        if not start or not end:  # unpaired time conditions are ignored by the platform; we need one
            return refused(5000, "start_update 与 end_update 必须成对出现")
        lo, hi = china_local(start, field="start_update"), china_local(end, field="end_update")
        if lo > hi:
            return refused(5000, "开始时间不能大于结束时间")
        if hi > _add_months(lo, 3):
            return refused(5000, "查询时间跨度不能超过3个月")
        found = sorted(
            (t for t in self.trades.values() if lo <= _updated(t) <= hi),
            key=lambda t: (_updated(t), t["full_order_info"]["order_info"]["tid"]),
            reverse=True,
        )
        chunk = found[(page - 1) * size : page * size]
        return ok(
            {
                "full_order_info_list": [{"full_order_info": t["full_order_info"]} for t in chunk],
                "total_results": len(found),
            }
        )

    def _trade_get(self, p: Mapping[str, Any]) -> dict[str, Any]:
        trade = self.trades.get(str(p.get("tid", "")))
        if trade is None:
            return refused(
                5000,
                "trade not found",
                {
                    "delivery_order": [],
                    "refund_order": [],
                    "full_order_info": {"orders": [], "pay_info": {"phase_payments": []}},
                },
            )
        return ok(trade)

    def _quantity_update(self, p: Mapping[str, Any]) -> dict[str, Any]:
        if not p.get("item_id") or not isinstance(p.get("quantity"), int) or p["quantity"] < 0:
            return refused(5000, "item_id 与 quantity 必填且库存不能为负")
        self.stock_updates.append(dict(p))
        return ok({"is_success": True})

    def _online_confirm(self, p: Mapping[str, Any]) -> dict[str, Any]:
        trade = self.trades.get(str(p.get("tid", "")))
        if trade is None:
            return refused(105000016, "订单不存在")
        if not p.get("out_stype") or not str(p.get("out_sid", "")).replace("-", "").isalnum():
            return refused(105000003, "快递单号格式不正确")
        if trade["full_order_info"]["order_info"]["status"] != "WAIT_SELLER_SEND_GOODS":
            return refused(102570007, "不能重复提交已发货商品")
        self.shipments.append(dict(p))
        carrier = {v: k for k, v in CARRIERS.items()}.get(str(p["out_stype"]), str(p["out_stype"]))
        self.advance(
            str(p["tid"]), "shipped", at=datetime.now(CHINA), carrier=carrier, waybill=str(p["out_sid"])
        )
        return ok({"is_success": True})

    def _refund_search(self, p: Mapping[str, Any]) -> dict[str, Any]:
        page, size = int(p.get("page_no", 1)), int(p.get("page_size", 20))
        if page > 100:
            return refused(5000, "查询页数超过100")
        if page * size > 3000:
            return refused(5000, "超过ES搜索最大深度")
        lo, hi = int(p.get("update_time_start", 0)), int(p.get("update_time_end") or time.time())
        found = sorted(
            (r for r in self.refunds.values() if lo <= _seconds(r["modified"]) <= hi),
            key=lambda r: (r["modified"], r["refund_id"]),
        )
        return ok({"refunds": found[(page - 1) * size : page * size], "total": len(found)})

    def _refund(self, trade: dict[str, Any], when: str, status: str, refund_fee: int | None) -> None:
        info = trade["full_order_info"]["order_info"]
        refund_id = f"2025{info['tid'][-16:]}"
        fee = yuan(refund_fee) if refund_fee is not None else trade["full_order_info"]["pay_info"]["payment"]
        oids = [item["oid"] for item in trade["full_order_info"]["orders"]]
        record = self.refunds.setdefault(
            refund_id,
            {
                "refund_id": refund_id,
                "tid": info["tid"],
                "oid": oids[0] if len(oids) == 1 else "",
                "kdt_id": int(self.kdt_id),
                "return_goods": False,
                "reason": 11,
                "refund_fee": fee,
                "created": when,
            },
        )
        record.update(status=status, modified=when)
        trade["refund_order"] = [
            {
                "refund_id": refund_id,
                "refund_type": 1,
                "refund_fee": fee,
                "refund_time": when,
                "refund_state": 60 if status == "SUCCESS" else 1,
                "oids": [{"oid": oid} for oid in oids],
            }
        ]


def _updated(trade: Mapping[str, Any]) -> datetime:
    return china_local(trade["full_order_info"]["order_info"]["update_time"])


def _seconds(text: str) -> int:
    return int(china_local(text).timestamp())


def _add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    days = [
        31,
        29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ]
    return moment.replace(year=year, month=month, day=min(moment.day, days[month - 1]))
