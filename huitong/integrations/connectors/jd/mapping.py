"""JD payloads → connector DTOs. Pure functions: no HTTP, no clock.

JOS sends money as yuan strings ("88.80"), except the refund-apply amount which is integer fen;
times as Beijing wall-clock text ("2026-11-11 10:00:00"). Orders carry no refund status of their
own: refunds (售前退款申请) come from their own API and table.
"""

from __future__ import annotations

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

# jingdong.pop.order.search / .get ``orderState``.
ORDER_STATUS: dict[str, OrderState] = {
    "WAIT_SELLER_STOCK_OUT": OrderState.PAID,  # 等待出库
    "WAIT_SELLER_DELIVERY": OrderState.PAID,  # 等待发货 (海外购: 等待境内发货)
    "PAUSE": OrderState.PAID,  # 暂停 (LOC 订单)
    "POP_ORDER_PAUSE": OrderState.PAID,  # POP 业务暂停 (号卡/履约/黄金)
    "LOCKED": OrderState.PAID,  # 已锁定 (买家申请取消/退款中, 未出库)
    "SEND_TO_DISTRIBUTION_CENER": OrderState.SHIPPED,  # 发往配送中心 (LBP/SOPL; JD's spelling)
    "DISTRIBUTION_CENTER_RECEIVED": OrderState.SHIPPED,  # 配送中心已收货 (LBP/SOPL)
    "WAIT_GOODS_RECEIVE_CONFIRM": OrderState.SHIPPED,  # 等待确认收货
    "RECEIPTS_CONFIRM": OrderState.COMPLETED,  # 收款确认 (服务完成, LBP/SOPL)
    "FINISHED_L": OrderState.COMPLETED,  # 完成
    "TRADE_CANCELED": OrderState.CANCELLED,  # 取消
}

# jingdong.pop.afs.soa.refundapply.queryPageList ``status`` (售前退款审核状态).
REFUND_STATUS: dict[str, RefundState] = {
    "0": RefundState.REQUESTED,  # 未审核
    "1": RefundState.APPROVED,  # 审核通过 (商家)
    "2": RefundState.REJECTED,  # 审核不通过 (商家)
    "3": RefundState.REFUNDED,  # 京东财务审核通过 (钱已退)
    "4": RefundState.REJECTED,  # 京东财务审核不通过
    "5": RefundState.APPROVED,  # 人工审核通过
    "6": RefundState.REFUNDED,  # 拦截并退款
    "7": RefundState.APPROVED,  # 青龙拦截成功 (待退款)
    "8": RefundState.APPROVED,  # 青龙拦截失败 (等拒收后退款)
    "9": RefundState.REFUNDED,  # 强制关单并退款
    "10": RefundState.APPROVED,  # 物流待跟进 (线下拦截)
    "11": RefundState.CANCELLED,  # 用户撤销
}

# Huitong carrier code → JD ``logiCoprId`` (物流公司 ID, as listed for the shop by
# 360buy.get.vender.all.delivery.company). A shop only ships with companies it has enabled.
CARRIERS: dict[str, str] = {
    "SF": "467",  # 顺丰快递
    "ZTO": "1499",  # 中通速递
    "YTO": "463",  # 圆通快递
    "STO": "470",  # 申通快递
    "YD": "1327",  # 韵达快递
    "JD": "2087",  # 京东快递
    "EMS": "465",  # 邮政 EMS
}
CARRIER_OF_LOGISTICS_ID: dict[str, str] = {v: k for k, v in CARRIERS.items()}

SEARCH_RESPONSE = "jingdong_pop_order_search_responce"
GET_RESPONSE = "jingdong_pop_order_get_responce"


def order_state(code: Any) -> OrderState:
    unknown = "JD orderState {code!r} is not in the JD status table"
    return status_of(ORDER_STATUS, str(code), unknown, code=code)


def refund_state(code: Any) -> RefundState:
    unknown = "JD refund-apply status {code!r} is not in the JD refund table"
    return status_of(REFUND_STATUS, str(code), unknown, code=code)


def logistics_id(carrier_code: str) -> str:
    """Huitong carrier code (or a JD logiCoprId given as digits) → JD logiCoprId."""
    code = carrier_code.strip().upper()
    if code not in CARRIERS and code.isdigit():
        return code
    unknown = "carrier {carrier!r} has no JD logistics company id"
    return carrier_of(CARRIERS, code, unknown, carrier=carrier_code)


