"""Douyin (抖店) payloads → the DTOs of ``base.py``. Pure functions, no I/O.

Shapes (op.jinritemai.com api-docs 15/1342 order.searchList, 15/1343 order.orderDetail, 17/1295
afterSale.List): a shop order (店铺单) carries ``order_id``, ``order_status``, unix-second times
(``create_time``, ``update_time``, ``pay_time``; 0 = not set), every amount as an integer number of
fen (``order_amount``, ``pay_amount``, ``post_amount``, ``promotion_amount``...), the receiver as
``post_receiver``/``post_tel`` (masked; newer shops send ``mask_post_*`` / ``encrypt_post_*``
instead, kept as given) and ``post_addr`` {province, city, town, street: {id, name}, detail},
``sku_order_list`` (商品单: the lines) and ``logistics_info`` (packages sent).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
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
from huitong.integrations.connectors.money import fen
from huitong.integrations.connectors.payloads import positive_quantity, require_object, required_text
from huitong.integrations.connectors.payloads import text as _text
from huitong.integrations.connectors.tables import carrier_of, status_of
from huitong.integrations.connectors.times import unix_seconds

# order_status of a shop order (订单状态). main_status (主流程状态: 103 部分支付, 21/22/39 退款完结) is
# a finer view of the same lifecycle and is not mapped: order_status is what the platform filters on.
ORDER_STATUS: dict[str, OrderState] = {
    "1": OrderState.PENDING_PAYMENT,  # 待确认/待支付（订单创建完毕）
    "105": OrderState.PAID,  # 已支付（风控审核中，暂不能发货）
    "2": OrderState.PAID,  # 备货中（待发货）
    "101": OrderState.PAID,  # 部分发货: some lines still wait for the seller
    "3": OrderState.SHIPPED,  # 已发货（全部发货）
    "4": OrderState.CANCELLED,  # 已取消（未支付关闭，或全额退款后关闭）
    "5": OrderState.COMPLETED,  # 已完成（已收货）
}

# aftersale_status (售后状态) of afterSale.List and sku_order_list[].after_sale_info.after_sale_status.
REFUND_STATUS: dict[str, RefundState] = {
    "0": RefundState.NONE,  # 售后初始化 / no after-sale on this line
    "6": RefundState.REQUESTED,  # 待商家同意
    "7": RefundState.APPROVED,  # 待买家退货
    "8": RefundState.APPROVED,  # 待商家发货（换货/补寄）
    "11": RefundState.APPROVED,  # 待商家二次同意（买家已退货）
    "12": RefundState.REFUNDED,  # 售后成功
    "3": RefundState.APPROVED,  # 换货待买家收货
    "13": RefundState.APPROVED,  # 换货/补寄/维修待买家收货
    "14": RefundState.CANCELLED,  # 换货/补寄/维修成功: finished without money going back
    "27": RefundState.REJECTED,  # 商家一次拒绝
    "28": RefundState.CANCELLED,  # 售后失败（关闭：买家撤销或超时）
    "29": RefundState.REJECTED,  # 商家二次拒绝
    "51": RefundState.CANCELLED,  # 取消成功（买家撤销）
    "53": RefundState.REFUNDED,  # 逆向交易完成
}

# Huitong carrier code → Douyin logistics company code (order.logisticsCompanyList).
CARRIERS: dict[str, str] = {
    "SF": "shunfeng",
    "ZTO": "zhongtong",
    "YTO": "yuantong",
    "STO": "shentong",
    "YD": "yunda",
    "JD": "jd",
    "EMS": "ems",
}
_HUITONG_CARRIER = {code: ours for ours, code in CARRIERS.items()}
# after-sale types that move goods but no money: exchange (换货), resend (补寄), repair (维修)
NON_REFUND_AFTERSALE_TYPES = frozenset({"3", "7", "8"})


def order_state(code: Any) -> OrderState:
    return status_of(ORDER_STATUS, str(code), "douyin: unknown order_status {code!r}", code=code)


def refund_state(code: Any) -> RefundState:
    return status_of(REFUND_STATUS, str(code), "douyin: unknown aftersale_status {code!r}", code=code)


def carrier_code(huitong_code: str) -> str:
    """Huitong carrier (SF, ZTO...) → Douyin ``company_code``."""
    unknown = "douyin: no logistics company for carrier {carrier!r}"
    return carrier_of(CARRIERS, huitong_code.strip().upper(), unknown, carrier=huitong_code)


def huitong_carrier(company_code: str) -> str:
    """Douyin ``company`` code → Huitong carrier code, or the platform's own code when unknown."""
    return _HUITONG_CARRIER.get(company_code, company_code)


