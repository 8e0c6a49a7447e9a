"""JOS request signing against JD's published worked example (signing_test_vectors.json, from
open.jd.com dev guide listId 2643)."""

from __future__ import annotations

import re
from datetime import datetime
from functools import partial

from huitong.integrations.connectors.base import Credentials
from huitong.integrations.connectors.jd.client import JdClient, jos_timestamp, param_json, sign
from huitong.integrations.connectors.testing import signing_vector
from huitong.integrations.connectors.times import CHINA

jd_vector = partial(signing_vector, "jd")


def test_published_example_reproduces():
    vector = jd_vector()
    assert (
        sign(vector["params"], vector["secret"])
        == vector["expected_sign"]
        == "D70825340F4084360B9362B60DFD7930"
    )


def test_sign_itself_and_empty_values_do_not_take_part():
    vector = jd_vector()
    params = {**vector["params"], "sign": "ANYTHING", "empty": ""}
    assert sign(params, vector["secret"]) == vector["expected_sign"]


def test_any_changed_parameter_changes_the_sign():
    vector = jd_vector()
    params = {**vector["params"], "access_token": "othertoken"}
    assert sign(params, vector["secret"]) != vector["expected_sign"]
    assert sign(vector["params"], "otherSecret") != vector["expected_sign"]


def test_timestamp_has_the_gateway_form_of_the_example():
    moment = datetime(2021, 5, 7, 9, 20, 39, 683000, tzinfo=CHINA)
    assert jos_timestamp(moment) == jd_vector()["params"]["timestamp"] == "2021-05-07 09:20:39.683+0800"


def test_client_signs_system_and_business_parameters_together():
    fixed = datetime(2026, 11, 11, 10, 0, 0, 5000, tzinfo=CHINA)
    client = JdClient(
        Credentials(app_key="k", app_secret="s3cret", access_token="t", base_url="http://x"),
        clock=lambda: fixed,
    )
    params = client.signed_params(
        "jingdong.pop.order.get", {"order_id": "230456789012", "optional_fields": "orderId"}
    )
    assert params == {
        "method": "jingdong.pop.order.get",
        "app_key": "k",
        "access_token": "t",
        "timestamp": "2026-11-11 10:00:00.005+0800",
        "v": "2.0",
        "360buy_param_json": '{"order_id":"230456789012","optional_fields":"orderId"}',
        "sign": sign({k: v for k, v in params.items() if k != "sign"}, "s3cret"),
    }
    assert re.fullmatch(r"[0-9A-F]{32}", params["sign"])


def test_param_json_is_compact_and_keeps_chinese():
    assert param_json({"reason": "不想要", "n": 1}) == '{"reason":"不想要","n":1}'
