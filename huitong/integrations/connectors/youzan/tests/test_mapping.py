"""Youzan payload → DTO mapping, on saved payloads in the platform's shape (no network)."""

import copy
import json
from datetime import datetime
from pathlib import Path

import pytest

from huitong.integrations.connectors.base import (
    Address,
    ConnectorError,
    OrderState,
    PlatformLine,
    RefundState,
    Shipment,
    UnknownStatus,
)
from huitong.integrations.connectors.testing import fixture_loader
from huitong.integrations.connectors.times import CHINA
from huitong.integrations.connectors.youzan import mapping

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
load = fixture_loader(__file__)


def beijing(*parts):
    return datetime(*parts, tzinfo=CHINA)


@pytest.fixture
def sold():
    return load("trades_sold_get.json")


@pytest.fixture
def trade(sold):
    return copy.deepcopy(sold["data"]["full_order_info_list"][0])


def test_sold_get_answer_maps_every_field(sold):
    first, second = mapping.orders_from_response(sold)
    assert first.order_id == "E20251111100000047400001"
    assert (first.state, first.platform_status) == (OrderState.PAID, "WAIT_SELLER_SEND_GOODS")
    assert (first.created_at, first.updated_at, first.paid_at) == (
        beijing(2025, 11, 11, 10, 0),
        beijing(2025, 11, 11, 10, 5),
        beijing(2025, 11, 11, 10, 0),
    )
    assert first.lines == (
        PlatformLine(
            "1600000000004000010",
            "2654863571",
            "36251748",
            "HT-TEA-250",
            "西湖龙井 明前特级 250g",
            2,
            4990,
            9580,
        ),
        PlatformLine("1600000000004000011", "2654863599", "", "HT-CUP-01", "青瓷品茗杯", 1, 2900, 2900),
    )  # 2 × 49.90 less a 4.00 item discount; the cup has no SKU (sku_id 0) and only an outer_item_id
    # payment 127.80 = 128.80 listed − (4.00 item + 5.00 order discount) + 8.00 post
    assert (first.total_fen, first.shipping_fen, first.discount_fen) == (12780, 800, 500)
    assert (
        sum(line.amount_fen for line in first.lines) + first.shipping_fen - first.discount_fen
        == first.total_fen
    )
    assert (first.buyer_id, first.buyer_nick) == ("Xy7WJm3Eu5i1h2sS0Y0qZ8e9", "茶友小王")
    assert first.receiver == Address("王**", "138****0000", "浙江省", "杭州市", "西湖区", "文三路***号")
    assert (first.buyer_remark, first.seller_remark, first.shipment) == ("请用顺丰", "赠品已备", None)
    assert first.raw == sold["data"]["full_order_info_list"][0]
    assert (second.state, second.receiver.name, second.buyer_nick) == (OrderState.SHIPPED, "李**", "")


def test_trade_get_answer_with_refund_and_delivery():
    (order,) = mapping.orders_from_response(load("trade_get.json"))
    assert (order.order_id, order.state) == ("E20251112093000047400003", OrderState.SHIPPED)
    assert order.shipment == Shipment("ZTO", "75312345678901")
    assert [line.refund_state for line in order.lines] == [RefundState.REQUESTED, RefundState.NONE]


def test_bare_data_and_bare_trade_are_accepted(sold, trade):
    assert len(mapping.orders_from_response(sold["data"])) == 2
    assert mapping.orders_from_response(trade["full_order_info"])[0].order_id == "E20251111100000047400001"


@pytest.mark.parametrize(
    "answer, code",
    [
        ({"gw_err_resp": {"err_code": 4203, "err_msg": "Token 不存在"}}, "4203"),
        ({"success": False, "code": 5000, "message": "trade not found", "data": {}}, "5000"),
        ({"error_response": {"code": 50000, "msg": "订单不存在"}}, "50000"),
    ],
)
def test_saved_error_answers_are_refused(answer, code):
    with pytest.raises(ConnectorError, match="error") as err:
        mapping.orders_from_response(answer)
    assert err.value.code == code


@pytest.mark.parametrize("code, state", sorted(mapping.ORDER_STATUS.items()))
def test_every_order_status(trade, code, state):
    trade["full_order_info"]["order_info"]["status"] = code
    order = mapping.order_from_trade(trade)
    assert (order.state, order.platform_status) == (state, code)


def test_unknown_order_status_names_the_code(trade):
    trade["full_order_info"]["order_info"]["status"] = "TRADE_TELEPORTED"
    with pytest.raises(UnknownStatus, match="TRADE_TELEPORTED") as err:
        mapping.order_from_trade(trade)
    assert err.value.code == "TRADE_TELEPORTED"


@pytest.mark.parametrize("code, state", sorted(mapping.REFUND_STATUS.items()))
def test_every_refund_status(code, state):
    row = load("refund_search.json")["data"]["refunds"][0] | {"status": code}
    refund = mapping.refund_from_payload(row)
    assert (refund.state, refund.platform_status) == (state, code)


@pytest.mark.parametrize("code", ["1", "10", "20", "30", "40", "50", "60"])
def test_refund_order_states_mark_their_lines(trade, code):
    oid = trade["full_order_info"]["orders"][1]["oid"]
    trade["refund_order"] = [{"refund_id": "R1", "refund_state": int(code), "oids": [{"oid": oid}]}]
    order = mapping.order_from_trade(trade)
    assert [line.refund_state for line in order.lines] == [RefundState.NONE, mapping.REFUND_STATUS[code]]


