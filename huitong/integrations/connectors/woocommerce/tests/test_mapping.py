"""WooCommerce payload → DTO mapping: the status tables, money, malformed payloads, fixtures."""

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
from huitong.integrations.connectors.testing import fixture_loader
from huitong.integrations.connectors.woocommerce import mapping
from huitong.integrations.connectors.woocommerce.fake_server import make_order

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
T = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)
fixture = fixture_loader(__file__)


@pytest.mark.parametrize("status", sorted(mapping.ORDER_STATUS))
def test_every_order_status_in_the_table(status):
    mapped = mapping.map_order(make_order(727, modified_at=T, status=status))
    assert (mapped.platform_status, mapped.state) == (status, mapping.ORDER_STATUS[status])


def test_a_refunded_order_has_refunded_lines():
    mapped = mapping.map_order(make_order(727, modified_at=T, status="refunded"))
    assert {line.refund_state for line in mapped.lines} == {RefundState.REFUNDED}


@pytest.mark.parametrize("status", ["wc-processing", "shipped", "", None])
def test_unknown_status_raises_naming_the_code(status):
    order = make_order(727, modified_at=T)
    order["status"] = status
    with pytest.raises(UnknownStatus, match=repr(status or "")) as caught:
        mapping.map_order(order)
    assert caught.value.code == (status or "")


@pytest.mark.parametrize(("refunded_payment", "code"), [(True, "gateway"), (False, "manual")])
def test_every_refund_status_in_the_table(refunded_payment, code):
    refund = {
        "id": 5,
        "parent_id": 727,
        "date_created_gmt": "2026-11-12T07:00:00",
        "amount": "0.10",
        "reason": "",
        "refunded_payment": refunded_payment,
        "line_items": [],
    }
    mapped = mapping.map_refund(refund, currency="CNY")
    assert (mapped.platform_status, mapped.state, mapped.amount_fen) == (
        code,
        mapping.REFUND_STATUS[code],
        10,
    )
    assert set(mapping.REFUND_STATUS) == {"gateway", "manual"}


def test_a_refund_without_refunded_payment_is_an_unknown_status():
    with pytest.raises(UnknownStatus, match="refunded_payment"):
        mapping.map_refund(
            {"id": 5, "parent_id": 727, "date_created_gmt": "2026-11-12T07:00:00", "amount": "1"},
            currency="CNY",
        )


@pytest.mark.parametrize(
    ("value", "currency", "minor"),
    [
        ("0.1", "CNY", 10),
        ("88.80", "CNY", 8880),
        (88.8, "CNY", 8880),
        (0.1, "CNY", 10),
        (22.73, "USD", 2273),
        (100, "CNY", 10000),
        ("1500", "JPY", 1500),
        ("-5.00", "CNY", -500),
        ("1.234", "KWD", 1234),
    ],
)
def test_amounts_become_exact_minor_units(value, currency, minor):
    assert mapping.minor_units(value, currency, field="x") == minor


@pytest.mark.parametrize("value", ["0.001", 33.333333333333336, "12..3", "NaN", "free"])
def test_sub_fen_or_garbled_amounts_are_refused(value):
    with pytest.raises(ConnectorError):
        mapping.minor_units(value, "CNY", field="total")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda o: o.pop("id"), "without id"),
        (lambda o: o.update(total="98.8.0"), "total"),
        (lambda o: o.update(total=""), "no total"),
        (lambda o: o.update(shipping_total="0.005"), "shipping_total"),
        (lambda o: o.update(date_created_gmt="2026-13-40T00:00:00"), "date_created_gmt"),
        (lambda o: o.update(date_modified_gmt=None), "no date_modified_gmt"),
        (lambda o: o.update(currency=None), "no currency"),
        (lambda o: o["line_items"][0].pop("id"), "line item without id"),
        (lambda o: o["line_items"][0].update(quantity=-1), "quantity"),
        (lambda o: o["line_items"][0].update(total="abc"), "total"),
        (lambda o: o.update(line_items={"a": 1}), "line_items"),
    ],
)
def test_malformed_orders_raise_connector_error(change, message):
    order = make_order(727, modified_at=T)
    change(order)
    with pytest.raises(ConnectorError, match=message):
        mapping.map_order(order)


