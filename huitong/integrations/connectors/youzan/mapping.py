"""Youzan (有赞) payloads → the DTOs of ``base.py``. Pure functions, no I/O.

A trade (youzan.trade.get 4.0.2 ``data``, an element of youzan.trades.sold.get 4.0.4
``full_order_info_list``, or the decoded ``msg`` of a trade push) is ``{"full_order_info": {...},
"refund_order": [...], "delivery_order": [...], "order_promotion": {...}}``; ``full_order_info`` has
``order_info`` {tid, status, created, update_time, pay_time — Beijing time 'yyyy-MM-dd HH:mm:ss'},
``buyer_info`` {yz_open_id, buyer_id, fans_nickname}, ``address_info`` {receiver_name, receiver_tel,
delivery_province/city/district/address}, ``remark_info`` {buyer_message, trade_memo}, ``pay_info``
{payment, post_fee, total_fee} and ``orders[]`` {oid, item_id, sku_id, outer_sku_id, outer_item_id,
title, num, price, total_fee, payment}. Money is yuan as text ("9.82"); a few fields elsewhere are
fen, none of them read here. ``orders[].total_fee`` is price × num less item-level discounts
(order-level discounts are not in it), so ``discount_fen`` is what the lines and post fee exceed the
payment by.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus

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
from huitong.integrations.connectors.payloads import positive_quantity, require_object, required_text
from huitong.integrations.connectors.payloads import text as _text
from huitong.integrations.connectors.tables import carrier_of, status_of
from huitong.integrations.connectors.times import china_local
from huitong.integrations.connectors.youzan.client import error_of

# order_info.status (主订单状态), plus the 3.x values still seen in older push messages.
ORDER_STATUS: dict[str, OrderState] = {
    "WAIT_BUYER_PAY": OrderState.PENDING_PAYMENT,  # 等待买家付款（含定金/尾款待付）
    "TRADE_NO_CREATE_PAY": OrderState.PENDING_PAYMENT,  # 没有创建支付交易 (3.x)
    "TRADE_PAID": OrderState.PAID,  # 已支付（瞬时，随即进入后续状态）
    "WAIT_CONFIRM": OrderState.PAID,  # 待确认：待成团 / 待接单
    "WAIT_GROUP": OrderState.PAID,  # 等待成团 (3.x)
    "WAIT_SELLER_SEND_GOODS": OrderState.PAID,  # 等待卖家发货
    "WAIT_BUYER_CONFIRM_GOODS": OrderState.SHIPPED,  # 卖家已发货，等待买家确认收货
    "TRADE_BUYER_SIGNED": OrderState.COMPLETED,  # 买家已签收 (3.x)
    "TRADE_SUCCESS": OrderState.COMPLETED,  # 交易成功
    "TRADE_CLOSED": OrderState.CANCELLED,  # 交易关闭：取消、超时未付或全额退款
}

# Refund states: the ``status`` of youzan.trade.refund.search / refund.get, and the integer
# ``refund_state`` of a trade's ``refund_order[]`` (kept as text keys) used for line refund states.
REFUND_STATUS: dict[str, RefundState] = {
    "WAIT_SELLER_AGREE": RefundState.REQUESTED,  # 买家申请，等待卖家同意
    "WAIT_BUYER_RETURN_GOODS": RefundState.APPROVED,  # 卖家同意退货，等待买家退货
    "WAIT_SELLER_CONFIRM_GOODS": RefundState.APPROVED,  # 买家已退货，等待卖家确认收货
    "SELLER_REFUSE_BUYER": RefundState.REJECTED,  # 卖家拒绝退款
    "SELLER_REFUSE_BUYER_RETURN_GOODS": RefundState.REJECTED,  # 卖家未收到货，拒绝退款
    "CLOSED": RefundState.CANCELLED,  # 退款关闭（买家撤销）
    "SUCCESS": RefundState.REFUNDED,  # 退款成功
    "1": RefundState.REQUESTED,  # 买家已申请，等待卖家同意
    "10": RefundState.REJECTED,  # 卖家拒绝
    "20": RefundState.APPROVED,  # 卖家同意退货，等待买家退货
    "30": RefundState.APPROVED,  # 买家已退货，等待卖家确认收货
    "40": RefundState.REJECTED,  # 卖家未收到货，拒绝退款
    "50": RefundState.CANCELLED,  # 退款关闭
    "60": RefundState.REFUNDED,  # 退款成功
}

# Huitong carrier code → Youzan express company id (``out_stype``; youzan.logistics.express.get).
CARRIERS: dict[str, str] = {
    "STO": "1",  # 申通快递
    "YTO": "2",  # 圆通速递
    "ZTO": "3",  # 中通快递
    "YD": "4",  # 韵达快递
    "SF": "7",  # 顺丰速运
    "EMS": "10",  # EMS
    "JD": "138",  # 京东快递
}
_HUITONG_CARRIER = {express_id: ours for ours, express_id in CARRIERS.items()}


def order_state(code: Any) -> OrderState:
    return status_of(ORDER_STATUS, str(code), "youzan: unknown trade status {code!r}", code=code)


def refund_state(code: Any) -> RefundState:
    return status_of(REFUND_STATUS, str(code), "youzan: unknown refund status {code!r}", code=code)


def carrier_code(huitong_code: str) -> str:
    """Huitong carrier (SF, ZTO...) → Youzan express company id (``out_stype``)."""
    unknown = "youzan: no express company for carrier {carrier!r}"
    return carrier_of(CARRIERS, huitong_code.strip().upper(), unknown, carrier=huitong_code)


def huitong_carrier(express_id: Any) -> str:
    """Youzan express id → Huitong carrier code, or the platform's own id when unknown."""
    return _HUITONG_CARRIER.get(_text(express_id), _text(express_id))


