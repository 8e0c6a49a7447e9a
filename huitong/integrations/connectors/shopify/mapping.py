"""Shopify Admin REST (2024-10) payloads → connector DTOs. Pure functions, no I/O.

Shopify has no single order status. An order is read from ``cancelled_at``, ``financial_status`` and
``fulfillment_status``: the platform status kept on the DTO is ``"cancelled"`` or the composite code
``"<financial_status>/<fulfillment_status or 'unfulfilled'>"``, looked up in the one ``ORDER_STATUS``
table. Shopify has no buyer confirmation, so a fulfilled order the shop has archived (``closed_at``
set, which Shopify does by default once an order is paid and fulfilled) is read as COMPLETED.

Amounts are decimal strings in the order's ``currency`` (the shop currency) and become integer minor
units of that currency: fen for CNY, cents for USD, yen for JPY. The currency stays on the DTO.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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

# "<financial_status>/<fulfillment_status>" (null fulfillment_status = "unfulfilled") → OrderState.
# A partially fulfilled order still has goods to ship, so it stays PAID (or unpaid).
ORDER_STATUS: dict[str, OrderState] = {
    "cancelled": OrderState.CANCELLED,  # cancelled_at is set, whatever the payment says
    "pending/unfulfilled": OrderState.PENDING_PAYMENT,
    "pending/partial": OrderState.PENDING_PAYMENT,
    "pending/fulfilled": OrderState.SHIPPED,  # shipped on payment terms / cash on delivery
    "authorized/unfulfilled": OrderState.PAID,  # card authorised, captured on fulfilment
    "authorized/partial": OrderState.PAID,
    "authorized/fulfilled": OrderState.SHIPPED,
    "partially_paid/unfulfilled": OrderState.PENDING_PAYMENT,  # deposit taken, balance due
    "partially_paid/partial": OrderState.PENDING_PAYMENT,
    "partially_paid/fulfilled": OrderState.SHIPPED,
    "paid/unfulfilled": OrderState.PAID,
    "paid/partial": OrderState.PAID,
    "paid/fulfilled": OrderState.SHIPPED,
    "partially_refunded/unfulfilled": OrderState.PAID,
    "partially_refunded/partial": OrderState.PAID,
    "partially_refunded/fulfilled": OrderState.SHIPPED,
    "refunded/unfulfilled": OrderState.CANCELLED,  # fully refunded
    "refunded/partial": OrderState.CANCELLED,
    "refunded/fulfilled": OrderState.CANCELLED,
    "voided/unfulfilled": OrderState.CANCELLED,  # authorisation voided: no money was taken
    "voided/partial": OrderState.CANCELLED,
    "voided/fulfilled": OrderState.CANCELLED,
}

# A refund's money moves in its transactions (kind "refund"); their status is the refund's status.
# A refund without such transactions (restock only, zero amount) counts as "success".
REFUND_STATUS: dict[str, RefundState] = {
    "pending": RefundState.APPROVED,  # gateway still processing: agreed, money not back yet
    "success": RefundState.REFUNDED,
    "failure": RefundState.REJECTED,  # the gateway refused: no money moved
    "error": RefundState.REJECTED,
}

# Huitong carrier code → Shopify tracking company, spelt as in Shopify's supported list so that
# Shopify builds the tracking link (any other name is accepted, just without a link).
CARRIERS: dict[str, str] = {
    "SF": "SF Express",
    "ZTO": "ZTO Express",
    "YTO": "YTO Express",
    "STO": "STO Express",
    "YD": "Yunda Express",
    "JD": "JD Logistics",
    "EMS": "China EMS (ePacket)",
}
_CARRIER_CODES = {name.lower(): code for code, name in CARRIERS.items()}

_REFUND_PRIORITY = ("pending", "success", "failure", "error")
_LINE_REFUND_RANK = [
    RefundState.REFUNDED,
    RefundState.APPROVED,
    RefundState.REQUESTED,
    RefundState.REJECTED,
    RefundState.CANCELLED,
    RefundState.NONE,
]
_PAID_STATUSES = {"authorized", "paid", "partially_refunded", "refunded"}


def status_code(order: Mapping[str, Any]) -> str:
    if order.get("cancelled_at"):
        return "cancelled"
    financial = order.get("financial_status") or "pending"
    return f"{financial}/{order.get('fulfillment_status') or 'unfulfilled'}"


def order_state(order: Mapping[str, Any]) -> tuple[str, OrderState]:
    code = status_code(order)
    unknown = "unknown Shopify order status {key!r} (order {order_id})"
    state = status_of(ORDER_STATUS, code, unknown, order_id=order.get("id"), payload=order)
    if state is OrderState.SHIPPED and order.get("closed_at"):
        state = OrderState.COMPLETED
    return code, state


def map_order(order: Mapping[str, Any]) -> PlatformOrder:
    require_object(order, "a Shopify order must be an object, not {type}")
    order_id = _id(order, "order")
    currency = str(order.get("currency") or "").upper()
    if not currency:
        raise ConnectorError(f"Shopify order {order_id}: no currency")
    code, state = order_state(order)
    refund_states = _line_refund_states(order, state_code=code)
    lines = tuple(_map_line(line, order_id, currency, refund_states) for line in _list(order, "line_items"))
    allocated = sum(_allocated(line, currency, order_id) for line in _list(order, "line_items"))
    total_discounts = _money(order, "total_discounts", currency, order_id)
    customer = order.get("customer") or {}
    return PlatformOrder(
        order_id=order_id,
        state=state,
        platform_status=code,
        created_at=_time(order, "created_at", f"order {order_id}", required=True),
        updated_at=_time(order, "updated_at", f"order {order_id}", required=True),
        lines=lines,
        total_fen=_money(order, "total_price", currency, order_id, required=True),
        shipping_fen=sum(
            minor_units(s.get("price"), currency, field=f"order {order_id} shipping_lines.price")
            for s in _list(order, "shipping_lines")
        ),
        discount_fen=max(0, total_discounts - allocated),
        currency=currency,
        paid_at=_time(order, "processed_at", f"order {order_id}")
        if order.get("financial_status") in _PAID_STATUSES
        else None,
        buyer_id=str(customer.get("id") or ""),
        buyer_nick=_buyer_nick(customer, order),
        receiver=_receiver(order.get("shipping_address") or {}),
        buyer_remark=str(order.get("note") or ""),
        shipment=shipment_of(order),
        raw=order,
    )


def _map_line(
    line: Mapping[str, Any], order_id: str, currency: str, refund_states: Mapping[str, RefundState]
) -> PlatformLine:
    line_id = _id(line, f"order {order_id} line item")
    quantity = digit_quantity(line.get("quantity"), f"order {order_id} line {line_id} quantity")
    price = minor_units(line.get("price"), currency, field=f"order {order_id} line {line_id} price")
    return PlatformLine(
        line_id=line_id,
        item_id=str(line.get("product_id") or ""),
        sku_id=str(line.get("variant_id") or ""),
        merchant_code=str(line.get("sku") or ""),
        title=str(line.get("name") or line.get("title") or ""),
        quantity=quantity,
        unit_price_fen=price,
        amount_fen=price * quantity - _allocated(line, currency, order_id),
        refund_state=refund_states.get(line_id, RefundState.NONE),
    )


def _allocated(line: Mapping[str, Any], currency: str, order_id: str) -> int:
    """Discounts Shopify allocated to this line (line discounts and its share of order-level codes)."""
    return sum(
        minor_units(a.get("amount"), currency, field=f"order {order_id} line discount_allocations")
        for a in line.get("discount_allocations") or ()
    )


def refund_status(refund: Mapping[str, Any]) -> str:
    statuses = [str(t.get("status")) for t in refund.get("transactions") or () if t.get("kind") == "refund"]
    unknown = "unknown Shopify refund transaction status {key!r} (refund {refund_id})"
    for status in statuses:
        status_of(REFUND_STATUS, status, unknown, refund_id=refund.get("id"), payload=refund)
    return next((s for s in _REFUND_PRIORITY if s in statuses), "success")


def map_refunds(order: Mapping[str, Any]) -> list[PlatformRefund]:
    """The refunds recorded on an order (``order.refunds``), one DTO per Shopify refund."""
    order_id = _id(order, "order")
    currency = str(order.get("currency") or "").upper()
    return [map_refund(refund, order_id=order_id, currency=currency) for refund in _list(order, "refunds")]


def map_refund(refund: Mapping[str, Any], *, order_id: str, currency: str) -> PlatformRefund:
    refund_id = _id(refund, f"order {order_id} refund")
    code = refund_status(refund)
    amount = sum(
        minor_units(t.get("amount"), currency, field=f"refund {refund_id} transaction amount")
        for t in refund.get("transactions") or ()
        if t.get("kind") == "refund" and t.get("status") == code
    )
    line_ids = {str(item.get("line_item_id")) for item in refund.get("refund_line_items") or ()}
    created = _time(refund, "created_at", f"refund {refund_id}", required=True)
    return PlatformRefund(
        refund_id=refund_id,
        order_id=order_id,
        line_id=line_ids.pop() if len(line_ids) == 1 else "",
        amount_fen=amount,
        state=REFUND_STATUS[code],
        platform_status=code,
        reason=str(refund.get("note") or ""),
        created_at=created,
        updated_at=_time(refund, "processed_at", f"refund {refund_id}") or created,
    )


def _line_refund_states(order: Mapping[str, Any], *, state_code: str) -> dict[str, RefundState]:
    states: dict[str, RefundState] = {}
    for refund in order.get("refunds") or ():
        state = REFUND_STATUS[refund_status(refund)]
        for item in refund.get("refund_line_items") or ():
            key = str(item.get("line_item_id"))
            states[key] = min(states.get(key, RefundState.NONE), state, key=_LINE_REFUND_RANK.index)
    if state_code.startswith("refunded/"):
        for line in order.get("line_items") or ():
            states.setdefault(str(line.get("id")), RefundState.REFUNDED)
    return states


def shipment_of(order: Mapping[str, Any]) -> Shipment | None:
    """The latest successful fulfillment with a tracking number, if any."""
    for fulfillment in reversed(list(order.get("fulfillments") or ())):
        number = fulfillment.get("tracking_number") or next(
            iter(fulfillment.get("tracking_numbers") or ()), ""
        )
        if fulfillment.get("status") == "success" and number:
            company = str(fulfillment.get("tracking_company") or "")
            return Shipment(_CARRIER_CODES.get(company.lower(), company), str(number))
    return None


def tracking_company(carrier_code: str) -> str:
    unknown = "no Shopify tracking company for carrier {carrier!r}"
    return carrier_of(CARRIERS, carrier_code.upper(), unknown, carrier=carrier_code)


def orders_in_payload(payload: Any) -> list[Mapping[str, Any]]:
    """The raw orders in a saved response (``{"orders": [...]}``, ``{"order": {...}}``) or a webhook
    body (``orders/*`` topics send the bare order; ``refunds/create`` sends a refund: no orders)."""
    if isinstance(payload, Sequence) and not isinstance(payload, (str, bytes)):
        return list(payload)
    require_object(payload, "not a Shopify payload: {type}")
    if isinstance(payload.get("orders"), list):
        return list(payload["orders"])
    if isinstance(payload.get("order"), Mapping):
        return [payload["order"]]
    if "refund_line_items" in payload and "order_id" in payload:
        return []
    if "line_items" in payload or "financial_status" in payload:
        return [payload]
    raise ConnectorError(f"not a Shopify order payload (keys: {', '.join(sorted(map(str, payload))[:12])})")


def _receiver(address: Mapping[str, Any]) -> Address:
    name = address.get("name") or " ".join(
        p for p in (address.get("first_name"), address.get("last_name")) if p
    )
    detail = " ".join(str(p).strip() for p in (address.get("address1"), address.get("address2")) if p)
    return Address(
        name=str(name or ""),
        phone=str(address.get("phone") or ""),
        province=str(address.get("province") or ""),
        city=str(address.get("city") or ""),
        detail=detail,
    )


def _buyer_nick(customer: Mapping[str, Any], order: Mapping[str, Any]) -> str:
    name = " ".join(p for p in (customer.get("first_name"), customer.get("last_name")) if p)
    return str(name or customer.get("email") or order.get("email") or "")


_id = partial(required_id, platform="Shopify")
_list = partial(object_list, platform="Shopify")
_money = partial(amount_field, platform="Shopify")
_time = partial(iso_time_field, platform="Shopify")
