"""Pure mapping of Pinduoduo payloads: status tables, yuan floats and fen, malformed payloads."""

from __future__ import annotations

import copy
from datetime import datetime

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
from huitong.integrations.connectors.pinduoduo import mapping
from huitong.integrations.connectors.pinduoduo.tests.conftest import fixture
from huitong.integrations.connectors.times import CHINA


def order_info() -> dict:
    return copy.deepcopy(fixture("order_information_response.json")["order_info_get_response"]["order_info"])


def refund_rows() -> list[dict]:
    return copy.deepcopy(
        fixture("refund_increment_response.json")["refund_increment_get_response"]["refund_list"]
    )


def test_information_fixture_maps_field_by_field():
    order = mapping.map_order(order_info())
    assert order.order_id == "261111-352187464310982"
    assert (order.state, order.platform_status) == (OrderState.PAID, "1/1")
    assert order.created_at == datetime(2026, 11, 11, 0, 3, 12, tzinfo=CHINA)
    assert order.updated_at == datetime(2026, 11, 11, 0, 4, 40, tzinfo=CHINA)
    assert order.paid_at == datetime(2026, 11, 11, 0, 3, 30, tzinfo=CHINA)
    assert order.lines == (
        PlatformLine(
            line_id="1122334455667",
            item_id="412345678901",
            sku_id="1122334455667",
            merchant_code="HT-TEA-250",
            title="汇通 西湖龙井 250g 罐装",
            quantity=2,
            unit_price_fen=8880,
            amount_fen=17760,
            refund_state=RefundState.NONE,
        ),
    )
    assert (order.total_fen, order.shipping_fen, order.discount_fen) == (15960, 0, 1800)
    assert (order.buyer_id, order.buyer_nick) == ("", "")  # PDD gives the seller no buyer identity
    # the masked forms, not the encrypted ones
    assert order.receiver == Address("张*", "138****0000", "浙江省", "杭州市", "西湖区", "文三路***号")
    assert (order.buyer_remark, order.seller_remark) == ("请用纸箱包装", "老客户")
    assert order.shipment is None
    assert order.raw["pay_no"] == "4200002601202611115203398712"


@pytest.mark.parametrize(("code", "state"), sorted(mapping.ORDER_STATUS.items()))
def test_every_order_status_in_the_table(code, state):
    order = mapping.map_order({**order_info(), "order_status": code})
    assert (order.state, order.platform_status) == (state, f"{code}/1")


@pytest.mark.parametrize(("code", "state"), sorted(mapping.REFUND_STATUS.items()))
def test_every_refund_status_reaches_the_lines(code, state):
    order = mapping.map_order({**order_info(), "order_status": 2, "refund_status": code})
    assert order.state is OrderState.SHIPPED
    assert [line.refund_state for line in order.lines] == [state]


def test_refunded_before_shipping_is_a_closed_order_after_shipping_is_not():
    assert mapping.map_order({**order_info(), "refund_status": 4}).state is OrderState.CANCELLED
    assert mapping.map_order({**order_info(), "refund_status": 3}).state is OrderState.PAID
    assert (
        mapping.map_order({**order_info(), "order_status": 3, "refund_status": 4}).state
        is OrderState.COMPLETED
    )


@pytest.mark.parametrize(
    ("change", "code"),
    [({"order_status": 9}, "9"), ({"refund_status": 7}, "7"), ({"order_status": "x"}, "x")],
)
def test_unknown_status_names_the_code(change, code):
    with pytest.raises(UnknownStatus, match=f"'{code}'|{code} is not") as caught:
        mapping.map_order({**order_info(), **change})
    assert caught.value.code == code


@pytest.mark.parametrize(("code", "state"), sorted(mapping.AFTER_SALES_STATUS.items()))
def test_every_after_sales_status_in_the_table(code, state):
    refund = mapping.map_refund({**refund_rows()[0], "after_sales_status": code})
    assert (refund.state, refund.platform_status) == (state, str(code))


def test_unknown_after_sales_status_names_the_code():
    with pytest.raises(UnknownStatus, match="after_sales_status 14"):
        mapping.map_refund({**refund_rows()[0], "after_sales_status": 14})


def test_refund_documents_are_in_fen_and_only_money_types_count():
    rows = refund_rows()
    refund = mapping.map_refund(rows[0])
    assert (refund.refund_id, refund.order_id, refund.line_id) == (
        "9100000001",
        "261111-352187464310982",
        "1122334455667",
    )
    assert (refund.amount_fen, refund.state, refund.reason) == (15960, RefundState.REFUNDED, "不想要了")
    assert refund.updated_at == datetime(2026, 11, 11, 9, 30, tzinfo=CHINA)
    assert [mapping.is_money_refund(r) for r in rows] == [True, True, False]
    with pytest.raises(ConnectorError, match="refund_amount"):
        mapping.map_refund({**rows[0], "refund_amount": 159.6})