# --- orders ------------------------------------------------------------------------------
def order_from_trade(trade: Mapping[str, Any]) -> PlatformOrder:
    """A trade {full_order_info, refund_order?, delivery_order?, ...} (or a bare full_order_info)."""
    require_object(trade, "youzan: a trade must be an object, got {type}")
    full = trade.get("full_order_info", trade)
    info = full.get("order_info") if isinstance(full, Mapping) else None
    if not isinstance(info, Mapping):
        raise ConnectorError("youzan trade: full_order_info.order_info missing")
    tid = required_text(info.get("tid"), "youzan trade: order_info.tid missing")
    where = f"youzan trade {tid}"
    created = _time(info.get("created"), f"{where}: created", required=True)
    pay = full.get("pay_info") or {}
    if pay.get("payment") in (None, ""):
        raise ConnectorError(f"{where}: pay_info.payment missing")
    total = yuan_to_fen(pay["payment"], field=f"{where}: pay_info.payment")
    shipping = yuan_to_fen(pay.get("post_fee"), field=f"{where}: pay_info.post_fee")
    line_refunds = _line_refunds(trade.get("refund_order") or [])
    items = full.get("orders")
    if not isinstance(items, list) or not items:
        raise ConnectorError(f"{where}: orders is empty")
    lines = tuple(_line(item, where, line_refunds) for item in items)
    buyer, address, remark = (
        full.get("buyer_info") or {},
        full.get("address_info") or {},
        full.get("remark_info") or {},
    )
    return PlatformOrder(
        order_id=tid,
        state=order_state(info.get("status")),
        platform_status=_text(info.get("status")),
        created_at=created,
        updated_at=_time(info.get("update_time"), f"{where}: update_time") or created,
        lines=lines,
        total_fen=total,
        shipping_fen=shipping,
        discount_fen=sum(line.amount_fen for line in lines) + shipping - total,
        paid_at=_time(info.get("pay_time"), f"{where}: pay_time"),
        buyer_id=_text(buyer.get("yz_open_id") or buyer.get("buyer_id")),
        buyer_nick=_text(buyer.get("fans_nickname")),
        receiver=Address(
            name=_text(address.get("receiver_name")),
            phone=_text(address.get("receiver_tel")),
            province=_text(address.get("delivery_province")),
            city=_text(address.get("delivery_city")),
            district=_text(address.get("delivery_district")),
            detail=_text(address.get("delivery_address")),
        ),
        buyer_remark=_text(remark.get("buyer_message")),
        seller_remark=_text(remark.get("trade_memo")),
        shipment=_shipment(trade.get("delivery_order")),
        raw=dict(trade),
    )


def orders_from_response(payload: Mapping[str, Any]) -> list[PlatformOrder]:
    """A saved answer of youzan.trades.sold.get or youzan.trade.get (envelope or just ``data``)."""
    if not isinstance(payload, Mapping):
        raise ConnectorError("youzan: expected a trades.sold.get / trade.get answer")
    _refuse_error(payload)
    data = payload.get("data", payload.get("response", payload))
    if not isinstance(data, Mapping):
        raise ConnectorError("youzan: answer has no data object")
    if "full_order_info_list" in data:
        trades = data["full_order_info_list"]
        if not isinstance(trades, list):
            raise ConnectorError("youzan trades.sold.get: full_order_info_list is not a list")
        return [order_from_trade(trade) for trade in trades]
    if "full_order_info" in data or "order_info" in data:
        return [order_from_trade(data)]
    raise ConnectorError("youzan: no full_order_info_list or full_order_info in payload")


def is_push(payload: Any) -> bool:
    return isinstance(payload, Mapping) and "msg" in payload and ("type" in payload or "client_id" in payload)


