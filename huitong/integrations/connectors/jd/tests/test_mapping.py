"""Pure mapping of JD payloads: status tables, money and time conversion, malformed payloads."""

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
from huitong.integrations.connectors.jd import mapping
from huitong.integrations.connectors.jd.tests.conftest import fixture
from huitong.integrations.connectors.times import CHINA


def detail_info() -> dict:
    return copy.deepcopy(
        fixture("order_get_response.json")["jingdong_pop_order_get_responce"]["orderDetailInfo"]["orderInfo"]
    )


def refund_row() -> dict:
    rows = fixture("refundapply_query_response.json")
    return copy.deepcopy(
        rows["jingdong_pop_afs_soa_refundapply_queryPageList_responce"]["queryResult"]["result"][0]
    )


def test_detail_fixture_maps_field_by_field():
    order = mapping.map_order(detail_info())
    assert order.order_id == "230456789012"
    assert order.state is OrderState.PAID and order.platform_status == "WAIT_SELLER_STOCK_OUT"
    assert order.created_at == datetime(2026, 11, 11, 0, 3, 12, tzinfo=CHINA)
    assert order.updated_at == datetime(2026, 11, 11, 0, 4, 40, tzinfo=CHINA)
    assert order.paid_at == datetime(2026, 11, 11, 0, 3, 30, tzinfo=CHINA)
    assert order.lines == (
        PlatformLine(
            line_id="100012043978",
            item_id="100005678901",
            sku_id="100012043978",
            merchant_code="HT-TEA-250",
            title="汇通 西湖龙井 250g 罐装",
            quantity=2,
            unit_price_fen=8880,
            amount_fen=17760,
        ),
    )
    # 177.60 of goods, no freight, buyer pays 159.60: 10.00 shop discount + 8.00 JD coupon.
    assert (order.total_fen, order.shipping_fen, order.discount_fen) == (15960, 0, 1800)
    assert order.currency == "CNY"
    assert (order.buyer_id, order.buyer_nick) == ("WnpZ3kq9TbX0aQ7v2mRt", "jd_4f2a****9c")
    assert order.receiver == Address(
        "张**", "138****0000", "浙江", "杭州市", "西湖区", "浙江杭州市西湖区文三路***号"
    )
    assert (order.buyer_remark, order.seller_remark) == ("请用纸箱包装", "老客户")
    assert order.shipment is None
    assert order.raw["orderId"] == "230456789012"


@pytest.mark.parametrize(("code", "state"), sorted(mapping.ORDER_STATUS.items()))
def test_every_order_state_in_the_table(code, state):
    info = {**detail_info(), "orderState": code}
    order = mapping.map_order(info)
    assert (order.state, order.platform_status) == (state, code)


def test_the_order_table_reads_jd_states_as_expected():
    assert mapping.ORDER_STATUS["WAIT_SELLER_STOCK_OUT"] is OrderState.PAID
    assert mapping.ORDER_STATUS["LOCKED"] is OrderState.PAID
    assert mapping.ORDER_STATUS["POP_ORDER_PAUSE"] is OrderState.PAID
    assert mapping.ORDER_STATUS["WAIT_GOODS_RECEIVE_CONFIRM"] is OrderState.SHIPPED
    assert mapping.ORDER_STATUS["FINISHED_L"] is OrderState.COMPLETED
    assert mapping.ORDER_STATUS["TRADE_CANCELED"] is OrderState.CANCELLED


def test_unknown_order_state_names_the_code():
    with pytest.raises(UnknownStatus, match="WAIT_SEND_CODE") as caught:
        mapping.map_order({**detail_info(), "orderState": "WAIT_SEND_CODE"})
    assert caught.value.code == "WAIT_SEND_CODE"


@pytest.mark.parametrize(("code", "state"), sorted(mapping.REFUND_STATUS.items()))
def test_every_refund_status_in_the_table(code, state):
    refund = mapping.map_refund({**refund_row(), "status": code})
    assert (refund.state, refund.platform_status) == (state, code)


def test_unknown_refund_status_names_the_code():
    with pytest.raises(UnknownStatus, match="'42'"):
        mapping.map_refund({**refund_row(), "status": "42"})


def test_refund_amount_is_integer_fen_and_times_are_beijing():
    refund = mapping.map_refund(refund_row())
    assert (refund.refund_id, refund.order_id, refund.line_id) == ("70012345", "230456789012", "")
    assert (refund.amount_fen, refund.state) == (15960, RefundState.REFUNDED)
    assert refund.created_at == datetime(2026, 11, 11, 9, 0, tzinfo=CHINA)
    assert refund.updated_at == datetime(2026, 11, 11, 9, 30, tzinfo=CHINA)
    assert mapping.map_refund({**refund_row(), "applyRefundSum": "880", "checkTime": ""}).amount_fen == 880


def test_refund_amount_in_fen_refuses_yuan():
    with pytest.raises(ConnectorError, match="applyRefundSum"):
        mapping.map_refund({**refund_row(), "applyRefundSum": "159.60"})


