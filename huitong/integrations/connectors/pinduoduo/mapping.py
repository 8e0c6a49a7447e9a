"""Pinduoduo payloads → connector DTOs. Pure functions: no HTTP, no clock.

PDD order money comes as yuan JSON numbers (``pay_amount: 88.8``), which ``money.yuan_to_fen``
takes through their shortest repr, never float arithmetic; refund documents carry integer fen.
Times are Beijing wall-clock text ("2026-11-11 10:00:00"). An order has two codes: the shipping
status (``order_status``) and the after-sale summary (``refund_status``); the state is read from
the first, except that an unshipped order whose refund succeeded is closed (cancelled). PDD gives
the seller no buyer id or nick; receiver fields come masked (``*_mask``) or encrypted and are kept
as given.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
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
    UnknownStatus,
)
from huitong.integrations.connectors.money import fen, yuan_to_fen
from huitong.integrations.connectors.payloads import (
    nonempty_list,
    parse_quantity,
    parsed_json,
    require_object,
    required_china_time,
    required_text,
    sku_line_id,
)
from huitong.integrations.connectors.tables import carrier_of, status_of
from huitong.integrations.connectors.times import china_local

# ``order_status`` (发货状态). Unpaid / un-grouped orders are never returned by the order APIs.
ORDER_STATUS: dict[int, OrderState] = {
    1: OrderState.PAID,  # 待发货
    2: OrderState.SHIPPED,  # 已发货待签收
    3: OrderState.COMPLETED,  # 已签收
}

# ``refund_status`` (售后状态) of an order; it applies to the order's lines.
REFUND_STATUS: dict[int, RefundState] = {
    1: RefundState.NONE,  # 无售后或售后关闭
    2: RefundState.REQUESTED,  # 售后处理中
    3: RefundState.APPROVED,  # 退款中
    4: RefundState.REFUNDED,  # 退款成功
}

# ``after_sales_status`` of a refund document (pdd.refund.list.increment.get). Exchange (14-18),
# repair (21-27) and resend (32) statuses belong to after-sales types that move no money and are
# not read as refunds (see MONEY_AFTER_SALES_TYPES).
AFTER_SALES_STATUS: dict[int, RefundState] = {
    0: RefundState.NONE,  # 无售后
    2: RefundState.REQUESTED,  # 买家申请退款，待商家处理
    3: RefundState.REQUESTED,  # 退货退款，待商家处理
    4: RefundState.APPROVED,  # 商家同意退款，退款中
    5: RefundState.APPROVED,  # 平台同意退款，退款中
    6: RefundState.REJECTED,  # 驳回退款，待买家处理
    7: RefundState.APPROVED,  # 已同意退货退款，待用户发货
    8: RefundState.REQUESTED,  # 平台处理中
    9: RefundState.REJECTED,  # 平台拒绝退款，退款关闭
    10: RefundState.REFUNDED,  # 退款成功
    11: RefundState.CANCELLED,  # 买家撤销
    12: RefundState.CANCELLED,  # 买家逾期未处理，退款失败
    13: RefundState.CANCELLED,  # 买家逾期，超过有效期
    31: RefundState.APPROVED,  # 已同意拒收退款，待用户拒收
}
MONEY_AFTER_SALES_TYPES = frozenset({2, 3})  # 2 仅退款, 3 退货退款 (4 换货, 5 补寄, 6 维修: no money)

# Huitong carrier code → PDD ``logistics_id`` (pdd.logistics.companies.get).
CARRIERS: dict[str, int] = {
    "SF": 44,  # 顺丰快递
    "ZTO": 115,  # 中通快递
    "YTO": 85,  # 圆通快递
    "STO": 1,  # 申通快递
    "YD": 121,  # 韵达快递
    "JD": 120,  # 京东快递
    "EMS": 118,  # 邮政 EMS
}
CARRIER_OF_LOGISTICS_ID: dict[int, str] = {v: k for k, v in CARRIERS.items()}

INCREMENT_RESPONSE = "order_sn_increment_get_response"
LIST_RESPONSE = "order_list_get_response"
INFO_RESPONSE = "order_info_get_response"


def _code(value: Any, what: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise UnknownStatus(f"PDD {what} {value!r} is not a status code", code=str(value)) from None


def order_state(order_status: Any, refund_status: Any = 1) -> OrderState:
    code = _code(order_status, "order_status")
    state = status_of(ORDER_STATUS, code, "PDD order_status {key} is not in the PDD order table")
    if code == 1 and refund_state(refund_status) is RefundState.REFUNDED:
        return OrderState.CANCELLED  # refunded before shipping: the trade is closed
    return state


def refund_state(refund_status: Any) -> RefundState:
    code = _code(refund_status, "refund_status")
    return status_of(REFUND_STATUS, code, "PDD refund_status {key} is not in the PDD refund table")


def after_sales_state(status: Any) -> RefundState:
    code = _code(status, "after_sales_status")
    unknown = "PDD after_sales_status {key} is not in the PDD after-sales table"
    return status_of(AFTER_SALES_STATUS, code, unknown)


def logistics_id(carrier_code: str) -> int:
    """Huitong carrier code (or a PDD logistics_id given as digits) → PDD logistics_id."""
    code = carrier_code.strip().upper()
    if code not in CARRIERS and code.isdigit():
        return int(code)
    return carrier_of(CARRIERS, code, "carrier {carrier!r} has no PDD logistics_id", carrier=carrier_code)


def map_order(info: Mapping[str, Any]) -> PlatformOrder:
    """One order object (increment list entry or order_info) → PlatformOrder."""
    require_object(info, "PDD order: expected an object, got {type}")
    order_sn = required_text(info.get("order_sn") or "", "PDD order without order_sn", payload=info)
    where = f"PDD order {order_sn}"
    created_at = required_china_time(info, "created_time", where)
    refund_status = info.get("refund_status", 1)
    return PlatformOrder(
        order_id=order_sn,
        state=order_state(info.get("order_status"), refund_status),
        platform_status=f"{info.get('order_status')}/{refund_status}",  # order_status/refund_status
        created_at=created_at,
        updated_at=china_local(info.get("updated_at"), field=f"{where} updated_at") or created_at,
        lines=_lines(nonempty_list(info, "item_list", where), where, refund_state(refund_status)),
        total_fen=yuan_to_fen(info.get("pay_amount"), field=f"{where} pay_amount"),
        shipping_fen=yuan_to_fen(info.get("postage"), field=f"{where} postage"),
        discount_fen=yuan_to_fen(info.get("discount_amount"), field=f"{where} discount_amount"),
        paid_at=china_local(info.get("pay_time"), field=f"{where} pay_time"),
        receiver=_receiver(info),
        buyer_remark=str(info.get("buyer_memo") or ""),
        seller_remark=str(info.get("remark") or ""),
        shipment=_shipment(info),
        raw=info,
    )


def _lines(items: Sequence[Mapping[str, Any]], where: str, refund: RefundState) -> tuple[PlatformLine, ...]:
    """PDD lines have no id: the sku_id names the line (``sku_id#n`` when a SKU repeats)."""
    lines: list[PlatformLine] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        sku_id = str(item.get("sku_id") or "").strip()
        goods_id = str(item.get("goods_id") or "").strip()
        if not (sku_id or goods_id):
            raise ConnectorError(f"{where}: item {index} without sku_id or goods_id", payload=item)
        key = sku_id or goods_id
        not_a_count = "{where}: item {key} goods_count {value!r} is not a count"
        quantity = parse_quantity(item.get("goods_count"), not_a_count, payload=item, where=where, key=key)
        unit = yuan_to_fen(item.get("goods_price"), field=f"{where} item {key} goods_price")
        lines.append(
            PlatformLine(
                line_id=sku_line_id(key, seen),
                item_id=goods_id,
                sku_id=sku_id,
                merchant_code=str(item.get("outer_id") or item.get("outer_goods_id") or ""),
                title=str(item.get("goods_name") or ""),
                quantity=quantity,
                unit_price_fen=unit,
                amount_fen=unit * quantity,
                refund_state=refund,
            )
        )
    return tuple(lines)


def _receiver(info: Mapping[str, Any]) -> Address:
    """Masked values (``receiver_name_mask``…) when PDD sends them, else the fields as given."""
    return Address(
        name=str(info.get("receiver_name_mask") or info.get("receiver_name") or ""),
        phone=str(info.get("receiver_phone_mask") or info.get("receiver_phone") or ""),
        province=str(info.get("province") or ""),
        city=str(info.get("city") or ""),
        district=str(info.get("town") or ""),
        detail=str(
            info.get("receiver_address_mask") or info.get("receiver_address") or info.get("address") or ""
        ),
    )


def _shipment(info: Mapping[str, Any]) -> Shipment | None:
    waybill = str(info.get("tracking_number") or "").strip()
    if not waybill:
        return None
    company = info.get("logistics_id")
    try:
        carrier = CARRIER_OF_LOGISTICS_ID.get(int(str(company)), str(company))
    except ValueError:
        carrier = str(company or "")
    return Shipment(carrier_code=carrier, waybill_no=waybill)


def is_money_refund(row: Mapping[str, Any]) -> bool:
    try:
        return int(str(row.get("after_sales_type"))) in MONEY_AFTER_SALES_TYPES
    except ValueError:
        return False


def map_refund(row: Mapping[str, Any]) -> PlatformRefund:
    """One refund document (仅退款 / 退货退款) → PlatformRefund; refund_amount is in fen."""
    refund_id = required_text(row.get("id") or "", "PDD refund without id", payload=row)
    where = f"PDD refund {refund_id}"
    order_sn = required_text(row.get("order_sn") or "", f"{where}: missing order_sn", payload=row)
    created_at = required_china_time(row, "created_time", where)
    return PlatformRefund(
        refund_id=refund_id,
        order_id=order_sn,
        line_id=str(row.get("sku_id") or row.get("goods_id") or ""),
        amount_fen=fen(row.get("refund_amount"), field=f"{where} refund_amount"),
        state=after_sales_state(row.get("after_sales_status")),
        platform_status=str(row.get("after_sales_status")),
        reason=str(row.get("after_sales_reason") or ""),
        created_at=created_at,
        updated_at=china_local(row.get("updated_time"), field=f"{where} updated_time") or created_at,
    )


def order_infos(payload: Any) -> list[Mapping[str, Any]]:
    """The order objects in a saved PDD answer: increment list, order list or order information
    (wrapped or their inside), a bare order, or a list of them."""
    if isinstance(payload, list):
        return list(payload)
    require_object(payload, "PDD payload: expected an object, got {type}")
    if "error_response" in payload:
        error = payload["error_response"] or {}
        raise ConnectorError(
            f"PDD payload is an error answer: [{error.get('error_code')}] {error.get('error_msg')}",
            code=str(error.get("error_code", "")),
            payload=payload,
        )
    for wrapper in (INCREMENT_RESPONSE, LIST_RESPONSE, INFO_RESPONSE):
        if wrapper in payload:
            return order_infos(payload[wrapper] or {})
    if "order_sn_list" in payload:
        return list(payload["order_sn_list"] or [])
    if "order_list" in payload:
        return list(payload["order_list"] or [])
    if "order_info" in payload:
        return [payload["order_info"]]
    if "order_sn" in payload:
        return [payload]
    raise ConnectorError(f"not a PDD order payload (keys: {', '.join(sorted(map(str, payload))[:8])})")


def is_push_message(payload: Any) -> bool:
    return isinstance(payload, Mapping) and (
        isinstance(payload.get("message"), Mapping) or ("type" in payload and "content" in payload)
    )


def order_sns_in_message(payload: Mapping[str, Any]) -> list[str]:
    """The order numbers a message-service push names (``{"commandType": "Common", "message":
    {"type": "pdd_trade_TradeSellerShip", "mallID": …, "content": "{\\"tid\\": …}"}}``). Pushes
    carry no order data: the orders are read from the API."""
    message = payload.get("message") if isinstance(payload.get("message"), Mapping) else payload
    content = message.get("content")
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except ValueError as exc:
            raise ConnectorError(f"PDD push {message.get('type')}: content is not JSON: {exc}") from exc
    tid = str((content or {}).get("tid") or "").strip() if isinstance(content, Mapping) else ""
    if not tid:
        raise ConnectorError(f"PDD push {message.get('type')!r} names no order (tid)", payload=payload)
    return [tid]


def load(payload: Mapping[str, Any] | str) -> Any:
    return parsed_json(payload, "PDD payload")


def map_payload(payload: Mapping[str, Any] | str) -> list[PlatformOrder]:
    return [map_order(info) for info in order_infos(load(payload))]