# --- orders ------------------------------------------------------------------------------
def order_from_payload(payload: Mapping[str, Any]) -> PlatformOrder:
    """One shop order (an element of ``shop_order_list`` or the ``shop_order_detail``)."""
    require_object(payload, "douyin: a shop order must be an object, got {type}")
    order_id = _required_id(payload, "order_id", "shop order")
    where = f"douyin order {order_id}"
    created = _time(payload.get("create_time"), f"{where}: create_time", required=True)
    updated = _time(payload.get("update_time"), f"{where}: update_time") or created
    lines = tuple(_line(item, where) for item in _list(payload, "sku_order_list", where))
    if not lines:
        raise ConnectorError(f"{where}: sku_order_list is empty")
    if payload.get("pay_amount") is None:
        raise ConnectorError(f"{where}: pay_amount missing")
    total = fen(payload.get("pay_amount"), field=f"{where}: pay_amount")
    shipping = fen(payload.get("post_amount"), field=f"{where}: post_amount")
    status = payload.get("order_status")
    return PlatformOrder(
        order_id=order_id,
        state=order_state(status),
        platform_status=str(status),
        created_at=created,
        updated_at=updated,
        lines=lines,
        total_fen=total,
        shipping_fen=shipping,
        discount_fen=sum(line.amount_fen for line in lines) + shipping - total,
        paid_at=_time(payload.get("pay_time"), f"{where}: pay_time"),
        buyer_id=_text(payload.get("doudian_open_id") or payload.get("open_id")),
        receiver=_receiver(payload),
        buyer_remark=_text(payload.get("buyer_words")),
        seller_remark=_text(payload.get("seller_words")),
        shipment=_shipment(payload.get("logistics_info")),
        raw=dict(payload),
    )


def orders_from_response(payload: Mapping[str, Any]) -> list[PlatformOrder]:
    """A saved answer of order.searchList or order.orderDetail (whole envelope or just ``data``)."""
    if not isinstance(payload, Mapping):
        raise ConnectorError("douyin: expected an order.searchList / order.orderDetail answer")
    if "code" in payload and str(payload.get("code")) != "10000":
        raise ConnectorError(
            f"douyin: saved answer is an error: {payload.get('code')} {payload.get('msg', '')}",
            code=str(payload.get("sub_code") or payload.get("code")),
            payload=payload,
        )
    data = payload.get("data", payload)
    if not isinstance(data, Mapping):
        raise ConnectorError("douyin: answer has no data object")
    if "shop_order_list" in data:
        return [order_from_payload(o) for o in _list(data, "shop_order_list", "douyin order.searchList")]
    if "shop_order_detail" in data:
        return [order_from_payload(data["shop_order_detail"])]
    if "sku_order_list" in data and "order_id" in data:
        return [order_from_payload(data)]
    raise ConnectorError("douyin: no shop_order_list or shop_order_detail in payload")


def is_push(payload: Any) -> bool:
    """A message-push body: a JSON array of {tag, msg_id, data} (or one such message)."""
    if isinstance(payload, Mapping):
        return "tag" in payload and "data" in payload
    return (
        isinstance(payload, Sequence)
        and not isinstance(payload, (str, bytes))
        and all(isinstance(m, Mapping) and "tag" in m for m in payload)
    )


def order_ids_from_push(payload: Any) -> list[str]:
    """Shop order ids (``p_id``) named by pushed messages, in order, without repeats. Trade messages
    (tags 100-199: 创建/支付/发货/完成/取消...) and after-sale messages (2xx) carry only ids and a
    few fields, so the order itself is read with order.orderDetail. Tag 0 (verification) is skipped."""
    messages = [payload] if isinstance(payload, Mapping) else list(payload)
    ids: list[str] = []
    for message in messages:
        if str(message.get("tag")) == "0":
            continue
        data = message.get("data")
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError as exc:
                raise ConnectorError(f"douyin push {message.get('msg_id', '')}: data is not JSON") from exc
        if not isinstance(data, Mapping) or not data.get("p_id"):
            raise ConnectorError(
                f"douyin push {message.get('msg_id', '')} (tag {message.get('tag')}): no p_id"
            )
        order_id = str(data["p_id"])
        if order_id not in ids:
            ids.append(order_id)
    return ids