def test_a_saved_list_response_maps_exactly():
    a, b = (mapping.map_order(o) for o in mapping.orders_in_payload(fixture("orders_list.json")))
    assert (a.order_id, a.state, a.platform_status, a.currency) == (
        "727",
        OrderState.PAID,
        "processing",
        "CNY",
    )
    assert (a.total_fen, a.shipping_fen, a.discount_fen) == (28260, 2000, 500)
    assert [
        (ln.line_id, ln.item_id, ln.sku_id, ln.merchant_code, ln.quantity, ln.unit_price_fen, ln.amount_fen)
        for ln in a.lines
    ] == [("7271", "301", "", "HT-TEA-250", 2, 8880, 16760), ("7272", "302", "", "HT-CUP-6", 3, 3333, 10000)]
    assert a.created_at == datetime(2026, 11, 11, 2, 0, 5, tzinfo=UTC)  # from date_created_gmt
    assert a.updated_at == datetime(2026, 11, 11, 2, 2, 11, tzinfo=UTC)
    assert a.paid_at == datetime(2026, 11, 11, 2, 2, 10, tzinfo=UTC)
    assert (a.buyer_id, a.buyer_nick, a.buyer_remark) == ("12", "张三", "请用礼盒包装")
    assert a.receiver.name == "张三" and a.receiver.phone == "138****0000"  # masked stays masked
    assert (a.receiver.province, a.receiver.city, a.receiver.detail) == (
        "CN13",
        "杭州市",
        "文三路 1 号 2 单元 301",
    )
    assert a.shipment is None and a.raw["order_key"] == "wc_order_Hq7b2xY3kLm9N"

    assert (b.state, b.currency, b.total_fen, b.shipping_fen) == (OrderState.COMPLETED, "USD", 3000, 500)
    (line,) = b.lines
    assert (line.item_id, line.sku_id, line.unit_price_fen, line.amount_fen) == ("501", "502", 2500, 2500)
    assert (b.buyer_id, b.buyer_nick, b.receiver.name, b.receiver.phone) == (
        "",
        "John Smith",
        "John Smith",
        "+1 555-0100",
    )
    assert b.shipment == Shipment("SF", "SF1234567890123")


def test_a_saved_detail_response_and_a_webhook_body():
    (detail,) = mapping.orders_in_payload(fixture("order_detail.json"))
    mapped = mapping.map_order(detail)
    assert (mapped.order_id, mapped.state, mapped.total_fen) == ("729", OrderState.CANCELLED, 9880)
    pushed = json.loads((FIXTURES / "webhook_order_updated.json").read_bytes())
    (order,) = mapping.orders_in_payload(pushed)
    assert mapping.map_order(order).state is OrderState.PENDING_PAYMENT
    assert mapping.orders_in_payload({"webhook_id": "3"}) == []  # the ping sent when a webhook is saved
    assert mapping.orders_in_payload({"id": 730}) == []  # order.deleted
    with pytest.raises(ConnectorError, match="not a WooCommerce order payload"):
        mapping.orders_in_payload({"product": 1, "name": "x"})


def test_refunds_from_the_refunds_listing():
    gateway, manual = (mapping.map_refund(r, currency="CNY") for r in fixture("refunds_list.json"))
    assert (gateway.refund_id, gateway.order_id, gateway.line_id, gateway.amount_fen) == (
        "735",
        "729",
        "7291",
        9880,
    )
    assert (gateway.state, gateway.platform_status, gateway.reason) == (
        RefundState.REFUNDED,
        "gateway",
        "缺货",
    )
    assert gateway.created_at == datetime(2026, 11, 12, 7, 0, tzinfo=UTC)
    assert (manual.order_id, manual.line_id, manual.platform_status, manual.amount_fen) == (
        "728",
        "",
        "manual",
        500,
    )


def test_tracking_entries_and_carriers():
    entry = mapping.tracking_item("yd", "4300000000001", datetime(2026, 11, 12, tzinfo=UTC))
    assert entry["custom_tracking_provider"] == "Yunda Express" and entry["date_shipped"] == "1794441600"
    assert mapping.shipment_of({"meta_data": [{"key": mapping.TRACKING_META, "value": [entry]}]}) == Shipment(
        "YD", "4300000000001"
    )
    assert set(mapping.CARRIERS) == {"SF", "ZTO", "YTO", "STO", "YD", "JD", "EMS"}
    with pytest.raises(ConnectorError, match="DHL"):
        mapping.tracking_item("DHL", "1", datetime(2026, 11, 12, tzinfo=UTC))