def test_unknown_refund_status_names_the_code(trade):
    with pytest.raises(UnknownStatus, match="REFUND_MAYBE"):
        mapping.refund_from_payload(
            load("refund_search.json")["data"]["refunds"][0] | {"status": "REFUND_MAYBE"}
        )
    trade["refund_order"] = [{"refund_id": "R1", "refund_state": 99, "oids": [{"oid": "x"}]}]
    with pytest.raises(UnknownStatus, match="99"):
        mapping.order_from_trade(trade)


def test_refund_search_rows():
    waiting, done = (mapping.refund_from_payload(r) for r in load("refund_search.json")["data"]["refunds"])
    assert (waiting.refund_id, waiting.order_id, waiting.line_id) == (
        "202511131500000000031002",
        "E20251112093000047400003",
        "1600000000004000030",
    )
    assert (waiting.amount_fen, waiting.state, waiting.created_at) == (
        4990,
        RefundState.REQUESTED,
        beijing(2025, 11, 13, 15, 0),
    )
    assert (done.amount_fen, done.state, done.line_id, done.updated_at) == (
        8880,
        RefundState.REFUNDED,
        "",
        beijing(2025, 11, 13, 16, 20),
    )  # "88.8" yuan text


def info(trade):
    return trade["full_order_info"]["order_info"]


def pay(trade):
    return trade["full_order_info"]["pay_info"]


def line(trade):
    return trade["full_order_info"]["orders"][0]


@pytest.mark.parametrize(
    "where, field, value, message",
    [
        (info, "tid", "", "tid missing"),
        (info, "created", "", "created missing"),
        (info, "created", "2025/11/11 10:00", "created: not a time"),
        (info, "update_time", "2025-11-31 10:00:00", "update_time: not a time"),
        (info, "pay_time", 1762826400, "pay_time: not a time"),
        (pay, "payment", None, "payment missing"),
        (pay, "payment", "127.805", "more precision than a fen"),
        (pay, "payment", "12y", "payment"),
        (pay, "post_fee", True, "post_fee"),
        (line, "oid", None, "oid missing"),
        (line, "num", 0, "num: must be positive"),
        (line, "price", "forty", "price"),
        (line, "total_fee", "95.801", "total_fee"),
    ],
)
def test_malformed_trade_is_refused_with_a_clear_message(trade, where, field, value, message):
    where(trade)[field] = value
    with pytest.raises(ConnectorError, match=message):
        mapping.order_from_trade(trade)


def test_trade_without_items_or_order_info_is_refused(trade):
    with pytest.raises(ConnectorError, match="order_info missing"):
        mapping.order_from_trade({"full_order_info": {}})
    trade["full_order_info"]["orders"] = []
    with pytest.raises(ConnectorError, match="orders is empty"):
        mapping.order_from_trade(trade)
    with pytest.raises(ConnectorError, match="no full_order_info_list"):
        mapping.orders_from_response({"success": True, "code": 200, "data": {"total_results": 0}})


@pytest.mark.parametrize(
    "payment, fen",
    [
        ("0.1", 10),
        ("0.10", 10),
        (88.8, 8880),
        ("88.8", 8880),
        (0.29, 29),
        ("1,288.00", 128800),
        ("0", 0),
        (12, 1200),
    ],
)
def test_yuan_amounts_become_exact_fen(trade, payment, fen):
    pay(trade)["payment"] = payment
    assert mapping.order_from_trade(trade).total_fen == fen


def test_missing_optional_blocks_leave_fields_empty(trade):
    for block in ("buyer_info", "address_info", "remark_info"):
        del trade["full_order_info"][block]
    order = mapping.order_from_trade(trade)
    assert (order.buyer_id, order.buyer_nick, order.receiver, order.buyer_remark) == ("", "", Address(), "")


def test_unpaid_trade_has_no_paid_at(trade):
    info(trade).update(status="WAIT_BUYER_PAY", pay_time="")
    order = mapping.order_from_trade(trade)
    assert (order.state, order.paid_at) == (OrderState.PENDING_PAYMENT, None)


def test_push_msg_is_url_decoded():
    body = json.loads((FIXTURES / "push_trade_buyer_pay.json").read_bytes())
    assert mapping.is_push(body)
    trade = mapping.push_message(body)
    assert mapping.order_from_trade(trade).order_id == "E20251111100000047400001"
    close = load("push_trade_close.json")
    assert mapping.push_message(close) == {
        "tid": "E20251111100210047400002",
        "close_type": 4,
        "close_reason": "买家取消",
        "update_time": "2025-11-11 12:30:00",
    }
    assert mapping.push_tid(close, mapping.push_message(close)) == "E20251111100210047400002"
    assert mapping.push_message({"msg": {"refund_id": "R1", "tid": "E1"}}) == {"refund_id": "R1", "tid": "E1"}


def test_broken_push_msg_is_refused():
    with pytest.raises(ConnectorError, match="msg is not JSON"):
        mapping.push_message({"type": "trade_TradeClose", "msg": "%7Bnope"})
    with pytest.raises(ConnectorError, match="msg missing"):
        mapping.push_message({"type": "trade_TradeClose", "msg": ""})


@pytest.mark.parametrize("ours, theirs", sorted(mapping.CARRIERS.items()))
def test_carriers_map_both_ways(ours, theirs):
    assert mapping.carrier_code(ours) == theirs
    assert mapping.carrier_code(f" {ours.lower()} ") == theirs
    assert mapping.huitong_carrier(int(theirs)) == ours


def test_every_huitong_carrier_is_mapped_and_unknown_is_refused():
    assert set(mapping.CARRIERS) == {"SF", "ZTO", "YTO", "STO", "YD", "JD", "EMS"}
    with pytest.raises(ConnectorError, match="DBL"):
        mapping.carrier_code("DBL")
    assert mapping.huitong_carrier(12) == "12"
