"""WooCommerce REST v3 payloads → connector DTOs. Pure functions, no I/O.

Amounts are decimal strings rounded to the store's price decimals (``dp``), except a line's
``price``, which is a JSON number (line total ÷ quantity, after discounts). Coupons are already
spread over the lines (``subtotal`` before, ``total`` after), so the order-level discount is only
what the shop added as negative fees. Figures include tax when the store enters prices with tax
(``prices_include_tax``), as the buyer saw them. Times are taken from the ``*_gmt`` fields (naive
UTC); the plain ``date_*`` fields are in the site's zone, which the payload does not state.

WooCommerce has no shipment API in core: the tracking number is read from and written to the
order meta ``_wc_shipment_tracking_items``, the format of the WooCommerce Shipment Tracking
extension (also read by most tracking plugins).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import partial
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
from huitong.integrations.connectors.money import minor_units
from huitong.integrations.connectors.payloads import (
    amount_field,
    digit_quantity,
    iso_time_field,
    object_list,
    require_object,
    required_id,
)
from huitong.integrations.connectors.tables import carrier_of, status_of

ORDER_STATUS: dict[str, OrderState] = {
    "checkout-draft": OrderState.PENDING_PAYMENT,  # block checkout still being filled in
    "pending": OrderState.PENDING_PAYMENT,  # placed, awaiting payment
    "on-hold": OrderState.PENDING_PAYMENT,  # awaiting confirmation of payment (bank transfer, cheque)
    "failed": OrderState.PENDING_PAYMENT,  # payment declined; the buyer can still pay the order
    "processing": OrderState.PAID,  # paid, to be shipped
    "completed": OrderState.COMPLETED,  # fulfilled: WooCommerce has no later state (and no "shipped")
    "cancelled": OrderState.CANCELLED,
    "refunded": OrderState.CANCELLED,  # fully refunded
    "trash": OrderState.CANCELLED,  # deleted by the shop (only listed with status=trash)
}

# A WooCommerce refund has no status: it exists once the money is returned. It either went back
# through the payment gateway (``refunded_payment`` true) or the shop returned it by hand and
# recorded it. The code kept on the DTO is "gateway" or "manual".
REFUND_STATUS: dict[str, RefundState] = {
    "gateway": RefundState.REFUNDED,
    "manual": RefundState.REFUNDED,
}

# Huitong carrier code → provider name written as a Shipment Tracking custom provider.
CARRIERS: dict[str, str] = {
    "SF": "SF Express",
    "ZTO": "ZTO Express",
    "YTO": "YTO Express",
    "STO": "STO Express",
    "YD": "Yunda Express",
    "JD": "JD Logistics",
    "EMS": "China EMS",
}
_CARRIER_CODES = {name.lower(): code for code, name in CARRIERS.items()}
TRACKING_META = "_wc_shipment_tracking_items"


def order_state(order: Mapping[str, Any]) -> tuple[str, OrderState]:
    code = str(order.get("status") or "")
    unknown = "unknown WooCommerce order status {key!r} (order {order_id})"
    return code, status_of(ORDER_STATUS, code, unknown, order_id=order.get("id"), payload=order)


def map_order(order: Mapping[str, Any]) -> PlatformOrder:
    require_object(order, "a WooCommerce order must be an object, not {type}")
    order_id = _id(order, "order")
    currency = str(order.get("currency") or "").upper()
    if not currency:
        raise ConnectorError(f"WooCommerce order {order_id}: no currency")
    code, state = order_state(order)
    with_tax = bool(order.get("prices_include_tax"))
    refund_state = RefundState.REFUNDED if code == "refunded" else RefundState.NONE
    billing = order.get("billing") or {}
    return PlatformOrder(
        order_id=order_id,
        state=state,
        platform_status=code,
        created_at=_time(order, "date_created_gmt", f"order {order_id}", required=True),
        updated_at=_time(order, "date_modified_gmt", f"order {order_id}", required=True),
        lines=tuple(
            _map_line(line, order_id, currency, with_tax, refund_state) for line in _list(order, "line_items")
        ),
        total_fen=_money(order, "total", currency, order_id, required=True),
        shipping_fen=_money(order, "shipping_total", currency, order_id)
        + (_money(order, "shipping_tax", currency, order_id) if with_tax else 0),
        discount_fen=-sum(
            min(0, minor_units(fee.get("total"), currency, field=f"order {order_id} fee_lines.total"))
            for fee in _list(order, "fee_lines")
        ),
        currency=currency,
        paid_at=_time(order, "date_paid_gmt", f"order {order_id}"),
        buyer_id=_optional_id(order.get("customer_id")),  # 0 = guest checkout
        buyer_nick=_person(billing) or str(billing.get("email") or ""),
        receiver=_receiver(order.get("shipping") or {}, billing),
        buyer_remark=str(order.get("customer_note") or ""),
        shipment=shipment_of(order),
        raw=order,
    )


def _map_line(
    line: Mapping[str, Any], order_id: str, currency: str, with_tax: bool, refund_state: RefundState
) -> PlatformLine:
    line_id = _id(line, f"order {order_id} line item")
    where = f"order {order_id} line {line_id}"
    quantity = digit_quantity(line.get("quantity"), f"{where} quantity")
    subtotal = minor_units(line.get("subtotal"), currency, field=f"{where} subtotal")
    total = minor_units(line.get("total"), currency, field=f"{where} total")
    if with_tax:
        subtotal += minor_units(line.get("subtotal_tax"), currency, field=f"{where} subtotal_tax")
        total += minor_units(line.get("total_tax"), currency, field=f"{where} total_tax")
    return PlatformLine(
        line_id=line_id,
        item_id=str(line.get("product_id") or ""),
        sku_id=_optional_id(line.get("variation_id")),  # 0 = a simple product
        merchant_code=str(line.get("sku") or ""),
        title=str(line.get("name") or ""),
        quantity=quantity,
        unit_price_fen=_per_unit(subtotal, quantity),
        amount_fen=total,
        refund_state=refund_state,
    )


def _per_unit(amount: int, quantity: int) -> int:
    """The list price per unit: the line subtotal (before coupons) over the quantity. WooCommerce
    stores no unit list price on a line; when the subtotal does not divide evenly (3 for 10.00) the
    per-unit figure is informational and rounds half up; the line amount stays exact."""
    if quantity == 0:
        return amount
    whole, rest = divmod(amount, quantity)
    return whole + (1 if 2 * rest >= quantity else 0)


def refund_code(refund: Mapping[str, Any]) -> str:
    paid = refund.get("refunded_payment")
    if not isinstance(paid, bool):
        raise UnknownStatus(
            f"WooCommerce refund {refund.get('id')} without refunded_payment", code=str(paid), payload=refund
        )
    return "gateway" if paid else "manual"


def map_refund(refund: Mapping[str, Any], *, currency: str) -> PlatformRefund:
    """A refund from ``GET /refunds`` (WooCommerce 9.0+, which adds ``parent_id``) or from
    ``GET /orders/{id}/refunds`` (pass the order id in ``parent_id``)."""
    refund_id = _id(refund, "refund")
    order_id = str(refund.get("parent_id") or "")
    if not order_id:
        raise ConnectorError(f"WooCommerce refund {refund_id} without parent_id (the order)")
    code = refund_code(refund)
    refunded_items = {
        str(meta.get("value"))
        for line in refund.get("line_items") or ()
        for meta in line.get("meta_data") or ()
        if meta.get("key") == "_refunded_item_id"
    }
    created = _time(refund, "date_created_gmt", f"refund {refund_id}", required=True)
    return PlatformRefund(
        refund_id=refund_id,
        order_id=order_id,
        line_id=refunded_items.pop() if len(refunded_items) == 1 else "",
        amount_fen=minor_units(refund.get("amount"), currency, field=f"refund {refund_id} amount"),
        state=REFUND_STATUS[code],
        platform_status=code,
        reason=str(refund.get("reason") or ""),
        created_at=created,
        updated_at=created,
    )


def tracking_items(order: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    for meta in order.get("meta_data") or ():
        if meta.get("key") == TRACKING_META and isinstance(meta.get("value"), list):
            return list(meta["value"])
    return []


def shipment_of(order: Mapping[str, Any]) -> Shipment | None:
    for item in reversed(tracking_items(order)):
        number = str(item.get("tracking_number") or "")
        if number:
            provider = str(item.get("custom_tracking_provider") or item.get("tracking_provider") or "")
            return Shipment(_CARRIER_CODES.get(provider.lower(), provider), number)
    return None


def tracking_item(carrier_code: str, waybill_no: str, shipped_at: datetime) -> dict[str, str]:
    """One Shipment Tracking entry for the order meta."""
    unknown = "no WooCommerce tracking provider for carrier {carrier!r}"
    provider = carrier_of(CARRIERS, carrier_code.upper(), unknown, carrier=carrier_code)
    return {
        "tracking_provider": "",
        "custom_tracking_provider": provider,
        "custom_tracking_link": "",
        "tracking_number": waybill_no,
        "date_shipped": str(int(shipped_at.timestamp())),
        "tracking_id": hashlib.md5(f"{provider}-{waybill_no}".encode(), usedforsecurity=False).hexdigest(),
    }


def orders_in_payload(payload: Any) -> list[Mapping[str, Any]]:
    """The raw orders in a saved response (``GET /orders`` is a bare JSON array, ``GET /orders/{id}``
    one object) or a webhook body (``order.*`` topics send the order; the ping sent when a webhook is
    saved carries only ``webhook_id``, and ``order.deleted`` only ``id``: no orders)."""
    if isinstance(payload, Sequence) and not isinstance(payload, (str, bytes)):
        return list(payload)
    require_object(payload, "not a WooCommerce payload: {type}")
    if "line_items" in payload or "status" in payload:
        return [payload]
    if set(payload) in ({"webhook_id"}, {"id"}):
        return []
    raise ConnectorError(
        f"not a WooCommerce order payload (keys: {', '.join(sorted(map(str, payload))[:12])})"
    )


def _receiver(shipping: Mapping[str, Any], billing: Mapping[str, Any]) -> Address:
    detail = " ".join(str(p).strip() for p in (shipping.get("address_1"), shipping.get("address_2")) if p)
    return Address(
        name=_person(shipping),
        phone=str(shipping.get("phone") or billing.get("phone") or ""),
        province=str(shipping.get("state") or ""),
        city=str(shipping.get("city") or ""),
        detail=detail,
    )


def _person(address: Mapping[str, Any]) -> str:
    first, last = str(address.get("first_name") or ""), str(address.get("last_name") or "")
    if address.get("country") == "CN":
        return f"{last}{first}"  # family name first, no space
    return " ".join(p for p in (first, last) if p)


_id = partial(required_id, platform="WooCommerce", blank=(None, "", 0))
_list = partial(object_list, platform="WooCommerce")
_money = partial(amount_field, platform="WooCommerce")
_time = partial(iso_time_field, platform="WooCommerce")


def _optional_id(value: Any) -> str:
    """WooCommerce writes 0 for "none" (guest customer, simple product)."""
    return "" if str(value or "0") == "0" else str(value)
