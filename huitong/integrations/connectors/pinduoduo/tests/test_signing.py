"""POP request signing against Pinduoduo's published worked example (signing_test_vectors.json,
from open.pinduoduo.com document 8EC06C399636041E)."""

from __future__ import annotations

import re
from functools import partial

from huitong.integrations.connectors.base import Credentials
from huitong.integrations.connectors.pinduoduo.client import PddClient, as_text, sign
from huitong.integrations.connectors.testing import signing_vector

pdd_vector = partial(signing_vector, "pinduoduo")


def test_published_example_reproduces():
    vector = pdd_vector()
    assert (
        sign(vector["params"], vector["secret"])
        == vector["expected_sign"]
        == "E4DE3ED21002510DED352819E7AE6775"
    )


def test_sign_itself_and_empty_values_do_not_take_part():
    vector = pdd_vector()
    params = {**vector["params"], "sign": "WHATEVER", "outer_id": "", "sku_id": None}
    assert sign(params, vector["secret"]) == vector["expected_sign"]


def test_any_changed_parameter_changes_the_sign():
    vector = pdd_vector()
    assert sign({**vector["params"], "page": "2"}, vector["secret"]) != vector["expected_sign"]
    assert sign(vector["params"], "otherSecret") != vector["expected_sign"]


def test_client_signs_every_parameter_as_text():
    client = PddClient(
        Credentials(app_key="1", app_secret="testSecret", access_token="tok", base_url="http://x"),
        clock=lambda: 1480411125.9,
    )
    params = client.signed_params(
        "pdd.order.number.list.increment.get",
        {"start_updated_at": 1762790400, "page": 1, "use_has_next": False, "skip": None},
    )
    assert params == {
        "type": "pdd.order.number.list.increment.get",
        "client_id": "1",
        "access_token": "tok",
        "timestamp": "1480411125",
        "data_type": "JSON",
        "start_updated_at": "1762790400",
        "page": "1",
        "use_has_next": "false",
        "sign": sign({k: v for k, v in params.items() if k != "sign"}, "testSecret"),
    }
    assert re.fullmatch(r"[0-9A-F]{32}", params["sign"])


def test_parameter_text_forms():
    assert (as_text(True), as_text(False), as_text(5), as_text("x")) == ("true", "false", "5", "x")
    assert as_text([{"sku_id": 1, "name": "茶"}]) == '[{"sku_id":1,"name":"茶"}]'