@pytest.mark.parametrize(
    ("price", "fen"),
    [(88.8, 8880), (0.1, 10), (19.9, 1990), (0.07, 7), (1999, 199900), (0, 0), ("88.80", 8880)],
)
def test_yuan_numbers_become_exact_fen(price, fen):
    info = order_info()
    info["item_list"][0].update(goods_price=price, goods_count=3)
    assert (info["item_list"][0]["goods_price"], mapping.map_order(info).lines[0].amount_fen) == (
        price,
        fen * 3,
    )


def test_order_amounts_from_floats():
    info = {**order_info(), "pay_amount": 6.1, "postage": 6.0, "discount_amount": 0.3}
    order = mapping.map_order(info)
    assert (order.total_fen, order.shipping_fen, order.discount_fen) == (610, 600, 30)


def test_increment_fixture_shipments_and_plain_receiver_fields():
    shipped, returned = mapping.map_payload(fixture("order_increment_response.json"))
    assert (shipped.state, shipped.shipment) == (OrderState.SHIPPED, Shipment("JD", "JDVA01234567890"))
    assert (shipped.total_fen, shipped.shipping_fen, shipped.lines[0].unit_price_fen) == (610, 600, 10)
    assert (returned.state, returned.shipment) == (OrderState.COMPLETED, Shipment("SF", "SF1388888888888"))
    assert returned.lines[0].refund_state is RefundState.REFUNDED
    assert returned.receiver == Address("王**", "1368****888", "上海", "上海市", "浦东新区", "世纪大道***号")


def test_unknown_logistics_company_keeps_the_pdd_id():
    info = {**order_info(), "order_status": 2, "logistics_id": 3, "tracking_number": "HT0001"}
    assert mapping.map_order(info).shipment == Shipment("3", "HT0001")


def test_a_repeated_sku_gets_distinct_line_ids():
    info = order_info()
    info["item_list"].append({**info["item_list"][0], "goods_price": 0})
    assert [line.line_id for line in mapping.map_order(info).lines] == ["1122334455667", "1122334455667#2"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"order_sn": ""}, "without order_sn"),
        ({"pay_amount": "abc"}, "pay_amount"),
        ({"pay_amount": 1.005}, "pay_amount.*precision"),
        ({"postage": True}, "postage"),
        ({"created_time": "2026/11/11"}, "created_time"),
        ({"created_time": ""}, "missing created_time"),
        ({"updated_at": 1762790400}, "updated_at"),
        ({"item_list": []}, "item_list"),
    ],
)
def test_malformed_orders_are_refused_clearly(change, message):
    with pytest.raises(ConnectorError, match=message):
        mapping.map_order({**order_info(), **change})


def test_malformed_lines_are_refused_clearly():
    info = order_info()
    info["item_list"][0]["goods_count"] = "two"
    with pytest.raises(ConnectorError, match="goods_count 'two'"):
        mapping.map_order(info)
    info["item_list"][0].update(goods_count=1, sku_id=None, goods_id=None)
    with pytest.raises(ConnectorError, match="without sku_id or goods_id"):
        mapping.map_order(info)


@pytest.mark.parametrize(("carrier", "pdd_id"), sorted(mapping.CARRIERS.items()))
def test_every_huitong_carrier_has_a_pdd_company(carrier, pdd_id):
    assert mapping.logistics_id(carrier) == mapping.logistics_id(carrier.lower()) == pdd_id
    assert mapping.CARRIER_OF_LOGISTICS_ID[pdd_id] == carrier


def test_carrier_codes_cover_the_huitong_set_and_refuse_others():
    assert set(mapping.CARRIERS) == {"SF", "ZTO", "YTO", "STO", "YD", "JD", "EMS"}
    assert mapping.logistics_id("132") == 132
    with pytest.raises(ConnectorError, match="UPS"):
        mapping.logistics_id("UPS")


def test_payload_shapes():
    increment = fixture("order_increment_response.json")
    assert len(mapping.map_payload(increment)) == 2
    assert len(mapping.map_payload(increment["order_sn_increment_get_response"])) == 2
    assert [o.order_id for o in mapping.map_payload(fixture("order_information_response.json"))] == [
        "261111-352187464310982"
    ]
    assert len(mapping.map_payload({"order_list_get_response": {"order_list": [order_info()]}})) == 1
    assert len(mapping.map_payload([order_info(), order_info()])) == 2


def test_push_messages_name_orders():
    push = fixture("push_trade_seller_ship.json")
    assert mapping.is_push_message(push)
    assert mapping.order_sns_in_message(push) == ["261111-352187464310982"]
    assert mapping.order_sns_in_message(push["message"]) == ["261111-352187464310982"]
    assert not mapping.is_push_message(order_info())
    with pytest.raises(ConnectorError, match="names no order"):
        mapping.order_sns_in_message({"message": {"type": "pdd_chat_Message", "content": "{}"}})


def test_error_or_foreign_payloads_are_refused():
    with pytest.raises(ConnectorError, match=r"\[70031\]"):
        mapping.map_payload(fixture("error_throttled.json"))
    with pytest.raises(ConnectorError, match="not a PDD order payload"):
        mapping.map_payload({"jingdong_pop_order_search_responce": {}})
    with pytest.raises(ConnectorError, match="not JSON"):
        mapping.map_payload("{oops")
