"""A local Douyin (抖店) open platform for the connector tests: real HTTP, the v2 protocol.

It checks what the gateway checks (app_key, method, v=2, access_token, timestamp within 10 minutes,
the md5 / hmac-sha256 signature over param_json) and answers with the gateway's envelope and error
codes; it keeps shop orders in memory, pages order.searchList from 0 with ``total`` and filters on
``update_time`` in [start, end), refuses page×size over 50 000 like the platform, and refuses a span
longer than ``max_window`` (the platform documents no span limit; this is the limit our adapter
promises to keep, enforced so a regression shows). Stock pushes and shipments are recorded, and
``advance`` moves an order through its life (paid → shipped → completed, or refunded / cancelled)
with a new ``update_time`` so the next incremental pull sees it again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from huitong.integrations.connectors.douyin.client import push_sign, sign
from huitong.integrations.connectors.douyin.mapping import CARRIERS
from huitong.integrations.connectors.fake_server import FakePlatform, FakeRequest, FakeResponse
from huitong.integrations.connectors.times import CHINA

APP_KEY = "7012345678901234567"
APP_SECRET = "douyin-test-secret"
ACCESS_TOKEN = "c6f957da-1239-4343-84a1-c84e68915ff7"
SHOP_ID = 7784061
STATUS_TEXT = {
    1: "待支付",
    105: "已支付",
    2: "备货中",
    101: "部分发货",
    3: "已发货",
    4: "已取消",
    5: "已完成",
}


def envelope(
    data: Any = None, *, code: int = 10000, msg: str = "success", sub_code: str = "", sub_msg: str = ""
) -> dict[str, Any]:
    return {
        "code": code,
        "msg": msg,
        "sub_code": sub_code,
        "sub_msg": sub_msg,
        "log_id": f"2026{int(time.time() * 1000)}",
        "data": data if data is not None else {},
    }


def throttled() -> dict[str, Any]:
    return envelope(
        code=60000, msg="触发限流，请稍后重试", sub_code="isp.flow-limit", sub_msg="接口调用超过限流阈值"
    )


def unix(moment: datetime | int) -> int:
    return moment if isinstance(moment, int) else int(moment.timestamp())


def make_line(
    order_id: str,
    index: int,
    *,
    product_id: int = 3660207428038974464,
    sku_id: int = 1737645186735001,
    out_sku_id: str = "HT-TEA-250",
    name: str = "西湖龙井 250g",
    quantity: int = 1,
    unit_price: int = 4990,
    paid: int | None = None,
    post_amount: int = 0,
) -> dict[str, Any]:
    return {
        "order_id": str(int(order_id) + index + 1),
        "parent_order_id": order_id,
        "product_id": product_id,
        "sku_id": sku_id,
        "out_sku_id": out_sku_id,
        "code": out_sku_id,
        "product_name": name,
        "item_num": quantity,
        "origin_amount": unit_price,
        "sum_amount": unit_price * quantity,
        "pay_amount": paid if paid is not None else unit_price * quantity + post_amount,
        "post_amount": post_amount,
        "spec": [{"name": "规格", "value": name}],
        "goods_type": 0,
        "after_sale_info": {"after_sale_status": 0, "after_sale_type": 0, "refund_status": 0},
    }


def make_order(
    order_id: str,
    *,
    created: datetime | int,
    updated: datetime | int | None = None,
    status: int = 2,
    lines: list[dict[str, Any]] | None = None,
    post_amount: int = 0,
    promotion_amount: int = 0,
    buyer_words: str = "",
    seller_words: str = "",
) -> dict[str, Any]:
    """A shop order as order.searchList returns it (amounts in fen, times in unix seconds)."""
    lines = lines or [make_line(order_id, 0, quantity=2, post_amount=post_amount)]
    for line in lines:
        line.setdefault("order_status", status)
    paid = sum(line["pay_amount"] for line in lines)
    created_at = unix(created)
    return {
        "order_id": order_id,
        "order_level": 2,
        "shop_id": SHOP_ID,
        "shop_name": "汇通茶叶旗舰店",
        "order_status": status,
        "order_status_desc": STATUS_TEXT[status],
        "main_status": status,
        "main_status_desc": STATUS_TEXT[status],
        "create_time": created_at,
        "update_time": unix(updated) if updated is not None else created_at,
        "pay_time": created_at + 30 if status != 1 else 0,
        "finish_time": 0,
        "ship_time": 0,
        "order_amount": paid + promotion_amount,
        "pay_amount": paid,
        "post_amount": post_amount,
        "promotion_amount": promotion_amount,
        "promotion_shop_amount": promotion_amount,
        "promotion_platform_amount": 0,
        "promotion_pay_amount": 0,
        "modify_amount": 0,
        "doudian_open_id": "1@#VrtJKX59ewuPyvUhIKiAtxNZ0wt2BBDARCd6qdLmaBiz59YmNz",
        "buyer_words": buyer_words,
        "seller_words": seller_words,
        "b_type": 2,
        "b_type_desc": "抖音",
        "post_receiver": "张**",
        "post_tel": "138****0000",
        "post_addr": {
            "province": {"name": "浙江省", "id": "33"},
            "city": {"name": "杭州市", "id": "330100"},
            "town": {"name": "西湖区", "id": "330106"},
            "street": {"name": "西溪街道", "id": "330106004"},
            "detail": "文三路***号",
        },
        "sku_order_list": lines,
        "logistics_info": [],
    }


class FakeDouyin(FakePlatform):
    def __init__(
        self,
        *,
        app_key: str = APP_KEY,
        app_secret: str = APP_SECRET,
        access_token: str = ACCESS_TOKEN,
        max_window: timedelta = timedelta(days=1),
    ):
        super().__init__()
        self.app_key, self.app_secret, self.access_token = app_key, app_secret, access_token
        self.max_window = max_window
        self.orders: dict[str, dict[str, Any]] = {}
        self.aftersales: dict[str, dict[str, Any]] = {}
        self.stock_pushes: list[dict[str, Any]] = []
        self.shipments: list[dict[str, Any]] = []
        self.routes = {
            "order.searchList": self._search_list,
            "order.orderDetail": self._order_detail,
            "sku.syncStock": self._sync_stock,
            "order.logisticsAdd": self._logistics_add,
            "afterSale.List": self._aftersale_list,
        }

    # --- test controls ---------------------------------------------------------------------
    def reset(self) -> None:
        """Forget orders, after-sales, recorded calls and pending injected failures (one server
        can then serve a whole test module)."""
        self.orders.clear()
        self.aftersales.clear()
        self.stock_pushes.clear()
        self.shipments.clear()
        with self._lock:
            self.requests.clear()
            self._failures.clear()

    def add_order(self, order: dict[str, Any]) -> dict[str, Any]:
        self.orders[str(order["order_id"])] = order
        return order

    def throttle_next(self, count: int = 1) -> None:
        """The next ``count`` calls answer HTTP 200 with code 60000 (触发限流)."""
        self.inject(FakeResponse(200, throttled()), count)

    def advance(
        self,
        order_id: str,
        to: str,
        *,
        at: datetime | int,
        carrier: str = "SF",
        waybill: str = "SF1234567890123",
        reason: str = "不想要了",
    ) -> dict[str, Any]:
        """Move an order on, as if the buyer/seller/platform acted at ``at``: ``paid``, ``shipped``
        (elsewhere, e.g. in the Douyin back office), ``completed``, ``cancelled``, ``refund_requested``,
        ``refunded`` (full refund after payment: order closed, after-sale 12 售后成功)."""
        order, when = self.orders[order_id], unix(at)
        status = {"paid": 2, "shipped": 3, "completed": 5, "cancelled": 4, "refunded": 4}.get(
            to, order["order_status"]
        )
        if to == "paid":
            order["pay_time"] = when
        elif to == "shipped":
            order["ship_time"] = when
            order["logistics_info"] = [
                {
                    "tracking_no": waybill,
                    "company": CARRIERS.get(carrier, carrier),
                    "company_name": carrier,
                    "ship_time": when,
                    "delivery_id": f"D{order_id}",
                }
            ]
        elif to == "completed":
            order["finish_time"] = when
        elif to in ("refund_requested", "refunded"):
            self._after_sale(order, when, 12 if to == "refunded" else 6, reason)
        elif to != "cancelled":
            raise ValueError(f"unknown transition {to!r}")
        order.update(
            order_status=status,
            order_status_desc=STATUS_TEXT[status],
            main_status=status,
            main_status_desc=STATUS_TEXT[status],
            update_time=when,
        )
        for line in order["sku_order_list"]:
            line.update(order_status=status, update_time=when)
        return order

    def push(self, order_id: str, tag: str = "101") -> tuple[dict[str, str], bytes]:
        """Headers and raw body of a pushed trade message (101 订单支付/确认) naming ``order_id``."""
        order = self.orders[order_id]
        data = {
            "p_id": int(order_id),
            "s_ids": [int(line["order_id"]) for line in order["sku_order_list"]],
            "shop_id": SHOP_ID,
            "order_status": order["order_status"],
            "update_time": order["update_time"],
        }
        body = json.dumps(
            [{"tag": tag, "msg_id": f"{order_id}{tag}", "data": json.dumps(data)}], separators=(",", ":")
        ).encode()
        return {
            "app-id": self.app_key,
            "event-sign": push_sign(app_key=self.app_key, app_secret=self.app_secret, body=body),
        }, body

    # --- gateway ---------------------------------------------------------------------------
    def handle(self, request: FakeRequest) -> FakeResponse:
        method = request.path.strip("/").replace("/", ".")
        query = request.query
        raw = request.body.decode("utf-8") if request.method == "POST" else query.get("param_json", "{}")
        problem = self._gateway_problem(method, query, raw)
        if problem:
            return FakeResponse(200, problem)
        try:
            params = json.loads(raw or "{}")
        except ValueError:
            return FakeResponse(
                200,
                envelope(
                    code=40003,
                    msg="非法的参数",
                    sub_code="isv.parameter-format-invalid",
                    sub_msg="业务参数json解析失败",
                ),
            )
        try:
            return FakeResponse(200, self.routes[method](params))
        except (KeyError, TypeError, ValueError) as exc:
            return FakeResponse(
                200,
                envelope(
                    code=40004, msg="非法的参数", sub_code="isv.parameter-invalid", sub_msg=f"参数错误: {exc}"
                ),
            )

    def _gateway_problem(self, method: str, query: Mapping[str, str], raw: str) -> dict[str, Any] | None:
        def bad(code: int, sub_code: str, sub_msg: str) -> dict[str, Any]:
            return envelope(
                code=code,
                msg={40001: "缺少必选参数", 40003: "非法的参数", 70000: "接口服务已下线"}[code],
                sub_code=sub_code,
                sub_msg=sub_msg,
            )

        if method not in self.routes or query.get("method") != method:
            return bad(70000, "isp.api-service-off", "API不存在或API已下线")
        if not query.get("sign"):
            return bad(40001, "isv.signature-missing", "获取签名失败")
        if query.get("app_key") != self.app_key:
            return bad(40003, "isv.app-id-invalid", "认证失败，app_key不存在")
        if query.get("v") != "2":
            return bad(40003, "isv.parameter-invalid", "v 必须为 2")
        if not query.get("access_token"):
            return bad(40001, "isv.access-token-missing", "认证失败，access_token不能为空")
        if query.get("access_token") != self.access_token:
            return bad(
                40003, "isv.access-token-no-existed", "access_token不存在，请使用最新的access_token访问"
            )
        if not _fresh(query.get("timestamp", "")):
            return bad(40003, "isv.timestamp-invalid", "时间戳不合法")
        method_name = query.get("sign_method", "md5")
        if method_name not in ("md5", "hmac-sha256"):
            return bad(40003, "isv.parameter-invalid", "sign_method 不合法")
        expected = sign(
            app_key=self.app_key,
            app_secret=self.app_secret,
            method=method,
            param_json=raw,
            timestamp=query["timestamp"],
            sign_method=method_name,
        )
        if query["sign"] != expected:
            return bad(40003, "isv.signature-invalid", "签名校验失败")
        return None

    # --- APIs ------------------------------------------------------------------------------
    def _search_list(self, p: Mapping[str, Any]) -> dict[str, Any]:
        def invalid(number: int, text: str) -> dict[str, Any]:
            return envelope(
                code=40004, msg="非法的参数", sub_code=f"isv.parameter-invalid:{number}", sub_msg=text
            )

        if p.get("update_time_start") in (None, "") and p.get("create_time_start") in (None, ""):
            return invalid(20011, "订单查询开始时间不能为空")
        page, size = int(p.get("page", 0)), int(p.get("size", 10))
        if size <= 0 or size > 100:
            return invalid(20008, "单次查询订单数超过限制")
        if page < 0:
            return invalid(10035, "查询订单列表页数不能小于0")
        if (page + 1) * size > 50000:
            return invalid(20013, "订单查询最多支持查询5万")
        field = "update_time" if p.get("update_time_start") not in (None, "") else "create_time"
        start = int(p[f"{field}_start"])
        end = int(p.get(f"{field}_end") or time.time())
        if end - start > self.max_window.total_seconds():
            return invalid(20014, f"查询时间跨度不能超过{int(self.max_window.total_seconds() // 3600)}小时")
        ascending = p.get("order_asc") in (True, "true", "1", 1)
        by = p.get("order_by") or "create_time"
        found = sorted(
            (o for o in self.orders.values() if start <= o[field] < end),
            key=lambda o: (o[by], o["order_id"]),
            reverse=not ascending,
        )
        return envelope(
            {
                "shop_order_list": found[page * size : (page + 1) * size],
                "page": page,
                "size": size,
                "total": len(found),
            }
        )

    def _order_detail(self, p: Mapping[str, Any]) -> dict[str, Any]:
        order = self.orders.get(str(p.get("shop_order_id", "")))
        if order is None:
            return envelope(
                code=40004, msg="非法的参数", sub_code="isv.parameter-invalid:11003", sub_msg="数据不存在"
            )
        return envelope({"shop_order_detail": order})

    def _sync_stock(self, p: Mapping[str, Any]) -> dict[str, Any]:
        if not (p.get("sku_id") or p.get("code") or p.get("out_sku_id")):
            return envelope(
                code=40002,
                msg="缺少必选参数",
                sub_code="isv.missing-parameter",
                sub_msg="sku_id/code 必填其一",
            )
        if not isinstance(p.get("stock_num"), int) or p["stock_num"] < 0:
            return envelope(
                code=40004, msg="非法的参数", sub_code="isv.parameter-invalid", sub_msg="stock_num 不合法"
            )
        self.stock_pushes.append(dict(p))
        return envelope({})

    def _logistics_add(self, p: Mapping[str, Any]) -> dict[str, Any]:
        order = self.orders.get(str(p.get("order_id", "")))
        if order is None:
            return envelope(
                code=40004, msg="非法的参数", sub_code="isv.parameter-invalid:11003", sub_msg="订单不存在"
            )
        if p.get("company_code") not in CARRIERS.values() or not p.get("logistics_code"):
            return envelope(
                code=40004,
                msg="非法的参数",
                sub_code="isv.parameter-invalid",
                sub_msg="物流公司或运单号不合法",
            )
        if order["order_status"] not in (2, 101):
            return envelope(
                code=50002, msg="业务处理失败", sub_code="isv.business-failed", sub_msg="订单当前状态不能发货"
            )
        self.shipments.append(dict(p))
        code = {v: k for k, v in CARRIERS.items()}[p["company_code"]]
        self.advance(
            order["order_id"], "shipped", at=int(time.time()), carrier=code, waybill=p["logistics_code"]
        )
        return envelope({})

    def _aftersale_list(self, p: Mapping[str, Any]) -> dict[str, Any]:
        page, size = int(p.get("page", 0)), int(p.get("size", 10))
        if size <= 0 or size > 100 or (page + 1) * size > 50000:
            return envelope(
                code=40004, msg="非法的参数", sub_code="isv.parameter-invalid:11000", sub_msg="参数错误"
            )
        start, end = int(p.get("update_start_time", 0)), int(p.get("update_end_time") or time.time())
        found = sorted(
            (a for a in self.aftersales.values() if start <= a["aftersale_info"]["update_time"] < end),
            key=lambda a: (a["aftersale_info"]["update_time"], a["aftersale_info"]["aftersale_id"]),
        )
        return envelope(
            {
                "items": found[page * size : (page + 1) * size],
                "has_more": (page + 1) * size < len(found),
                "total": len(found),
                "page": page,
                "size": size,
            }
        )

    def _after_sale(self, order: dict[str, Any], when: int, status: int, reason: str) -> None:
        aftersale_id = f"7{order['order_id'][1:]}"
        refund_status = 3 if status == 12 else 1
        for line in order["sku_order_list"]:
            line["after_sale_info"] = {
                "after_sale_status": status,
                "after_sale_type": 2,
                "refund_status": refund_status,
            }
        record = self.aftersales.setdefault(
            aftersale_id,
            {
                "aftersale_info": {
                    "aftersale_id": aftersale_id,
                    "aftersale_type": 2,
                    "apply_time": when,
                    "create_time": when,
                    "refund_amount": order["pay_amount"],
                },
                "order_info": {
                    "shop_order_id": order["order_id"],
                    "related_order_info": [
                        {
                            "sku_order_id": line["order_id"],
                            "item_num": line["item_num"],
                            "pay_amount": line["pay_amount"],
                        }
                        for line in order["sku_order_list"]
                    ],
                },
                "text_part": {"reason_text": reason},
            },
        )
        record["aftersale_info"].update(
            aftersale_status=status, refund_status=refund_status, update_time=when
        )


def _fresh(timestamp: str, tolerance: float = 600) -> bool:
    """Unix seconds (preferred) or 'yyyy-MM-dd HH:mm:ss' Beijing time, within 10 minutes of now."""
    try:
        moment = float(int(timestamp))
    except ValueError:
        try:
            moment = datetime.strptime(timestamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA).timestamp()
        except ValueError:
            return False
    return abs(time.time() - moment) <= tolerance
