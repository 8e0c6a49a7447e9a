"""Pure functions: TOP payloads → the DTOs of ``connectors.base``.

TOP shapes (JSON, ``format=json`` without ``simplify``):
- a trade (``taobao.trade.fullinfo.get`` → ``trade``, ``taobao.trades.sold.increment.get`` → ``trades.trade[]``):
  ids ``tid``/``tid_str``, money as yuan strings (``payment``, ``post_fee``, ``total_fee``), times
  ``yyyy-MM-dd HH:mm:ss`` Beijing, lines in ``orders.order[]`` (``oid``, ``num_iid``, ``sku_id``,
  ``outer_iid``/``outer_sku_id``, ``price``, ``num``, ``total_fee``, ``refund_status``, ``logistics_company``,
  ``invoice_no``); receiver and buyer data come masked (``张**``, ``138****5678``) and stay masked;
- a refund (``taobao.refunds.receive.get`` → ``refunds.refund[]``): ``refund_id``, ``tid``, ``oid``,
  ``refund_fee``, ``status``, ``reason``, ``created``, ``modified``;
- a TMC message: ``{"topic": "taobao_trade_TradeChanged", "content": "<JSON text with tid, oid, status...>"}``;
- an error: ``{"error_response": {"code": 7, "msg": "App Call Limited", "sub_code": ..., "sub_msg": ...}}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from huitong.integrations.connectors.base import (
    Address,
    ConnectorError,
    OrderState,
    PlatformLine,
    PlatformOrder,
    PlatformRefund,
    RefundState,
    Shipment,
)
from huitong.integrations.connectors.money import yuan_to_fen
from huitong.integrations.connectors.payloads import parse_quantity, require_object
from huitong.integrations.connectors.payloads import text as _text
from huitong.integrations.connectors.tables import status_of
from huitong.integrations.connectors.times import china_local

# Trade.status (交易状态) → Huitong.
ORDER_STATUS: dict[str, OrderState] = {
    "TRADE_NO_CREATE_PAY": OrderState.PENDING_PAYMENT,  # 没有创建支付宝交易
    "WAIT_BUYER_PAY": OrderState.PENDING_PAYMENT,  # 等待买家付款 (presale deposits too: see step_trade_status)
    "PAY_PENDING": OrderState.PENDING_PAYMENT,  # 外卡支付付款确认中
    "WAIT_PRE_AUTH_CONFIRM": OrderState.PENDING_PAYMENT,  # 0元购合约中
    "PAID_FORBID_CONSIGN": OrderState.PAID,  # 拼团中: paid, not yet allowed to ship
    "WAIT_SELLER_SEND_GOODS": OrderState.PAID,  # 等待卖家发货
    "SELLER_CONSIGNED_PART": OrderState.PAID,  # 卖家部分发货: some lines still wait for the seller
    "WAIT_BUYER_CONFIRM_GOODS": OrderState.SHIPPED,  # 等待买家确认收货
    "TRADE_BUYER_SIGNED": OrderState.SHIPPED,  # 买家已签收 (货到付款), not yet 交易成功
    "TRADE_FINISHED": OrderState.COMPLETED,  # 交易成功
    "TRADE_CLOSED": OrderState.CANCELLED,  # 付款以后用户退款成功，交易自动关闭
    "TRADE_CLOSED_BY_TAOBAO": OrderState.CANCELLED,  # 付款以前，卖家或买家主动关闭交易
}

# Refund.status and Order.refund_status (退款状态) → Huitong.
REFUND_STATUS: dict[str, RefundState] = {
    "NO_REFUND": RefundState.NONE,  # 无退款
    "WAIT_SELLER_AGREE": RefundState.REQUESTED,  # 买家已经申请退款，等待卖家同意
    "WAIT_BUYER_RETURN_GOODS": RefundState.APPROVED,  # 卖家已经同意退款，等待买家退货
    "WAIT_SELLER_CONFIRM_GOODS": RefundState.APPROVED,  # 买家已经退货，等待卖家确认收货
    "SELLER_REFUSE_BUYER": RefundState.REJECTED,  # 卖家拒绝退款
    "CLOSED": RefundState.CANCELLED,  # 退款关闭 (buyer withdrew, or it lapsed)
    "SUCCESS": RefundState.REFUNDED,  # 退款成功
}

# Huitong carrier code → (TOP logistics company_code, the company name TOP shows on trades).
CARRIERS: dict[str, tuple[str, str]] = {
    "SF": ("SF", "顺丰速运"),
    "ZTO": ("ZTO", "中通快递"),
    "YTO": ("YTO", "圆通速递"),
    "STO": ("STO", "申通快递"),
    "YD": ("YUNDA", "韵达快递"),
    "JD": ("JD", "京东快递"),
    "EMS": ("EMS", "EMS"),
}

# Error codes meaning "try again later": 7 App Call Limited, 10 Service Currently Unavailable; sub codes
# isp.* (platform side: isp.remote-service-timeout, isp.top-remote-connection-timeout, ...) and
# accesscontrol.* (accesscontrol.limited-by-app-access-count, -by-api-access-count, ...).
TRANSIENT_CODES = {"7", "10"}
TRANSIENT_SUB_CODES = ("isp.", "accesscontrol.")

TRADE_RESPONSES = ("trades_sold_increment_get_response", "trades_sold_get_response")
TRADE_TOPICS = ("taobao_trade_", "taobao_refund_")


# --- errors --------------------------------------------------------------------------------------
def is_transient_error(payload: Any) -> bool:
    error = payload.get("error_response") if isinstance(payload, Mapping) else None
    if not isinstance(error, Mapping):
        return False
    sub_code = str(error.get("sub_code") or "")
    return str(error.get("code", "")) in TRANSIENT_CODES or sub_code.startswith(TRANSIENT_SUB_CODES)


def raise_for_error(payload: Any, *, context: str = "") -> None:
    """Raise ConnectorError for an ``error_response`` (code = sub_code, else the numeric code)."""
    error = payload.get("error_response") if isinstance(payload, Mapping) else None
    if error is None:
        return
    if not isinstance(error, Mapping):
        raise ConnectorError(f"TOP {context}: malformed error_response", payload=payload)
    text = f"code {error.get('code')} {error.get('msg') or ''}".rstrip()
    if error.get("sub_code") or error.get("sub_msg"):
        text += f" ({error.get('sub_code') or ''}: {error.get('sub_msg') or ''})"
    code = str(error.get("sub_code") or error.get("code") or "")
    raise ConnectorError(f"TOP {context} refused: {text}", code=code, payload=payload)


# --- small readers -------------------------------------------------------------------------------
def _id(data: Mapping[str, Any], name: str, *, what: str) -> str:
    value = _text(data.get(f"{name}_str")) or _text(data.get(name))
    if not value:
        raise ConnectorError(f"{what} without {name}", payload=data)
    return value


def _time(data: Mapping[str, Any], name: str, *, what: str) -> datetime:
    moment = china_local(data.get(name), field=f"{what} {name}")
    if moment is None:
        raise ConnectorError(f"{what} without {name}", payload=data)
    return moment


def _money(data: Mapping[str, Any], name: str, *, what: str, required: bool = False) -> int:
    if required and data.get(name) in (None, ""):
        raise ConnectorError(f"{what} without {name}", payload=data)
    return yuan_to_fen(data.get(name), field=f"{what} {name}")


def listed(container: Any, key: str) -> list[dict[str, Any]]:
    """TOP wraps lists as ``{"trade": [...]}`` (and omits them when empty); ``simplify=true`` gives the list."""
    if container is None:
        return []
    items = container.get(key, []) if isinstance(container, Mapping) else container
    if isinstance(items, Mapping):  # a single element, as some XML-to-JSON converters leave it
        items = [items]
    if not isinstance(items, list) or not all(isinstance(item, Mapping) for item in items):
        raise ConnectorError(f"expected a list of {key}", payload=container)
    return items


def order_state(status: Any, *, tid: str = "") -> OrderState:
    unknown = "unknown Taobao trade status {status!r}" + (" on trade {tid}" if tid else "")
    return status_of(ORDER_STATUS, _text(status), unknown, status=status, tid=tid)


def refund_state(status: Any, *, what: str = "") -> RefundState:
    unknown = "unknown Taobao refund status {key!r}" + (" on {what}" if what else "")
    return status_of(REFUND_STATUS, _text(status) or "NO_REFUND", unknown, what=what)


def huitong_carrier(company: str) -> str:
    """A TOP company code or display name → the Huitong carrier code (the TOP value when unknown)."""
    for code, (top_code, name) in CARRIERS.items():
        if company in (top_code, name):
            return code
    return company


# --- trades --------------------------------------------------------------------------------------
def map_line(order: Mapping[str, Any], *, tid: str) -> PlatformLine:
    what = f"trade {tid} order"
    oid = _id(order, "oid", what=what)
    what = f"trade {tid} order {oid}"
    sku_id = _text(order.get("sku_id"))
    merchant_code = (_text(order.get("outer_sku_id")) if sku_id else "") or _text(order.get("outer_iid"))
    not_a_quantity = "{what}: num is not a quantity: {value!r}"
    quantity = parse_quantity(order.get("num"), not_a_quantity, payload=order, what=what)
    return PlatformLine(
        line_id=oid,
        item_id=_text(order.get("num_iid")),
        sku_id=sku_id,
        merchant_code=merchant_code,
        title=_text(order.get("title")),
        quantity=quantity,
        unit_price_fen=_money(order, "price", what=what, required=True),
        # total_fee = price * num + adjust_fee - discount_fee: the line after its own discounts, before the
        # trade-level ones and without postage (order.payment includes postage on single-line trades).
        amount_fen=_money(order, "total_fee", what=what, required=True),
        refund_state=refund_state(order.get("refund_status"), what=what),
    )


def _shipment(orders: list[Mapping[str, Any]]) -> Shipment | None:
    for order in orders:
        waybill = _text(order.get("invoice_no"))
        if waybill:
            return Shipment(
                carrier_code=huitong_carrier(_text(order.get("logistics_company"))), waybill_no=waybill
            )
    return None


def _receiver(trade: Mapping[str, Any]) -> Address:
    return Address(
        name=_text(trade.get("receiver_name")),
        phone=_text(trade.get("receiver_mobile")) or _text(trade.get("receiver_phone")),
        province=_text(trade.get("receiver_state")),
        city=_text(trade.get("receiver_city")),
        district=_text(trade.get("receiver_district")),
        detail=_text(trade.get("receiver_address")),
    )


def map_trade(trade: Mapping[str, Any]) -> PlatformOrder:
    require_object(trade, "a Taobao trade must be an object, not {type}")
    tid = _id(trade, "tid", what="Taobao trade")
    what = f"trade {tid}"
    status = _text(trade.get("status"))
    state = order_state(status, tid=tid)
    orders = listed(trade.get("orders"), "order")
    if not orders:
        raise ConnectorError(f"{what} has no orders (lines); request the 'orders' field", payload=trade)
    lines = tuple(map_line(order, tid=tid) for order in orders)
    total = _money(trade, "payment", what=what, required=True)
    shipping = _money(trade, "post_fee", what=what)
    return PlatformOrder(
        order_id=tid,
        state=state,
        platform_status=status,
        created_at=_time(trade, "created", what=what),
        updated_at=_time(trade, "modified", what=what),
        lines=lines,
        total_fen=total,
        shipping_fen=shipping,
        # payment = lines after their discounts + postage - trade-level discounts (满减, coupons, 红包 shares)
        discount_fen=sum(line.amount_fen for line in lines) + shipping - total,
        paid_at=china_local(trade.get("pay_time"), field=f"{what} pay_time"),
        buyer_id=_text(trade.get("buyer_open_uid")),
        buyer_nick=_text(trade.get("buyer_nick")),
        receiver=_receiver(trade),
        buyer_remark=_text(trade.get("buyer_message")),
        seller_remark=_text(trade.get("seller_memo")),
        shipment=_shipment(orders),
        raw=dict(trade),
    )


def trades_in(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The trade objects of a saved TOP answer: increment/sold list, fullinfo, or one bare trade."""
    raise_for_error(payload, context="payload")
    for key in TRADE_RESPONSES:
        if key in payload:
            return listed((payload[key] or {}).get("trades"), "trade")
    if "trade_fullinfo_get_response" in payload:
        trade = (payload["trade_fullinfo_get_response"] or {}).get("trade")
        if not isinstance(trade, Mapping):
            raise ConnectorError("trade_fullinfo_get_response without trade", payload=payload)
        return [trade]
    if "tid" in payload or "tid_str" in payload:
        return [payload]
    raise ConnectorError(
        "not a Taobao trade payload (expected trades_sold_increment_get_response, "
        "trade_fullinfo_get_response, a trade or a TMC message)",
        payload=payload,
    )


