"""Douyin payload → DTO mapping, on saved payloads in the platform's shape (no network)."""

import copy
from datetime import UTC, datetime
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
from huitong.integrations.connectors.douyin import mapping
from huitong.integrations.connectors.testing import fixture_loader

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
load = fixture_loader(__file__)


@pytest.fixture
def listed():
    return load("order_search_list.json")


@pytest.fixture
def order_a(listed):
    return copy.deepcopy(listed["data"]["shop_order_list"][0])


def test_search_list_answer_maps_every_field(listed):
    first, second = mapping.orders_from_response(listed)
    assert first.order_id == "6921475018346730123"
    assert (first.state, first.platform_status) == (OrderState.PAID, "2")
    assert first.created_at == datetime(2025, 11, 11, 2, 0, tzinfo=UTC)  # 10:00 Beijing
    assert first.updated_at == datetime(2025, 11, 11, 2, 5, tzinfo=UTC)
    assert first.paid_at == datetime(2025, 11, 11, 2, 0, 30, tzinfo=UTC)
    assert (first.total_fen, first.shipping_fen, first.discount_fen, first.currency) == (12680, 800, 0, "CNY")
    assert first.lines == (
        PlatformLine(
            "6921475018346730124",
            "3660207428038974464",
            "1737645186735001",
            "HT-TEA-250",
            "西湖龙井 明前特级 250g",
            2,
            4990,
            8980,
        ),
        PlatformLine(
            "6921475018346730125",
            "3660207428038974477",
            "1737645186735099",
            "HT-CUP-01",
            "青瓷品茗杯",
            1,
            2900,
            2900,
        ),  # out_sku_id empty → code; its 800 fen post taken off
    )
    assert (
        sum(line.amount_fen for line in first.lines) + first.shipping_fen - first.discount_fen
        == first.total_fen
    )
    assert first.buyer_id == "1@#VrtJKX59ewuPyvUhIKiAtxNZ0wt2BBDARCd6qdLmaBiz59YmNz"
    assert first.buyer_nick == ""  # Douyin does not give the buyer's nickname
    assert first.receiver == Address(
        "张**", "138****0000", "浙江省", "杭州市", "西湖区", "西溪街道文三路***号"
    )
    assert (first.buyer_remark, first.seller_remark, first.shipment) == ("请用顺丰", "赠品已备", None)
    assert first.raw == listed["data"]["shop_order_list"][0]
    assert second.state == OrderState.SHIPPED
    assert second.shipment == Shipment("ZTO", "75312345678901")
    assert second.receiver.detail == "漕溪北路***号"


def test_detail_answer_with_masked_and_encrypted_receiver_keeps_them_as_given():
    (order,) = mapping.orders_from_response(load("order_detail.json"))
    assert (order.order_id, order.state, order.platform_status) == (
        "6921475018346730789",
        OrderState.CANCELLED,
        "4",
    )
    assert order.receiver == Address(
        "王*", "*******5678", "北京市", "北京市", "朝阳区", "建外街道建国门外大街****"
    )
    assert order.lines[0].refund_state == RefundState.REFUNDED
    assert order.lines[0].merchant_code == "HT-SAMPLE"


def test_bare_data_and_bare_order_are_accepted(listed, order_a):
    assert [o.order_id for o in mapping.orders_from_response(listed["data"])] == [
        "6921475018346730123",
        "6921475018346730456",
    ]
    assert mapping.orders_from_response(order_a)[0].order_id == "6921475018346730123"


def test_saved_error_answer_is_refused():
    with pytest.raises(ConnectorError, match="60000") as err:
        mapping.orders_from_response(
            {"code": 60000, "msg": "触发限流", "sub_code": "isp.flow-limit", "data": {}}
        )
    assert err.value.code == "isp.flow-limit"


@pytest.mark.parametrize("code, state", sorted(mapping.ORDER_STATUS.items()))
def test_every_order_status(order_a, code, state):
    order_a["order_status"] = int(code)
    order = mapping.order_from_payload(order_a)
    assert (order.state, order.platform_status) == (state, code)


def test_order_status_table_is_the_documented_set():
    assert set(mapping.ORDER_STATUS) == {"1", "105", "2", "101", "3", "4", "5"}


def test_unknown_order_status_names_the_code(order_a):
    order_a["order_status"] = 999
    with pytest.raises(UnknownStatus, match="999") as err:
        mapping.order_from_payload(order_a)
    assert err.value.code == "999"


@pytest.mark.parametrize("code, state", sorted(mapping.REFUND_STATUS.items()))
def test_every_after_sale_status_on_a_line(order_a, code, state):
    order_a["sku_order_list"][0]["after_sale_info"]["after_sale_status"] = int(code)
    assert mapping.order_from_payload(order_a).lines[0].refund_state == state


@pytest.mark.parametrize("code, state", sorted(mapping.REFUND_STATUS.items()))
def test_every_after_sale_status_on_an_after_sale(code, state):
    item = load("aftersale_list.json")["data"]["items"][0]
    item["aftersale_info"]["aftersale_status"] = int(code)
    refund = mapping.refund_from_payload(item)
    assert (refund.state, refund.platform_status) == (state, code)


def test_unknown_after_sale_status_names_the_code(order_a):
    order_a["sku_order_list"][1]["after_sale_info"]["after_sale_status"] = 77
    with pytest.raises(UnknownStatus, match="77"):
        mapping.order_from_payload(order_a)


