"""mapping.py: TOP payloads → DTOs, status tables, carriers, money and malformed input. Pure, no server."""

import copy
from datetime import datetime

import pytest

from huitong.integrations.connectors.base import ConnectorError, OrderState, RefundState, UnknownStatus
from huitong.integrations.connectors.money import yuan_to_fen
from huitong.integrations.connectors.taobao import mapping
from huitong.integrations.connectors.taobao.tests.conftest import load
from huitong.integrations.connectors.times import CHINA


def first_trade():
    return copy.deepcopy(
        load("trades_sold_increment_get.json")["trades_sold_increment_get_response"]["trades"]["trade"][0]
    )


EXPECTED_ORDER_STATES = {
    "TRADE_NO_CREATE_PAY": OrderState.PENDING_PAYMENT,
    "WAIT_BUYER_PAY": OrderState.PENDING_PAYMENT,
    "PAY_PENDING": OrderState.PENDING_PAYMENT,
    "WAIT_PRE_AUTH_CONFIRM": OrderState.PENDING_PAYMENT,
    "PAID_FORBID_CONSIGN": OrderState.PAID,
    "WAIT_SELLER_SEND_GOODS": OrderState.PAID,
    "SELLER_CONSIGNED_PART": OrderState.PAID,
    "WAIT_BUYER_CONFIRM_GOODS": OrderState.SHIPPED,
    "TRADE_BUYER_SIGNED": OrderState.SHIPPED,
    "TRADE_FINISHED": OrderState.COMPLETED,
    "TRADE_CLOSED": OrderState.CANCELLED,
    "TRADE_CLOSED_BY_TAOBAO": OrderState.CANCELLED,
}
EXPECTED_REFUND_STATES = {
    "NO_REFUND": RefundState.NONE,
    "WAIT_SELLER_AGREE": RefundState.REQUESTED,
    "WAIT_BUYER_RETURN_GOODS": RefundState.APPROVED,
    "WAIT_SELLER_CONFIRM_GOODS": RefundState.APPROVED,
    "SELLER_REFUSE_BUYER": RefundState.REJECTED,
    "CLOSED": RefundState.CANCELLED,
    "SUCCESS": RefundState.REFUNDED,
}


def test_the_tables_are_exactly_the_documented_codes():
    assert mapping.ORDER_STATUS == EXPECTED_ORDER_STATES
    assert mapping.REFUND_STATUS == EXPECTED_REFUND_STATES


@pytest.mark.parametrize(("status", "state"), EXPECTED_ORDER_STATES.items())
def test_every_trade_status_maps(status, state):
    trade = first_trade()
    trade["status"] = status
    order = mapping.map_trade(trade)
    assert (order.state, order.platform_status) == (state, status)


@pytest.mark.parametrize(("status", "state"), EXPECTED_REFUND_STATES.items())
def test_every_refund_status_maps_on_lines_and_refunds(status, state):
    trade = first_trade()
    trade["orders"]["order"][0]["refund_status"] = status
    assert mapping.map_trade(trade).lines[0].refund_state == state
    refund = load("refunds_receive_get.json")["refunds_receive_get_response"]["refunds"]["refund"][0]
    assert mapping.map_refund({**refund, "status": status}).state == state


def test_unknown_trade_status_names_the_code():
    trade = first_trade()
    trade["status"] = "TRADE_ON_THE_MOON"
    with pytest.raises(UnknownStatus, match="TRADE_ON_THE_MOON") as caught:
        mapping.map_trade(trade)
    assert caught.value.code == "TRADE_ON_THE_MOON"
    assert "3861209512345678901" in str(caught.value)


def test_unknown_refund_status_names_the_code():
    trade = first_trade()
    trade["orders"]["order"][1]["refund_status"] = "REFUND_IN_LIMBO"
    with pytest.raises(UnknownStatus, match="REFUND_IN_LIMBO"):
        mapping.map_trade(trade)


