"""Push-message signatures. Youzan does not sign API calls (the token in the query string is the
credential); it signs what it pushes. It documents the algorithm — header Event-Sign =
MD5(client_id + raw body + client_secret), body ``sign`` = MD5(client_id + msg + client_secret) —
but publishes no worked example with a secret, so the example below is ours, derived by hand from
that algorithm: made-up client_id/secret and a trade_TradeClose-style msg, URL-encoded as the push
service sends it; the digest was computed once with hashlib from the literal strings.
"""

import json
from pathlib import Path

import pytest

from huitong.integrations.connectors.base import ConnectorError, Credentials, WebhookVerifier
from huitong.integrations.connectors.youzan.adapter import YouzanAdapter
from huitong.integrations.connectors.youzan.client import push_sign
from huitong.integrations.connectors.youzan.fake_server import CLIENT_ID, CLIENT_SECRET

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MSG = "%7B%22tid%22%3A%22E20190716165622057400039%22%2C%22update_time%22%3A%222019-07-16+16%3A56%3A22%22%7D"
PUSH_BODY = (FIXTURES / "push_trade_buyer_pay.json").read_bytes()  # the raw body, byte for byte
PUSH_EVENT_SIGN = "971188c4bf967a31bc93f5e9482470de"


def test_msg_sign_of_the_worked_example():
    assert push_sign(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, content=MSG) == (
        "7654db08806496dd05f9b5077d87b45b"
    )


def test_sign_is_md5_of_the_concatenation_bytes():
    assert push_sign(client_id="c", client_secret="s", content=b"x") == push_sign(
        client_id="", client_secret="", content="cxs"
    )


@pytest.fixture
def adapter():
    return YouzanAdapter(
        Credentials(
            app_key=CLIENT_ID, app_secret=CLIENT_SECRET, access_token="t", base_url="http://127.0.0.1:9"
        )
    )


def test_saved_push_verifies_both_ways(adapter):
    assert isinstance(adapter, WebhookVerifier)
    body = json.loads(PUSH_BODY)
    assert body["sign"] == push_sign(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, content=body["msg"])
    assert adapter.verify_webhook(
        headers={"Event-Sign": PUSH_EVENT_SIGN, "Event-Type": body["type"]}, body=PUSH_BODY
    )
    assert adapter.verify_webhook(headers={}, body=PUSH_BODY)  # body sign alone


def tampered_msg():
    body = json.loads(PUSH_BODY)
    body["msg"] = body["msg"].replace("127.80", "1.00")  # the payment, in the URL-encoded trade
    assert body["msg"] != json.loads(PUSH_BODY)["msg"]
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


@pytest.mark.parametrize(
    "headers, body",
    [
        ({"Event-Sign": PUSH_EVENT_SIGN}, PUSH_BODY.replace(b'"test":false', b'"test":true')),
        ({}, tampered_msg()),
        ({"Event-Sign": "0" * 32}, PUSH_BODY),
        ({}, PUSH_BODY.replace(CLIENT_ID.encode(), b"b000000000000000000")),
        ({}, json.dumps({**json.loads(PUSH_BODY), "sign": ""}).encode()),
        ({"Event-Sign": PUSH_EVENT_SIGN}, b"not json"),
    ],
    ids=["tampered-body", "tampered-msg", "wrong-event-sign", "other-client", "unsigned", "not-json"],
)
def test_tampered_or_foreign_push_is_rejected(adapter, headers, body):
    assert adapter.verify_webhook(headers=headers, body=body) is False


def test_verifying_needs_the_client_secret():
    adapter = YouzanAdapter(Credentials(access_token="t", base_url="http://127.0.0.1:9"))
    with pytest.raises(ConnectorError, match="client_secret"):
        adapter.verify_webhook(headers={}, body=PUSH_BODY)