# --- TMC push messages ---------------------------------------------------------------------------
def is_tmc_message(payload: Mapping[str, Any]) -> bool:
    return "tmc_messages_consume_response" in payload or ("topic" in payload and "content" in payload)


def tmc_trade_ids(payload: Mapping[str, Any]) -> list[str]:
    """Trade ids named by TMC messages on trade and refund topics, in order, once each. A TMC message only
    names the trade (tid, oid, status, payment); the adapter fetches the trade itself."""
    if "tmc_messages_consume_response" in payload:
        messages = listed((payload["tmc_messages_consume_response"] or {}).get("messages"), "tmc_message")
    else:
        messages = [payload]
    tids: list[str] = []
    for message in messages:
        topic = _text(message.get("topic"))
        if not topic.startswith(TRADE_TOPICS):
            continue
        content = message.get("content")
        try:
            content = json.loads(content) if isinstance(content, str) else content
        except ValueError:
            raise ConnectorError(f"TMC {topic}: content is not JSON", payload=message) from None
        if not isinstance(content, Mapping):
            raise ConnectorError(f"TMC {topic}: content is not an object", payload=message)
        tid = _id(content, "tid", what=f"TMC message {topic}")
        if tid not in tids:
            tids.append(tid)
    return tids


# --- refunds -------------------------------------------------------------------------------------
def map_refund(refund: Mapping[str, Any]) -> PlatformRefund:
    refund_id = _id(refund, "refund_id", what="Taobao refund")
    what = f"refund {refund_id}"
    status = _text(refund.get("status"))
    if not status:
        raise ConnectorError(f"{what} without status", payload=refund)
    return PlatformRefund(
        refund_id=refund_id,
        order_id=_id(refund, "tid", what=what),
        line_id=_text(refund.get("oid")),
        amount_fen=_money(refund, "refund_fee", what=what, required=True),
        state=refund_state(status, what=what),
        platform_status=status,
        reason=_text(refund.get("reason")),
        created_at=_time(refund, "created", what=what),
        updated_at=_time(refund, "modified", what=what),
    )