@pytest.mark.parametrize(
    ("price", "fen"), [("0.1", 10), ("0.10", 10), ("88.80", 8880), ("88.8", 8880), ("1999", 199900), ("0", 0)]
)
def test_yuan_strings_become_exact_fen(price, fen):
    info = detail_info()
    info["itemInfoList"][0].update(jdPrice=price, itemTotal="3")
    info.update(freightPrice="0.00", orderPayment=f"{fen * 3 / 100:.2f}")
    order = mapping.map_order(info)
    assert (order.lines[0].unit_price_fen, order.lines[0].amount_fen) == (fen, fen * 3)
    assert (order.total_fen, order.discount_fen) == (fen * 3, 0)


def test_search_fixture_freight_and_carrier_back_to_huitong_codes():
    orders = mapping.map_payload(fixture("order_search_response.json"))
    first, second = orders
    assert (first.total_fen, first.shipping_fen, first.discount_fen) == (610, 600, 0)
    assert first.lines[0].unit_price_fen == 10
    assert first.shipment == Shipment("JD", "JDVA01234567890")
    assert first.state is OrderState.SHIPPED
    assert second.shipment == Shipment("SF", "SF1388888888888")
    assert second.buyer_id == "o*AAT0pLxQ1n7b2"  # xid_buyer when no open_id_buyer
    assert second.receiver.phone == "021-6***8888"  # landline when no mobile
    assert [line.amount_fen for line in second.lines] == [17760, 3780]
    assert second.discount_fen == 1000


def test_a_repeated_sku_gets_distinct_line_ids():
    info = detail_info()
    gift = {**info["itemInfoList"][0], "jdPrice": "0.00", "itemTotal": "1"}
    info["itemInfoList"].append(gift)
    assert [line.line_id for line in mapping.map_order(info).lines] == ["100012043978", "100012043978#2"]


def test_unknown_logistics_company_keeps_the_jd_id():
    info = {**detail_info(), "waybill": "ZJS000111", "logisticsId": "1409"}
    assert mapping.map_order(info).shipment == Shipment("1409", "ZJS000111")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"orderId": ""}, "without orderId"),
        ({"orderPayment": "abc"}, "orderPayment"),
        ({"freightPrice": "6.005"}, "freightPrice.*precision"),
        ({"orderStartTime": "2026-13-45 99:00:00"}, "orderStartTime"),
        ({"orderStartTime": None}, "missing orderStartTime"),
        ({"modified": "yesterday"}, "modified"),
        ({"itemInfoList": []}, "itemInfoList"),
        ({"orderPayment": "999.00"}, "exceeds goods"),
    ],
)
def test_malformed_orders_are_refused_clearly(change, message):
    with pytest.raises(ConnectorError, match=message):
        mapping.map_order({**detail_info(), **change})


def test_malformed_line_is_refused_clearly():
    info = detail_info()
    info["itemInfoList"][0]["itemTotal"] = "two"
    with pytest.raises(ConnectorError, match="itemTotal 'two'"):
        mapping.map_order(info)
    info["itemInfoList"][0].update(itemTotal="1", skuId="")
    with pytest.raises(ConnectorError, match="without skuId"):
        mapping.map_order(info)


@pytest.mark.parametrize(("carrier", "jd_id"), sorted(mapping.CARRIERS.items()))
def test_every_huitong_carrier_has_a_jd_company(carrier, jd_id):
    assert mapping.logistics_id(carrier) == mapping.logistics_id(carrier.lower()) == jd_id
    assert mapping.CARRIER_OF_LOGISTICS_ID[jd_id] == carrier


def test_carrier_codes_cover_the_huitong_set_and_refuse_others():
    assert set(mapping.CARRIERS) == {"SF", "ZTO", "YTO", "STO", "YD", "JD", "EMS"}
    assert mapping.logistics_id("1409") == "1409"  # a JD company id passes through
    with pytest.raises(ConnectorError, match="DHL"):
        mapping.logistics_id("DHL")


def test_payload_shapes():
    search = fixture("order_search_response.json")
    assert [o.order_id for o in mapping.map_payload(search)] == ["230456789013", "230456789014"]
    inner = search["jingdong_pop_order_search_responce"]["searchorderinfo_result"]
    assert len(mapping.map_payload(inner)) == 2
    assert [o.order_id for o in mapping.map_payload(fixture("order_get_response.json"))] == ["230456789012"]
    assert len(mapping.map_payload(detail_info())) == 1
    assert len(mapping.map_payload([detail_info(), detail_info()])) == 2


def test_error_or_foreign_payloads_are_refused():
    with pytest.raises(ConnectorError, match=r"\[12\] 无效签名"):
        mapping.map_payload(fixture("error_invalid_signature.json"))
    with pytest.raises(ConnectorError, match="not a JD order payload"):
        mapping.map_payload({"order_sn_increment_get_response": {}})
    with pytest.raises(ConnectorError, match="not JSON"):
        mapping.map_payload("{oops")