def push_message(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The decoded ``msg`` of a push: URL-encoded (UTF-8) JSON text in trade messages, already an
    object in the newer refund messages."""
    msg = payload.get("msg")
    if isinstance(msg, Mapping):
        return dict(msg)
    if not isinstance(msg, str) or not msg:
        raise ConnectorError(f"youzan push {payload.get('msg_id', '')}: msg missing")
    try:
        decoded = json.loads(unquote_plus(msg))
    except ValueError as exc:
        raise ConnectorError(
            f"youzan push {payload.get('type', '')} {payload.get('id', '')}: msg is not JSON"
        ) from exc
    if not isinstance(decoded, dict):
        raise ConnectorError(f"youzan push {payload.get('type', '')}: msg is not an object")
    return decoded


def push_tid(payload: Mapping[str, Any], message: Mapping[str, Any]) -> str:
    """The order a push is about: msg.tid, else the message ``id`` (订单消息为订单编号)."""
    info = (message.get("full_order_info") or {}).get("order_info") or {}
    return _text(info.get("tid") or message.get("tid") or payload.get("id"))


# --- refunds -----------------------------------------------------------------------------
def refund_from_payload(item: Mapping[str, Any]) -> PlatformRefund:
    """One element of youzan.trade.refund.search ``refunds``."""
    if not isinstance(item, Mapping):
        raise ConnectorError("youzan refund: not an object")
    refund_id = required_text(item.get("refund_id"), "youzan refund: refund_id missing")
    where = f"youzan refund {refund_id}"
    tid = required_text(item.get("tid"), f"{where}: tid missing")
    created = _time(item.get("created"), f"{where}: created", required=True)
    status = item.get("status")
    return PlatformRefund(
        refund_id=refund_id,
        order_id=tid,
        line_id=_text(item.get("oid")),
        amount_fen=yuan_to_fen(item.get("refund_fee"), field=f"{where}: refund_fee"),
        state=refund_state(status),
        platform_status=_text(status),
        reason=_text(item.get("reason_desc") or item.get("reason")),
        created_at=created,
        updated_at=_time(item.get("modified"), f"{where}: modified") or created,
    )


# --- helpers -----------------------------------------------------------------------------
def _line(item: Mapping[str, Any], where: str, refunds: Mapping[str, RefundState]) -> PlatformLine:
    if not isinstance(item, Mapping):
        raise ConnectorError(f"{where}: orders entry is not an object")
    oid = required_text(item.get("oid"), f"{where}: orders[].oid missing")
    here = f"{where} line {oid}"
    quantity = positive_quantity(item.get("num"), f"{here}: num")
    amount = item.get("total_fee") if item.get("total_fee") not in (None, "") else item.get("payment")
    return PlatformLine(
        line_id=oid,
        item_id=_text(item.get("item_id")),
        sku_id="" if _text(item.get("sku_id")) in ("", "0") else _text(item.get("sku_id")),
        merchant_code=_text(item.get("outer_sku_id")) or _text(item.get("outer_item_id")),
        title=_text(item.get("title")),
        quantity=quantity,
        unit_price_fen=yuan_to_fen(item.get("price"), field=f"{here}: price"),
        amount_fen=yuan_to_fen(amount, field=f"{here}: total_fee"),
        refund_state=refunds.get(oid, RefundState.NONE),
    )


def _line_refunds(refund_orders: Any) -> dict[str, RefundState]:
    """oid → refund state from a trade's refund_order[] ({refund_id, refund_state, oids: [{oid}]})."""
    states: dict[str, RefundState] = {}
    for refund in refund_orders if isinstance(refund_orders, list) else []:
        state = refund_state(refund.get("refund_state"))
        for entry in refund.get("oids") or []:
            states[_text(entry.get("oid") if isinstance(entry, Mapping) else entry)] = state
    return states


def _shipment(delivery_orders: Any) -> Shipment | None:
    for delivery in delivery_orders if isinstance(delivery_orders, list) else []:
        for dist in delivery.get("dists") or []:
            express = dist.get("express_info") or {}
            if express.get("express_no"):
                return Shipment(huitong_carrier(express.get("express_id")), _text(express["express_no"]))
    return None


def _refuse_error(payload: Mapping[str, Any]) -> None:
    error = error_of(payload)
    if error:
        raise ConnectorError(
            f"youzan: saved answer is an error: {error[0]} {error[1]}".strip(),
            code=str(error[0]),
            payload=payload,
        )


def _time(value: Any, field: str, *, required: bool = False) -> datetime | None:
    moment = china_local(value if value not in (None, "") else None, field=field)
    if moment is None and required:
        raise ConnectorError(f"{field} missing")
    return moment
