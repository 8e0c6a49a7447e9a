"""Request signing and push verification.

Douyin publishes the algorithm (op.jinritemai.com guide-docs/10/23, and the note in
``signing_test_vectors.json``) but no worked example with a secret, so the example below is ours,
derived by hand from the documented algorithm: the public values of the guide's own sample request
(app_key 3409409348479354011, method product.getGoodsCategory, param_json {"cid":"12","page":"1"},
timestamp "2020-09-15 14:48:13") with the made-up secret "a1b2c3d4e5f6". The expected digests were
computed once with hashlib from the literal string-to-sign asserted first.
"""

import pytest

from huitong.integrations.connectors.base import ConnectorError, Credentials, WebhookVerifier
from huitong.integrations.connectors.douyin.adapter import DouyinAdapter
from huitong.integrations.connectors.douyin.client import param_json, push_sign, sign, sign_pattern

EXAMPLE = {
    "app_key": "3409409348479354011",
    "app_secret": "a1b2c3d4e5f6",
    "method": "product.getGoodsCategory",
    "param_json": '{"cid":"12","page":"1"}',
    "timestamp": "2020-09-15 14:48:13",
}
PATTERN = (
    "a1b2c3d4e5f6app_key3409409348479354011methodproduct.getGoodsCategory"
    'param_json{"cid":"12","page":"1"}timestamp2020-09-15 14:48:13v2a1b2c3d4e5f6'
)


def test_string_to_sign_is_fixed_order_wrapped_in_the_secret():
    assert sign_pattern(**EXAMPLE) == PATTERN


def test_md5_signature_of_the_worked_example():
    assert sign(**EXAMPLE) == "8bb328c6de89df03161ef16571d96f7e"
    assert sign(**EXAMPLE, sign_method="md5") == "8bb328c6de89df03161ef16571d96f7e"


def test_hmac_sha256_signature_of_the_worked_example():
    assert sign(**EXAMPLE, sign_method="hmac-sha256") == (
        "6c09042e27f1afac1658013af101258f94feeeb5250149fe6e416d2498378238"
    )


def test_unknown_sign_method_is_refused():
    with pytest.raises(ConnectorError, match="sign_method"):
        sign(**EXAMPLE, sign_method="sha1")


def test_param_json_sorts_keys_recursively_without_spaces_and_keeps_chinese():
    assert param_json({"page": "1", "cid": "12"}) == EXAMPLE["param_json"]
    assert (
        param_json({"b": 1, "a": {"d": "龙井", "c": [2, 1]}, "e": True})
        == '{"a":{"c":[2,1],"d":"龙井"},"b":1,"e":true}'
    )


def test_push_sign_is_md5_of_app_key_body_secret():
    body = b'[{"tag":"101","msg_id":"1","data":"{\\"p_id\\":1}"}]'
    assert push_sign(app_key=EXAMPLE["app_key"], app_secret=EXAMPLE["app_secret"], body=body) == (
        "f02f45bdd71dc295f24b356da0b4221e"
    )


@pytest.fixture
def adapter():
    return DouyinAdapter(
        Credentials(
            app_key=EXAMPLE["app_key"],
            app_secret=EXAMPLE["app_secret"],
            access_token="t",
            base_url="http://127.0.0.1:9",
        )
    )


BODY = b'[{"tag":"101","msg_id":"1","data":"{\\"p_id\\":1}"}]'


def test_verify_webhook_accepts_a_signed_push(adapter):
    assert isinstance(adapter, WebhookVerifier)
    headers = {"App-Id": EXAMPLE["app_key"], "Event-Sign": "f02f45bdd71dc295f24b356da0b4221e"}
    assert adapter.verify_webhook(headers=headers, body=BODY) is True


def test_verify_webhook_accepts_the_hmac_variant(adapter):
    sig = push_sign(
        app_key=EXAMPLE["app_key"], app_secret=EXAMPLE["app_secret"], body=BODY, sign_method="hmac-sha256"
    )
    headers = {"app-id": EXAMPLE["app_key"], "event-sign": sig, "sign-method": "hmac-sha256"}
    assert adapter.verify_webhook(headers=headers, body=BODY) is True


@pytest.mark.parametrize(
    "headers, body",
    [
        (
            {"app-id": EXAMPLE["app_key"], "event-sign": "f02f45bdd71dc295f24b356da0b4221e"},
            BODY.replace(b"1}", b"2}"),
        ),
        ({"app-id": EXAMPLE["app_key"], "event-sign": "0" * 32}, BODY),
        ({"app-id": "9999999999999999999", "event-sign": "f02f45bdd71dc295f24b356da0b4221e"}, BODY),
        ({"app-id": EXAMPLE["app_key"]}, BODY),
    ],
    ids=["tampered-body", "wrong-sign", "other-app", "no-sign"],
)
def test_verify_webhook_rejects(adapter, headers, body):
    assert adapter.verify_webhook(headers=headers, body=body) is False