def map_order(info: Mapping[str, Any]) -> PlatformOrder:
    """One ``orderInfo`` (search list entry or get detail) → PlatformOrder."""
    require_object(info, "JD order: expected an object, got {type}")
    order_id = required_text(info.get("orderId") or "", "JD order without orderId", payload=info)
    where = f"JD order {order_id}"
    created_at = required_china_time(info, "orderStartTime", where)
    lines = _lines(nonempty_list(info, "itemInfoList", where), where)
    shipping = yuan_to_fen(info.get("freightPrice"), field=f"{where} freightPrice")
    total = yuan_to_fen(info.get("orderPayment"), field=f"{where} orderPayment")
    # orderPayment is what the buyer pays; the gap to goods + freight is every discount on the
    # order (sellerDiscount plus platform coupons, 京豆, balance) taken together.
    discount = sum(line.amount_fen for line in lines) + shipping - total
    if discount < 0:
        raise ConnectorError(
            f"{where}: orderPayment {info.get('orderPayment')!r} exceeds goods + freight", payload=info
        )
    return PlatformOrder(
        order_id=order_id,
        state=order_state(info.get("orderState")),
        platform_status=str(info.get("orderState")),
        created_at=created_at,
        updated_at=china_local(info.get("modified"), field=f"{where} modified") or created_at,
        lines=lines,
        total_fen=total,
        shipping_fen=shipping,
        discount_fen=discount,
        paid_at=china_local(info.get("paymentConfirmTime"), field=f"{where} paymentConfirmTime"),
        buyer_id=str(info.get("open_id_buyer") or info.get("xid_buyer") or info.get("pin") or ""),
        buyer_nick=str(info.get("pin") or ""),
        receiver=_receiver(info.get("consigneeInfo") or {}),
        buyer_remark=str(info.get("orderRemark") or ""),
        seller_remark=str(info.get("venderRemark") or ""),
        shipment=_shipment(info),
        raw=info,
    )


def _lines(items: Sequence[Mapping[str, Any]], where: str) -> tuple[PlatformLine, ...]:
    """JD lines have no id of their own: the skuId names the line (``skuId#n`` when a SKU repeats,
    e.g. a gift of the same SKU)."""
    lines: list[PlatformLine] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        sku_id = required_text(item.get("skuId") or "", f"{where}: item {index} without skuId", payload=item)
        lines.append(_line(item, where, sku_id, sku_line_id(sku_id, seen)))
    return tuple(lines)


def _line(item: Mapping[str, Any], where: str, sku_id: str, line_id: str) -> PlatformLine:
    not_a_count = "{where}: item {sku_id} itemTotal {value!r} is not a count"
    quantity = parse_quantity(item.get("itemTotal"), not_a_count, payload=item, where=where, sku_id=sku_id)
    unit = yuan_to_fen(item.get("jdPrice"), field=f"{where} item {sku_id} jdPrice")
    return PlatformLine(
        line_id=line_id,
        item_id=str(item.get("wareId") or ""),
        sku_id=sku_id,
        merchant_code=str(item.get("outerSkuId") or ""),
        title=str(item.get("skuName") or ""),
        quantity=quantity,
        unit_price_fen=unit,
        amount_fen=unit * quantity,
    )


def _receiver(consignee: Mapping[str, Any]) -> Address:
    return Address(
        name=str(consignee.get("fullname") or ""),
        phone=str(consignee.get("mobile") or consignee.get("telephone") or ""),
        province=str(consignee.get("province") or ""),
        city=str(consignee.get("city") or ""),
        district=str(consignee.get("county") or ""),
        detail=str(consignee.get("fullAddress") or ""),
    )


def _shipment(info: Mapping[str, Any]) -> Shipment | None:
    waybill = str(info.get("waybill") or "").strip()
    if not waybill:
        return None
    company = str(info.get("logisticsId") or "")
    return Shipment(carrier_code=CARRIER_OF_LOGISTICS_ID.get(company, company), waybill_no=waybill)


def map_refund(vo: Mapping[str, Any]) -> PlatformRefund:
    """One refund application (售前退款, whole order) → PlatformRefund. applyRefundSum is in fen."""
    refund_id = required_text(vo.get("id") or "", "JD refund application without id", payload=vo)
    where = f"JD refund {refund_id}"
    order_id = required_text(vo.get("orderId") or "", f"{where}: missing orderId", payload=vo)
    created_at = required_china_time(vo, "applyTime", where)
    return PlatformRefund(
        refund_id=refund_id,
        order_id=order_id,
        line_id="",
        amount_fen=fen(vo.get("applyRefundSum"), field=f"{where} applyRefundSum"),
        state=refund_state(vo.get("status")),
        platform_status=str(vo.get("status")),
        reason=str(vo.get("reason") or ""),
        created_at=created_at,
        updated_at=china_local(vo.get("checkTime"), field=f"{where} checkTime") or created_at,
    )


def order_infos(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The ``orderInfo`` objects in a saved JD answer: a search or get response (wrapped or just its
    result object), a bare orderInfo, or a list of them."""
    if isinstance(payload, list):
        return list(payload)
    require_object(payload, "JD payload: expected an object, got {type}")
    if "error_response" in payload:
        error = payload["error_response"] or {}
        raise ConnectorError(
            f"JD payload is an error answer: [{error.get('code')}] {error.get('zh_desc')}",
            code=str(error.get("code", "")),
            payload=payload,
        )
    if SEARCH_RESPONSE in payload:
        return order_infos(payload[SEARCH_RESPONSE].get("searchorderinfo_result") or {})
    if GET_RESPONSE in payload:
        return order_infos(payload[GET_RESPONSE].get("orderDetailInfo") or {})
    if "orderInfoList" in payload:
        return list(payload["orderInfoList"] or [])
    if "orderInfo" in payload:
        return [payload["orderInfo"]]
    if "orderId" in payload:
        return [payload]
    raise ConnectorError(f"not a JD order payload (keys: {', '.join(sorted(map(str, payload))[:8])})")


def map_payload(payload: Mapping[str, Any] | str) -> list[PlatformOrder]:
    return [map_order(info) for info in order_infos(parsed_json(payload, "JD payload"))]