def test_trade_maps_to_an_exact_order():
    order = mapping.map_trade(first_trade())
    assert order.order_id == "3861209512345678901"
    assert order.created_at == datetime(2026, 11, 11, 0, 3, 12, tzinfo=CHINA)
    assert order.updated_at == datetime(2026, 11, 11, 0, 5, 40, tzinfo=CHINA)
    assert order.paid_at == datetime(2026, 11, 11, 0, 3, 55, tzinfo=CHINA)
    assert (order.total_fen, order.shipping_fen, order.discount_fen, order.currency) == (
        17750,
        0,
        1000,
        "CNY",
    )
    assert (
        sum(line.amount_fen for line in order.lines) + order.shipping_fen - order.discount_fen
        == order.total_fen
    )
    cup, brush = order.lines
    assert cup.line_id == "3861209512346678901"
    assert (cup.item_id, cup.sku_id, cup.merchant_code) == ("689012345678", "5012345678901", "CUP-500-BLK")
    assert (cup.quantity, cup.unit_price_fen, cup.amount_fen) == (2, 8880, 17760)
    assert (brush.sku_id, brush.merchant_code, brush.amount_fen) == ("", "BRUSH-01", 990)
    assert (order.buyer_id, order.buyer_nick) == ("AAHk5d-EAAeGwJedwSFu0XXX", "t**1")
    assert order.buyer_remark == "请尽快发货"
    assert order.shipment is None
    assert order.raw["tid_str"] == "3861209512345678901"


def test_masked_receiver_stays_as_given():
    receiver = mapping.map_trade(first_trade()).receiver
    assert (receiver.name, receiver.phone) == ("张**", "138****5678")
    assert (receiver.province, receiver.city, receiver.district, receiver.detail) == (
        "浙江省",
        "杭州市",
        "余杭区",
        "文**路***号",
    )


def test_phone_falls_back_to_the_landline():
    trade = load("trade_fullinfo_get.json")["trade_fullinfo_get_response"]["trade"]
    assert mapping.map_trade(trade).receiver.phone == "0571-****1234"


def test_shipped_trade_carries_the_waybill_with_huitong_carrier_code():
    trade = load("trades_sold_increment_get.json")["trades_sold_increment_get_response"]["trades"]["trade"][1]
    order = mapping.map_trade(trade)
    assert order.state == OrderState.SHIPPED
    assert (order.shipment.carrier_code, order.shipment.waybill_no) == ("SF", "SF1234567890123")
    assert (order.total_fen, order.shipping_fen, order.discount_fen) == (6200, 800, 0)
    assert order.lines[0].amount_fen == 5400  # 59.00 less the line's own 5.00 discount, postage apart


def test_carrier_table_and_reverse_lookup():
    assert {code: top for code, (top, _) in mapping.CARRIERS.items()} == {
        "SF": "SF",
        "ZTO": "ZTO",
        "YTO": "YTO",
        "STO": "STO",
        "YD": "YUNDA",
        "JD": "JD",
        "EMS": "EMS",
    }
    assert mapping.huitong_carrier("韵达快递") == "YD"
    assert mapping.huitong_carrier("YUNDA") == "YD"
    assert mapping.huitong_carrier("德邦物流") == "德邦物流"  # unknown: the platform's value


# --- money -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "fen"),
    [
        ("0.1", 10),
        ("0.10", 10),
        ("88.80", 8880),
        (88.8, 8880),
        ("200.07", 20007),
        (12, 1200),
        ("-5.00", -500),
        ("0.00", 0),
        ("", 0),
    ],
)
def test_top_amounts_are_yuan(value, fen):
    # TOP sends yuan strings; a float comes only from re-serialised payloads, an int is whole yuan (never fen).
    assert yuan_to_fen(value) == fen


def test_float_and_tiny_amounts_in_a_trade():
    trade = load("trade_fullinfo_get.json")["trade_fullinfo_get_response"]["trade"]
    assert mapping.map_trade(trade).total_fen == 10  # "0.10"
    trade = first_trade()
    trade["orders"]["order"][0]["price"] = 88.8
    assert mapping.map_trade(trade).lines[0].unit_price_fen == 8880


@pytest.mark.parametrize("bad", ["1.005", "12,3.4.5", "abc", True])
def test_bad_amount_is_refused_naming_the_field(bad):
    trade = first_trade()
    trade["payment"] = bad
    with pytest.raises(ConnectorError, match="trade 3861209512345678901 payment"):
        mapping.map_trade(trade)


