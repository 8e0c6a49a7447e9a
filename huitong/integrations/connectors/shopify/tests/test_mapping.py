"""Shopify payload → DTO mapping: the status tables, money in minor units, malformed payloads, fixtures."""

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from huitong.integrations.connectors.base import (
    ConnectorError,
    OrderState,
    RefundState,
    Shipment,
    UnknownStatus,
)
from huitong.integrations.connectors.shopify import mapping
from huitong.integrations.connectors.shopify.fake_server import make_order
from huitong.integrations.connectors.testing import fixture_loader

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
T = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)
fixture = fixture_loader(__file__)


def order_with(code, **extra):
    order = make_order(1001, updated_at=T)
    if code == "cancelled":
        order["cancelled_at"] = "2026-11-11T10:00:00+08:00"
    else:
        financial, fulfillment = code.split("/")
        order["financial_status"] = financial
        order["fulfillment_status"] = None if fulfillment == "unfulfilled" else fulfillment
    order.update(extra)
    return order


@pytest.mark.parametrize("code", sorted(mapping.ORDER_STATUS))
def test_every_order_status_in_the_table(code):
    mapped = mapping.map_order(order_with(code))
    assert mapped.platform_status == code
    assert mapped.state is mapping.ORDER_STATUS[code]


@pytest.mark.parametrize(
    ("code", "closed", "state"),
    [
        ("paid/fulfilled", True, OrderState.COMPLETED),  # archived after fulfilment: finished
        ("paid/fulfilled", False, OrderState.SHIPPED),
        ("paid/unfulfilled", True, OrderState.PAID),  # archived without shipping stays what it was
        ("refunded/fulfilled", True, OrderState.CANCELLED),
    ],
)
def test_an_archived_fulfilled_order_is_completed(code, closed, state):
    order = order_with(code, closed_at="2026-11-20T00:00:00+08:00" if closed else None)
    assert mapping.map_order(order).state is state


def test_cancelled_wins_over_payment_state():
    order = order_with("paid/unfulfilled", cancelled_at="2026-11-11T12:00:00+08:00")
    assert mapping.map_order(order).state is OrderState.CANCELLED


@pytest.mark.parametrize(
    ("financial", "fulfillment", "code"),
    [
        ("expired", None, "expired/unfulfilled"),
        ("paid", "restocked", "paid/restocked"),
    ],
)
def test_unknown_status_raises_naming_the_code(financial, fulfillment, code):
    order = order_with("paid/unfulfilled", financial_status=financial, fulfillment_status=fulfillment)
    with pytest.raises(UnknownStatus, match=code) as caught:
        mapping.map_order(order)
    assert caught.value.code == code


@pytest.mark.parametrize("status", sorted(mapping.REFUND_STATUS))
def test_every_refund_status_in_the_table(status):
    refund = {
        "id": 1,
        "created_at": "2026-11-12T10:00:00+08:00",
        "refund_line_items": [],
        "transactions": [{"kind": "refund", "status": status, "amount": "5.00"}],
    }
    mapped = mapping.map_refund(refund, order_id="9", currency="CNY")
    assert (mapped.platform_status, mapped.state, mapped.amount_fen) == (
        status,
        mapping.REFUND_STATUS[status],
        500,
    )


def test_a_refund_without_money_is_a_success_of_zero_and_unknown_refund_status_raises():
    refund = {"id": 2, "created_at": "2026-11-12T10:00:00+08:00", "transactions": []}
    assert mapping.map_refund(refund, order_id="9", currency="CNY").state is RefundState.REFUNDED
    refund["transactions"] = [{"kind": "refund", "status": "on_hold", "amount": "1.00"}]
    with pytest.raises(UnknownStatus, match="on_hold"):
        mapping.map_refund(refund, order_id="9", currency="CNY")


@pytest.mark.parametrize(
    ("value", "currency", "minor"),
    [
        ("0.1", "CNY", 10),
        ("88.80", "CNY", 8880),
        (88.8, "CNY", 8880),
        (0.1, "USD", 10),
        ("19.99", "USD", 1999),
        (3, "CNY", 300),
        ("1500", "JPY", 1500),
        ("1500.00", "JPY", 1500),
        ("1.234", "KWD", 1234),
        ("0", "USD", 0),
    ],
)
def test_amounts_become_exact_minor_units_of_their_currency(value, currency, minor):
    assert mapping.minor_units(value, currency, field="x") == minor


