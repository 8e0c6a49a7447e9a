"""parse_payload on saved TOP answers and TMC messages; verify_webhook on TOP-signed pushes."""

import hashlib
from datetime import datetime
from urllib.parse import urlencode

import pytest

from huitong.integrations.connectors.base import ConnectorError, Credentials, OrderState, RefundState
from huitong.integrations.connectors.taobao.adapter import TaobaoAdapter
from huitong.integrations.connectors.taobao.client import response_key
from huitong.integrations.connectors.taobao.fake_server import CHINA, make_line, make_trade
from huitong.integrations.connectors.taobao.tests.conftest import load

OFFLINE = TaobaoAdapter(
    Credentials(app_key="12345678", app_secret="helloworld", base_url="http://127.0.0.1:9")
)


def test_saved_increment_answer():
    orders = OFFLINE.parse_payload(load("trades_sold_increment_get.json"))
    assert [(o.order_id, o.state, o.total_fen) for o in orders] == [
        ("3861209512345678901", OrderState.PAID, 17750),
        ("3861209598765432101", OrderState.SHIPPED, 6200),
    ]
    assert (
        orders[0].raw
        == load("trades_sold_increment_get.json")["trades_sold_increment_get_response"]["trades"]["trade"][0]
    )


def test_saved_fullinfo_answer():
    (order,) = OFFLINE.parse_payload(load("trade_fullinfo_get.json"))
    assert (order.order_id, order.total_fen, order.seller_remark) == ("3861209577777777701", 10, "测试单")
    assert order.lines[0].refund_state == RefundState.REQUESTED
    assert (order.lines[0].merchant_code, order.lines[0].sku_id) == ("SAMPLE-01", "")


def test_saved_error_answer_is_refused():
    with pytest.raises(ConnectorError, match="Invalid signature"):
        OFFLINE.parse_payload(load("error_invalid_signature.json"))


def test_not_a_taobao_payload_is_refused():
    with pytest.raises(ConnectorError, match="not a Taobao trade payload"):
        OFFLINE.parse_payload({"order_sn": "240101"})


def test_tmc_message_fetches_the_trade_it_names(fake, adapter):
    trade = load("trade_fullinfo_get.json")["trade_fullinfo_get_response"]["trade"]
    fake.add_trade(trade)
    (order,) = adapter.parse_payload(load("tmc_trade_changed.json"))
    assert (order.order_id, order.state, order.total_fen) == ("3861209577777777701", OrderState.PAID, 10)
    (call,) = fake.requests
    assert (call.query["method"], call.form()["tid"]) == ("taobao.trade.fullinfo.get", "3861209577777777701")


def test_tmc_consume_answer_fetches_each_trade_once(fake, adapter):
    for trade in load("trades_sold_increment_get.json")["trades_sold_increment_get_response"]["trades"][
        "trade"
    ]:
        fake.add_trade(trade)
    orders = adapter.parse_payload(load("tmc_messages_consume.json"))
    assert [o.order_id for o in orders] == ["3861209512345678901", "3861209598765432101"]
    assert len(fake.requests) == 2


def test_bare_trade_from_the_fake_builder_parses():
    trade = make_trade(
        1,
        created=datetime(2026, 11, 11, tzinfo=CHINA),
        post_fee="8.00",
        trade_discount="3.00",
        lines=[make_line(2, num_iid=3, title="t", price="10.00", num=3, discount_fee="1.00")],
    )
    (order,) = OFFLINE.parse_payload(trade)
    assert (order.total_fen, order.shipping_fen, order.discount_fen) == (3400, 800, 300)
    assert order.lines[0].amount_fen == 2900


def test_verify_webhook_accepts_a_top_signed_push_and_rejects_a_tampered_one():
    body = load("tmc_trade_changed.json")["content"].encode()
    query = {
        "method": "taobao.qimen.order.push",
        "app_key": "12345678",
        "timestamp": "2026-11-11 09:30:16",
        "format": "json",
        "v": "2.0",
        "sign_method": "md5",
    }
    signed = (
        "helloworld" + "app_key12345678formatjsonmethodtaobao.qimen.order.pushsign_methodmd5"
        "timestamp2026-11-11 09:30:16v2.0" + body.decode() + "helloworld"
    )
    headers = {
        "Content-Type": "application/json",
        "QUERY_STRING": urlencode({**query, "sign": hashlib.md5(signed.encode()).hexdigest().upper()}),
    }
    assert OFFLINE.verify_webhook(headers=headers, body=body)
    assert not OFFLINE.verify_webhook(headers=headers, body=body.replace(b"0.10", b"0.01"))
    assert not OFFLINE.verify_webhook(headers={**headers, "QUERY_STRING": urlencode(query)}, body=body)


@pytest.mark.parametrize(
    ("method", "fixture"),
    [
        ("taobao.item.quantity.update", "item_quantity_update.json"),
        ("taobao.logistics.offline.send", "logistics_offline_send.json"),
        ("taobao.refunds.receive.get", "refunds_receive_get.json"),
    ],
)
def test_saved_answers_nest_under_the_key_the_client_unwraps(method, fixture):
    assert set(load(fixture)) == {response_key(method)}
