"""TOP request signing and TOP-signed pushes.

The md5 case is TOP's own worked example (open.taobao.com document 101617, "API调用方法详解": secret
'helloworld', taobao.item.seller.get → 66987CB115214E59E6EC978214934FB8). TOP publishes no worked example for
hmac / hmac-sha256: those two expected values were derived here from the documented algorithm
(HMAC over the same sorted name+value string, keyed with the secret, no wrapping) and are pinned as literals.
"""

import hashlib
from datetime import datetime
from urllib.parse import quote, urlencode

import pytest

from huitong.integrations.connectors.base import ConnectorError, Credentials
from huitong.integrations.connectors.taobao.client import (
    TopClient,
    response_key,
    sign_base,
    spi_signature_valid,
    top_sign,
)
from huitong.integrations.connectors.times import CHINA

PUBLISHED = {  # TOP document 101617
    "method": "taobao.item.seller.get",
    "app_key": "12345678",
    "session": "test",
    "timestamp": "2016-01-01 12:00:00",
    "format": "json",
    "v": "2.0",
    "sign_method": "md5",
    "fields": "num_iid,title,nick,price,num",
    "num_iid": "11223344",
}


def test_md5_matches_tops_published_example():
    assert sign_base(PUBLISHED) == (
        "app_key12345678fieldsnum_iid,title,nick,price,numformatjsonmethodtaobao.item.seller.get"
        "num_iid11223344sessiontestsign_methodmd5timestamp2016-01-01 12:00:00v2.0"
    )
    assert top_sign(PUBLISHED, "helloworld", "md5") == "66987CB115214E59E6EC978214934FB8"


def test_hmac_md5_derived_example():
    params = {**PUBLISHED, "sign_method": "hmac"}
    assert top_sign(params, "helloworld", "hmac") == "D56D7858309C31B6251083A874D48273"


def test_hmac_sha256_derived_example():
    params = {**PUBLISHED, "sign_method": "hmac-sha256"}
    assert top_sign(params, "helloworld", "hmac-sha256") == (
        "04DB15AD0774D5CFCE2C837DE43E3FCEA9011ED74F3038FB6AB5F3C4CEA119E8"
    )


def test_sign_itself_and_empty_values_do_not_take_part():
    noisy = {**PUBLISHED, "sign": "WHATEVER", "sku_id": "", "outer_id": None}
    assert top_sign(noisy, "helloworld") == "66987CB115214E59E6EC978214934FB8"


def test_unknown_sign_method_is_refused():
    with pytest.raises(ConnectorError, match="sign_method"):
        top_sign(PUBLISHED, "helloworld", "sha1")


def test_response_key_drops_the_taobao_prefix():
    assert response_key("taobao.trades.sold.increment.get") == "trades_sold_increment_get_response"
    assert response_key("taobao.trade.fullinfo.get") == "trade_fullinfo_get_response"
    assert response_key("tmall.item.update.schema.get") == "tmall_item_update_schema_get_response"


@pytest.mark.parametrize("method", ["md5", "hmac", "hmac-sha256"])
def test_client_puts_system_params_in_the_query_and_signs_everything(method):
    creds = Credentials(app_key="12345678", app_secret="helloworld", access_token="test", base_url="http://x")
    client = TopClient(creds, sign_method=method, clock=lambda: datetime(2016, 1, 1, 12, tzinfo=CHINA))
    query, form = client.signed_params(
        "taobao.item.seller.get", {"fields": "num_iid,title,nick,price,num", "num_iid": 11223344, "x": None}
    )
    assert form == {"fields": "num_iid,title,nick,price,num", "num_iid": "11223344"}
    assert set(query) == {"method", "app_key", "session", "timestamp", "format", "v", "sign_method", "sign"}
    assert query["timestamp"] == "2016-01-01 12:00:00"
    assert query["sign"] == top_sign({**PUBLISHED, "sign_method": method}, "helloworld", method)
    if method == "md5":
        assert query["sign"] == "66987CB115214E59E6EC978214934FB8"