@pytest.mark.parametrize(
    ("value", "currency"),
    [
        ("0.001", "CNY"),
        ("1500.5", "JPY"),
        ("1.2345", "KWD"),
        ("12.3.4", "USD"),
        ("abc", "JPY"),
        (True, "CNY"),
    ],
)
def test_sub_unit_or_garbled_amounts_are_refused(value, currency):
    with pytest.raises(ConnectorError):
        mapping.minor_units(value, currency, field="total_price")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda o: o.pop("id"), "without id"),
        (lambda o: o.update(total_price="18.0.0"), "total_price"),
        (lambda o: o.update(total_price="1.005"), "total_price"),
        (lambda o: o.pop("total_price"), "no total_price"),
        (lambda o: o.update(created_at="11/11/2026 10:00"), "created_at"),
        (lambda o: o.pop("updated_at"), "no updated_at"),
        (lambda o: o.update(currency=""), "no currency"),
        (lambda o: o["line_items"][0].pop("id"), "line item without id"),
        (lambda o: o["line_items"][0].update(quantity="two"), "quantity"),
        (lambda o: o["line_items"][0].update(price=None) or o["line_items"][0].update(price="x"), "price"),
        (lambda o: o.update(line_items="none"), "line_items"),
    ],
)
def test_malformed_orders_raise_connector_error(change, message):
    order = make_order(1001, updated_at=T)
    change(order)
    with pytest.raises(ConnectorError, match=message):
        mapping.map_order(order)


def test_a_saved_list_response_maps_exactly():
    cny, usd = mapping.orders_in_payload(fixture("orders_list.json"))
    a = mapping.map_order(cny)
    assert (a.order_id, a.state, a.platform_status, a.currency) == (
        "5834871423104",
        OrderState.PAID,
        "paid/unfulfilled",
        "CNY",
    )
    assert (a.total_fen, a.shipping_fen, a.discount_fen) == (18760, 2000, 0)
    line = a.lines[0]
    assert (line.line_id, line.item_id, line.sku_id, line.merchant_code, line.title) == (
        "14590000000001",
        "8012345678901",
        "44012345678901",
        "HT-TEA-250",
        "西湖龙井 250g - 礼盒",
    )
    assert (line.quantity, line.unit_price_fen, line.amount_fen) == (2, 8880, 16760)  # 2 × 88.80 − 10.00 code
    assert a.created_at == datetime(2026, 11, 11, 2, 0, 5, tzinfo=UTC)
    assert a.paid_at == a.created_at
    assert (a.buyer_id, a.buyer_nick, a.buyer_remark) == ("7023456789012", "San Zhang", "请用礼盒包装")
    assert a.receiver.name == "张三" and a.receiver.detail == "文三路 1 号 2 单元 301"
    assert (a.receiver.province, a.receiver.city, a.receiver.phone) == ("Zhejiang", "Hangzhou", "13800000000")
    assert a.raw["name"] == "#1001" and a.shipment is None

    b = mapping.map_order(usd)
    assert (b.state, b.currency, b.total_fen, b.shipping_fen) == (OrderState.SHIPPED, "USD", 6086, 500)
    assert [(ln.amount_fen, ln.refund_state) for ln in b.lines] == [
        (2499, RefundState.REFUNDED),
        (2673, RefundState.NONE),
    ]
    assert b.shipment == Shipment("SF", "SF1234567890123")
    assert b.updated_at == datetime(2026, 11, 13, 14, 30, 42, tzinfo=UTC)


def test_refunds_on_an_order():
    usd = fixture("orders_list.json")["orders"][1]
    (refund,) = mapping.map_refunds(usd)
    assert (refund.refund_id, refund.order_id, refund.line_id, refund.amount_fen) == (
        "925000000001",
        "5834871423105",
        "14590000000002",
        2699,
    )
    assert (refund.state, refund.reason) == (RefundState.REFUNDED, "mug arrived chipped")


def test_a_saved_detail_response_in_yen():
    (order,) = mapping.orders_in_payload(fixture("order_detail.json"))
    mapped = mapping.map_order(order)
    assert (mapped.state, mapped.platform_status, mapped.currency) == (
        OrderState.CANCELLED,
        "cancelled",
        "JPY",
    )
    assert (mapped.total_fen, mapped.shipping_fen, mapped.lines[0].unit_price_fen) == (3300, 300, 1500)
    assert mapped.paid_at is None


def test_webhook_bodies():
    (order,) = mapping.orders_in_payload(json.loads((FIXTURES / "webhook_orders_updated.json").read_bytes()))
    mapped = mapping.map_order(order)
    assert (mapped.state, mapped.shipment) == (OrderState.COMPLETED, Shipment("ZTO", "78812345678901"))
    assert mapping.orders_in_payload(fixture("webhook_refunds_create.json")) == []
    with pytest.raises(ConnectorError, match="not a Shopify order payload"):
        mapping.orders_in_payload({"product": {"id": 1}})


def test_an_order_discount_not_allocated_to_lines_stays_order_level():
    order = copy.deepcopy(fixture("orders_list.json")["orders"][0])
    order["total_discounts"] = "15.00"  # 10.00 on the line + 5.00 off shipping
    assert mapping.map_order(order).discount_fen == 500


def test_carriers():
    assert mapping.tracking_company("sf") == "SF Express"
    assert set(mapping.CARRIERS) == {"SF", "ZTO", "YTO", "STO", "YD", "JD", "EMS"}
    with pytest.raises(ConnectorError, match="DHL"):
        mapping.tracking_company("DHL")