def test_line_without_after_sale_info_has_no_refund(order_a):
    del order_a["sku_order_list"][0]["after_sale_info"]
    assert mapping.order_from_payload(order_a).lines[0].refund_state == RefundState.NONE


def test_after_sale_list_maps_refunds_and_tells_money_refunds_apart():
    items = load("aftersale_list.json")["data"]["items"]
    refund = mapping.refund_from_payload(items[0])
    assert refund.refund_id == "7301234567890123456"
    assert (refund.order_id, refund.line_id) == ("6921475018346730789", "6921475018346730790")
    assert (refund.amount_fen, refund.state, refund.reason) == (990, RefundState.REFUNDED, "拍错/多拍/不想要")
    assert refund.created_at == datetime(2025, 11, 12, 4, 0, tzinfo=UTC)
    assert refund.updated_at == datetime(2025, 11, 13, 7, 0, tzinfo=UTC)
    assert [mapping.is_money_refund(i) for i in items] == [True, True, False]  # the third is an exchange


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("order_id", "", "order_id missing"),
        ("order_id", None, "order_id missing"),
        ("pay_amount", "126.80", "pay_amount"),  # yuan text where fen are due
        ("pay_amount", 126.8, "pay_amount"),
        ("pay_amount", None, "pay_amount missing"),
        ("post_amount", "eight", "post_amount"),
        ("create_time", "2025-11-11 10:00:00", "create_time"),
        ("create_time", 0, "create_time missing"),
        ("update_time", 1762826700.5, "update_time"),
        ("pay_time", "yesterday", "pay_time"),
        ("sku_order_list", [], "sku_order_list is empty"),
        ("sku_order_list", "none", "sku_order_list is not a list"),
    ],
)
def test_malformed_order_is_refused_with_a_clear_message(order_a, field, value, message):
    order_a[field] = value
    with pytest.raises(ConnectorError, match=message):
        mapping.order_from_payload(order_a)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("order_id", "", "sku order: order_id missing"),
        ("item_num", 0, "item_num: must be positive"),
        ("item_num", "two", "item_num: not a whole number"),
        ("origin_amount", "49.90", "origin_amount"),
        ("pay_amount", True, "pay_amount"),
    ],
)
def test_malformed_line_is_refused(order_a, field, value, message):
    order_a["sku_order_list"][0][field] = value
    with pytest.raises(ConnectorError, match=message):
        mapping.order_from_payload(order_a)


def test_not_an_object_is_refused():
    with pytest.raises(ConnectorError, match="must be an object"):
        mapping.order_from_payload(["6921475018346730123"])
    with pytest.raises(ConnectorError, match="no shop_order_list"):
        mapping.orders_from_response({"code": 10000, "data": {"total": 0}})


def test_amounts_are_integer_fen_as_given(order_a):
    order_a.update(pay_amount="12680", post_amount=0)  # numeric text is still fen
    order_a["sku_order_list"][1].update(pay_amount=2900, post_amount=0)
    order = mapping.order_from_payload(order_a)
    assert (order.total_fen, order.shipping_fen) == (12680, 0)
    assert order.discount_fen == 8980 + 2900 - 12680  # -800: nothing left unexplained


def test_zero_amount_order(order_a):
    order_a.update(pay_amount=0, post_amount=0)
    for line in order_a["sku_order_list"]:
        line.update(pay_amount=0, post_amount=0)
    order = mapping.order_from_payload(order_a)
    assert (order.total_fen, [line.amount_fen for line in order.lines]) == (0, [0, 0])


def test_unpaid_order_has_no_paid_at(order_a):
    order_a.update(order_status=1, pay_time=0)
    order = mapping.order_from_payload(order_a)
    assert (order.state, order.paid_at) == (OrderState.PENDING_PAYMENT, None)


def test_push_names_orders_once_each_in_order():
    assert mapping.order_ids_from_push(load("push_trade.json")) == [
        "6921475018346730123",
        "6921475018346730456",
    ]
    assert mapping.is_push(load("push_trade.json"))
    assert not mapping.is_push(load("order_search_list.json"))


def test_verification_push_names_no_order_and_broken_push_is_refused():
    assert mapping.order_ids_from_push([{"tag": "0", "msg_id": "x", "data": "{}"}]) == []
    with pytest.raises(ConnectorError, match="no p_id"):
        mapping.order_ids_from_push([{"tag": "101", "msg_id": "m1", "data": '{"shop_id": 1}'}])
    with pytest.raises(ConnectorError, match="not JSON"):
        mapping.order_ids_from_push({"tag": "101", "msg_id": "m2", "data": "{oops"})


@pytest.mark.parametrize("ours, theirs", sorted(mapping.CARRIERS.items()))
def test_carriers_map_both_ways(ours, theirs):
    assert mapping.carrier_code(ours) == theirs
    assert mapping.carrier_code(ours.lower()) == theirs
    assert mapping.huitong_carrier(theirs) == ours


def test_every_huitong_carrier_is_mapped_and_unknown_is_refused():
    assert set(mapping.CARRIERS) == {"SF", "ZTO", "YTO", "STO", "YD", "JD", "EMS"}
    with pytest.raises(ConnectorError, match="DBL"):
        mapping.carrier_code("DBL")
    assert mapping.huitong_carrier("debangwuliu") == "debangwuliu"