def test_client_timestamp_is_beijing_time():
    creds = Credentials(app_key="k", app_secret="s", base_url="http://x")
    client = TopClient(creds, clock=lambda: datetime.fromisoformat("2026-11-10T16:30:00+00:00"))
    assert client.signed_params("taobao.time.get", {})[0]["timestamp"] == "2026-11-11 00:30:00"


# --- TOP-signed pushes (SPI / 奇门): sign in the query, over query + top-sign-list headers + body --------
SPI_QUERY = {
    "method": "taobao.qimen.stockchange.report",
    "timestamp": "2026-11-11 10:00:00",
    "format": "json",
    "app_key": "12345678",
    "v": "2.0",
    "sign_method": "md5",
    "customerId": "2207812345678",
}
SPI_BODY = '{"items":[{"itemCode":"CUP-500-BLK","quantity":5}]}'
# Spelled out by hand: secret + sorted name+value of the query (sign excluded) + body + secret.
SPI_SIGNED = (
    "helloworld" + "app_key12345678customerId2207812345678formatjson"
    "methodtaobao.qimen.stockchange.reportsign_methodmd5timestamp2026-11-11 10:00:00v2.0"
    + SPI_BODY
    + "helloworld"
)
SPI_SIGN = hashlib.md5(SPI_SIGNED.encode()).hexdigest().upper()


def spi_headers(query=None, **headers):
    return {
        "Content-Type": "application/json; charset=utf-8",
        "QUERY_STRING": urlencode({**(query or SPI_QUERY), "sign": SPI_SIGN}, quote_via=quote),
        **headers,
    }


def test_spi_push_signature_verifies():
    assert spi_signature_valid(headers=spi_headers(), body=SPI_BODY.encode(), secret="helloworld")


def test_spi_push_tampered_body_query_or_secret_is_rejected():
    body = SPI_BODY.encode()
    assert not spi_signature_valid(headers=spi_headers(), body=body.replace(b"5", b"50"), secret="helloworld")
    tampered = spi_headers({**SPI_QUERY, "customerId": "999"})
    assert not spi_signature_valid(headers=tampered, body=body, secret="helloworld")
    assert not spi_signature_valid(headers=spi_headers(), body=body, secret="other")
    unsigned = {"QUERY_STRING": urlencode(SPI_QUERY), "Content-Type": "application/json"}
    assert not spi_signature_valid(headers=unsigned, body=body, secret="helloworld")


def test_spi_headers_named_in_top_sign_list_take_part():
    signed = (
        "helloworld" + "app_key12345678customerId2207812345678formatjson"
        "methodtaobao.qimen.stockchange.reportsign_methodmd5timestamp2026-11-11 10:00:00top-shop汇通"
        "v2.0" + SPI_BODY + "helloworld"
    )
    sign = hashlib.md5(signed.encode()).hexdigest().upper()
    meta = {
        "CONTENT_TYPE": "application/json",
        "QUERY_STRING": urlencode({**SPI_QUERY, "sign": sign}),
        "HTTP_TOP_SIGN_LIST": "top-shop",
        "HTTP_TOP_SHOP": quote("汇通"),
    }  # Django request.META spelling
    assert spi_signature_valid(headers=meta, body=SPI_BODY.encode(), secret="helloworld")
    assert not spi_signature_valid(
        headers={**meta, "HTTP_TOP_SHOP": "x"}, body=SPI_BODY.encode(), secret="helloworld"
    )


def test_spi_form_body_contributes_fields_not_text():
    form = "tid=3861209512345678901&status=TRADE_FINISHED"
    signed = (
        "helloworld" + "app_key12345678customerId2207812345678formatjson"
        "methodtaobao.qimen.stockchange.reportsign_methodmd5statusTRADE_FINISHEDtid3861209512345678901"
        "timestamp2026-11-11 10:00:00v2.0helloworld"
    )
    sign = hashlib.md5(signed.encode()).hexdigest().upper()
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "query_string": urlencode({**SPI_QUERY, "sign": sign}),
    }
    assert spi_signature_valid(headers=headers, body=form.encode(), secret="helloworld")