# --- refunds -----------------------------------------------------------------------------
def refund_from_payload(item: Mapping[str, Any]) -> PlatformRefund:
    """One element of afterSale.List ``items``: {aftersale_info, order_info, text_part}."""
    info = item.get("aftersale_info") if isinstance(item, Mapping) else None
    if not isinstance(info, Mapping):
        raise ConnectorError("douyin after-sale: aftersale_info missing")
    refund_id = _required_id(info, "aftersale_id", "after-sale")
    where = f"douyin after-sale {refund_id}"
    order_info = item.get("order_info") or {}
    order_id = _text(order_info.get("shop_order_id")) or _text(info.get("related_id"))
    if not order_id:
        raise ConnectorError(f"{where}: order_info.shop_order_id missing")
    related = order_info.get("related_order_info") or []
    created = _time(info.get("apply_time") or info.get("create_time"), f"{where}: apply_time", required=True)
    status = info.get("aftersale_status")
    return PlatformRefund(
        refund_id=refund_id,
        order_id=order_id,
        line_id=_text(related[0].get("sku_order_id")) if len(related) == 1 else "",
        amount_fen=fen(info.get("refund_amount"), field=f"{where}: refund_amount"),
        state=refund_state(status),
        platform_status=str(status),
        reason=_text((item.get("text_part") or {}).get("reason_text")),
        created_at=created,
        updated_at=_time(info.get("update_time"), f"{where}: update_time") or created,
    )


def is_money_refund(item: Mapping[str, Any]) -> bool:
    return str((item.get("aftersale_info") or {}).get("aftersale_type")) not in NON_REFUND_AFTERSALE_TYPES


# --- helpers -----------------------------------------------------------------------------
def _line(item: Mapping[str, Any], where: str) -> PlatformLine:
    if not isinstance(item, Mapping):
        raise ConnectorError(f"{where}: sku_order_list entry is not an object")
    line_id = _required_id(item, "order_id", f"{where}: sku order")
    here = f"{where} line {line_id}"
    quantity = positive_quantity(item.get("item_num"), f"{here}: item_num")
    paid = fen(item.get("pay_amount"), field=f"{here}: pay_amount")
    after_sale = item.get("after_sale_info") or {}
    status = after_sale.get("after_sale_status")
    return PlatformLine(
        line_id=line_id,
        item_id=_text(item.get("product_id")),
        sku_id=_text(item.get("sku_id")),
        merchant_code=_text(item.get("out_sku_id")) or _text(item.get("code")),
        title=_text(item.get("product_name")),
        quantity=quantity,
        unit_price_fen=fen(item.get("origin_amount"), field=f"{here}: origin_amount"),
        amount_fen=paid - fen(item.get("post_amount"), field=f"{here}: post_amount"),
        refund_state=refund_state(status) if status not in (None, "") else RefundState.NONE,
    )


def _receiver(payload: Mapping[str, Any]) -> Address:
    plain = payload.get("post_addr") or {}
    masked = payload.get("mask_post_addr") or {}
    address = plain if plain.get("detail") or not masked else masked  # readable detail first
    street = _name(address.get("street"))
    detail = _text(address.get("detail") or plain.get("encrypt_detail"))
    return Address(
        name=_text(
            payload.get("post_receiver")
            or payload.get("mask_post_receiver")
            or payload.get("encrypt_post_receiver")
        ),
        phone=_text(
            payload.get("post_tel") or payload.get("mask_post_tel") or payload.get("encrypt_post_tel")
        ),
        province=_name(address.get("province")),
        city=_name(address.get("city")),
        district=_name(address.get("town")),
        detail=detail if not street or detail.startswith(street) else f"{street}{detail}",
    )


def _shipment(packages: Any) -> Shipment | None:
    for package in packages or []:
        if isinstance(package, Mapping) and package.get("tracking_no"):
            return Shipment(huitong_carrier(_text(package.get("company"))), _text(package["tracking_no"]))
    return None


def _name(region: Any) -> str:
    return _text(region.get("name")) if isinstance(region, Mapping) else _text(region)


def _list(payload: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = payload.get(key) or []
    if not isinstance(value, list):
        raise ConnectorError(f"{where}: {key} is not a list")
    return value


def _required_id(payload: Mapping[str, Any], key: str, what: str) -> str:
    return required_text(payload.get(key), f"douyin {what}: {key} missing")


def _time(value: Any, field: str, *, required: bool = False) -> datetime | None:
    if isinstance(value, bool) or isinstance(value, float):
        raise ConnectorError(f"{field}: not a unix time: {value!r}")
    moment = unix_seconds(value, field=field)
    if moment is None and required:
        raise ConnectorError(f"{field} missing")
    return moment