# --- malformed payloads ----------------------------------------------------------------------------
def test_missing_tid_is_refused():
    trade = first_trade()
    del trade["tid"], trade["tid_str"]
    with pytest.raises(ConnectorError, match="without tid"):
        mapping.map_trade(trade)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("created", "2026/11/11 00:00", "created"),
        ("created", None, "without created"),
        ("modified", "yesterday", "modified"),
        ("pay_time", "11-11", "pay_time"),
        ("payment", None, "without payment"),
        ("orders", {"order": []}, "has no orders"),
        ("orders", {"order": "oops"}, "list of order"),
    ],
)
def test_malformed_trade_fields_are_refused(field, value, message):
    trade = first_trade()
    trade[field] = value
    with pytest.raises(ConnectorError, match=message):
        mapping.map_trade(trade)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("num", "two", "num is not a quantity"),
        ("price", "x", "price"),
        ("total_fee", None, "without total_fee"),
    ],
)
def test_malformed_line_fields_are_refused(field, value, message):
    trade = first_trade()
    trade["orders"]["order"][0][field] = value
    with pytest.raises(ConnectorError, match=message):
        mapping.map_trade(trade)


def test_line_without_oid_is_refused():
    trade = first_trade()
    del trade["orders"]["order"][0]["oid"], trade["orders"]["order"][0]["oid_str"]
    with pytest.raises(ConnectorError, match="order without oid"):
        mapping.map_trade(trade)


def test_refund_maps_exactly_and_refuses_malformed():
    refunds = load("refunds_receive_get.json")["refunds_receive_get_response"]["refunds"]["refund"]
    refund = mapping.map_refund(refunds[1])
    assert (refund.refund_id, refund.order_id, refund.line_id) == (
        "205512345678902",
        "3861209598765432101",
        "3861209598765432101",
    )
    assert (refund.amount_fen, refund.state, refund.platform_status) == (
        2000,
        RefundState.REFUNDED,
        "SUCCESS",
    )
    assert refund.updated_at == datetime(2026, 11, 12, 11, 20, tzinfo=CHINA)
    with pytest.raises(ConnectorError, match="without tid"):
        mapping.map_refund({k: v for k, v in refunds[0].items() if k != "tid"})
    with pytest.raises(ConnectorError, match="refund_fee"):
        mapping.map_refund({**refunds[0], "refund_fee": "0.001"})


# --- errors ----------------------------------------------------------------------------------------
def test_error_response_becomes_connector_error_with_sub_code():
    with pytest.raises(ConnectorError, match="App Call Limited") as caught:
        mapping.raise_for_error(load("error_app_call_limited.json"), context="taobao.trade.fullinfo.get")
    assert caught.value.code == "accesscontrol.limited-by-app-access-count"
    with pytest.raises(ConnectorError, match="Invalid signature") as caught:
        mapping.raise_for_error(load("error_invalid_signature.json"))
    assert caught.value.code == "25"


def test_transient_errors_are_throttling_and_platform_side_only():
    assert mapping.is_transient_error(load("error_app_call_limited.json"))
    assert mapping.is_transient_error(
        {"error_response": {"code": 15, "sub_code": "isp.remote-service-timeout"}}
    )
    assert mapping.is_transient_error(
        {"error_response": {"code": 10, "msg": "Service currently unavailable"}}
    )
    assert not mapping.is_transient_error(load("error_invalid_signature.json"))
    assert not mapping.is_transient_error({"error_response": {"code": 15, "sub_code": "isv.trade-not-exist"}})
    assert not mapping.is_transient_error(load("trade_fullinfo_get.json"))


# --- payload shapes --------------------------------------------------------------------------------
def test_trades_in_each_saved_shape():
    assert len(mapping.trades_in(load("trades_sold_increment_get.json"))) == 2
    assert len(mapping.trades_in(load("trade_fullinfo_get.json"))) == 1
    assert mapping.trades_in({"trades_sold_increment_get_response": {"total_results": 0}}) == []
    assert mapping.trades_in(first_trade())[0]["tid_str"] == "3861209512345678901"
    with pytest.raises(ConnectorError, match="not a Taobao trade payload"):
        mapping.trades_in({"orders": []})


def test_tmc_messages_name_their_trades_once():
    assert mapping.tmc_trade_ids(load("tmc_trade_changed.json")) == ["3861209577777777701"]
    assert mapping.tmc_trade_ids(load("tmc_messages_consume.json")) == [
        "3861209512345678901",
        "3861209598765432101",
    ]  # the item topic is ignored, the repeat dropped
    with pytest.raises(ConnectorError, match="content is not JSON"):
        mapping.tmc_trade_ids({"topic": "taobao_trade_TradeChanged", "content": "{oops"})
    with pytest.raises(ConnectorError, match="without tid"):
        mapping.tmc_trade_ids({"topic": "taobao_trade_TradeChanged", "content": "{}"})
