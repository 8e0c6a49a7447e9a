"""DouyinAdapter against the local fake platform (real HTTP on 127.0.0.1)."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from huitong.integrations.connectors.base import (
    ConnectorError,
    Credentials,
    OrderPage,
    OrderSource,
    OrderState,
    PayloadParser,
    RefundSource,
    RefundState,
    Shipment,
    ShipmentSink,
    StockSink,
    StockUpdate,
    TransientError,
    WebhookVerifier,
)
from huitong.integrations.connectors.douyin.adapter import DouyinAdapter
from huitong.integrations.connectors.douyin.fake_server import (
    ACCESS_TOKEN,
    APP_KEY,
    APP_SECRET,
    FakeDouyin,
    make_line,
    make_order,
)
from huitong.integrations.connectors.fake_server import FakeResponse
from huitong.integrations.connectors.testing import fake_server_fixtures

T0 = datetime(2025, 11, 11, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


server, fake = fake_server_fixtures(FakeDouyin)


def make_adapter(fake, sleeps, *, secret=APP_SECRET, token=ACCESS_TOKEN, page_size=100, **extra):
    credentials = Credentials(
        app_key=APP_KEY, app_secret=secret, access_token=token, base_url=fake.url, extra=extra
    )
    return DouyinAdapter(credentials, per_second=1000, backoff=0.01, sleep=sleeps.append, page_size=page_size)


@pytest.fixture
def adapter(fake, sleeps):
    return make_adapter(fake, sleeps)


def calls(fake, method):
    return [r for r in fake.requests if r.query.get("method") == method]


def params(request):
    return json.loads(request.body)


def add(fake, order_id, minutes, **kwargs):
    return fake.add_order(make_order(order_id, created=T0 + timedelta(minutes=minutes), **kwargs))


def test_implements_the_protocols(adapter):
    for protocol in (OrderSource, PayloadParser, StockSink, ShipmentSink, RefundSource, WebhookVerifier):
        assert isinstance(adapter, protocol)
    assert adapter.max_window == timedelta(days=1)


def test_incremental_pull_pages_through_the_window(fake, sleeps):
    for i in range(7):
        add(fake, f"69214750183467{i:05d}", minutes=10 * i)
    add(fake, "6921475018346799999", minutes=60 * 30)  # outside the window
    adapter = make_adapter(fake, sleeps, page_size=3)

    pages = list(adapter.fetch_orders(start=T0, end=T0 + timedelta(hours=12)))

    assert [(p.page, p.has_more, len(p.orders)) for p in pages] == [(1, True, 3), (2, True, 3), (3, False, 1)]
    assert [o.order_id for p in pages for o in p.orders] == [f"69214750183467{i:05d}" for i in range(7)]
    sent = [params(r) for r in calls(fake, "order.searchList")]
    assert [s["page"] for s in sent] == [0, 1, 2]
    assert sent[0] == {
        "update_time_start": int(T0.timestamp()),
        "update_time_end": int(T0.timestamp()) + 12 * 3600,
        "order_by": "update_time",
        "order_asc": True,
        "page": 0,
        "size": 3,
    }
    request = calls(fake, "order.searchList")[0]
    assert request.path == "/order/searchList" and request.method == "POST"
    assert {k for k in request.query} == {
        "app_key",
        "method",
        "v",
        "timestamp",
        "access_token",
        "sign_method",
        "sign",
    }
    assert sleeps == []


def test_window_longer_than_a_day_is_split(fake, adapter):
    for day in range(3):
        add(fake, f"692147501834670000{day}", minutes=day * 24 * 60 + 30)
    end = T0 + timedelta(days=2, hours=12)

    orders = [o.order_id for p in adapter.fetch_orders(start=T0, end=end) for o in p.orders]

    assert orders == ["6921475018346700000", "6921475018346700001", "6921475018346700002"]
    spans = [
        (params(r)["update_time_start"], params(r)["update_time_end"])
        for r in calls(fake, "order.searchList")
    ]
    start = int(T0.timestamp())
    assert spans == [
        (start, start + 86400),
        (start + 86400, start + 2 * 86400),
        (start + 2 * 86400, int(end.timestamp())),
    ]


def test_the_fake_refuses_a_span_over_the_limit_like_the_platform(fake, adapter):
    with pytest.raises(ConnectorError) as err:
        adapter.client.call(
            "order.searchList", {"update_time_start": 0, "update_time_end": 2 * 86400, "page": 0, "size": 10}
        )
    assert err.value.code == "isv.parameter-invalid:20014"
    with pytest.raises(ConnectorError) as err:
        adapter.client.call(
            "order.searchList", {"update_time_start": 0, "update_time_end": 3600, "page": 500, "size": 100}
        )
    assert err.value.code == "isv.parameter-invalid:20013"  # page × size over 50 000


def test_empty_window_gives_one_empty_page(adapter):
    assert list(adapter.fetch_orders(start=T0, end=T0 + timedelta(hours=1))) == [OrderPage((), 1, False)]


def test_naive_window_is_refused(adapter):
    with pytest.raises(ConnectorError, match="timezone-aware"):
        list(adapter.fetch_orders(start=datetime(2025, 11, 11), end=datetime(2025, 11, 12)))


def test_transient_503_is_retried(fake, adapter, sleeps):
    add(fake, "6921475018346730123", minutes=5)
    fake.fail_next(1, status=503)

    pages = list(adapter.fetch_orders(start=T0, end=T0 + timedelta(hours=1)))

    assert [o.order_id for o in pages[0].orders] == ["6921475018346730123"]
    assert len(calls(fake, "order.searchList")) == 2
    assert sleeps == [0.01]


def test_rate_limit_in_a_200_body_is_retried_with_backoff(fake, adapter, sleeps):
    add(fake, "6921475018346730123", minutes=5)
    fake.throttle_next(2)

    pages = list(adapter.fetch_orders(start=T0, end=T0 + timedelta(hours=1)))

    assert pages[0].orders[0].order_id == "6921475018346730123"
    assert len(calls(fake, "order.searchList")) == 3
    assert sleeps == [0.01, 0.02]


def test_busy_platform_answer_is_retried(fake, adapter):
    add(fake, "6921475018346730123", minutes=5)
    fake.inject(
        FakeResponse(
            200,
            {
                "code": 20000,
                "msg": "系统错误",
                "sub_code": "isp.service-error:20005",
                "sub_msg": "系统繁忙，请稍后重试",
                "data": {},
            },
        )
    )
    assert adapter.fetch_order("6921475018346730123").order_id == "6921475018346730123"


def test_rate_limit_that_outlasts_the_retries_is_transient(fake, adapter, sleeps):
    fake.throttle_next(5)
    with pytest.raises(TransientError):
        list(adapter.fetch_orders(start=T0, end=T0 + timedelta(hours=1)))
    assert len(sleeps) == 4


def test_wrong_secret_is_refused_by_the_platform(fake, sleeps):
    adapter = make_adapter(fake, sleeps, secret="not-the-secret")
    with pytest.raises(ConnectorError) as err:
        list(adapter.fetch_orders(start=T0, end=T0 + timedelta(hours=1)))
    assert not isinstance(err.value, TransientError)
    assert err.value.code == "isv.signature-invalid"
    assert "签名校验失败" in str(err.value)
    assert len(fake.requests) == 1 and sleeps == []


def test_expired_token_is_refused(fake, sleeps):
    adapter = make_adapter(fake, sleeps, token="stale")
    with pytest.raises(ConnectorError) as err:
        adapter.fetch_order("6921475018346730123")
    assert err.value.code == "isv.access-token-no-existed"


def test_hmac_sha256_signing_is_accepted(fake, sleeps):
    add(fake, "6921475018346730123", minutes=5)
    adapter = make_adapter(fake, sleeps, sign_method="hmac-sha256")
    assert adapter.fetch_order("6921475018346730123").state == OrderState.PAID
    assert fake.requests[-1].query["sign_method"] == "hmac-sha256"
    assert len(fake.requests[-1].query["sign"]) == 64


def test_order_changing_over_time_is_seen_by_the_next_pull(fake, adapter):
    order_id = "6921475018346730123"
    add(fake, order_id, minutes=5)
    first = [o for p in adapter.fetch_orders(start=T0, end=T0 + timedelta(hours=1)) for o in p.orders]
    assert [(o.order_id, o.state) for o in first] == [(order_id, OrderState.PAID)]

    fake.advance(order_id, "shipped", at=T0 + timedelta(hours=2), carrier="YTO", waybill="YT7500012345678")
    second = [
        o
        for p in adapter.fetch_orders(start=T0 + timedelta(hours=1), end=T0 + timedelta(hours=3))
        for o in p.orders
    ]
    assert [(o.order_id, o.state, o.shipment) for o in second] == [
        (order_id, OrderState.SHIPPED, Shipment("YTO", "YT7500012345678"))
    ]
    assert second[0].updated_at == T0 + timedelta(hours=2)

    fake.advance(order_id, "refunded", at=T0 + timedelta(hours=5))
    third = [
        o
        for p in adapter.fetch_orders(start=T0 + timedelta(hours=3), end=T0 + timedelta(hours=6))
        for o in p.orders
    ]
    assert [(o.state, o.platform_status, o.lines[0].refund_state) for o in third] == [
        (OrderState.CANCELLED, "4", RefundState.REFUNDED)
    ]
    refunds = [r for page in adapter.fetch_refunds(start=T0, end=T0 + timedelta(hours=6)) for r in page]
    assert [(r.order_id, r.state, r.amount_fen) for r in refunds] == [(order_id, RefundState.REFUNDED, 9980)]
    sent = params(calls(fake, "afterSale.List")[0])
    assert sent["order_by"] == ["update_time asc"] and sent["page"] == 0


def test_stock_push_is_recorded_by_the_platform(fake, adapter):
    adapter.push_stock(
        [
            StockUpdate(
                item_id="3660207428038974464",
                sku_id="1737645186735001",
                merchant_code="HT-TEA-250",
                quantity=37,
            ),
            StockUpdate(item_id="", sku_id="", merchant_code="HT-CUP-01", quantity=0),
        ]
    )
    assert fake.stock_pushes == [
        {
            "product_id": 3660207428038974464,
            "sku_id": 1737645186735001,
            "stock_num": 37,
            "incremental": False,
        },
        {"code": "HT-CUP-01", "stock_num": 0, "incremental": False},
    ]


@pytest.mark.parametrize(
    "update, message",
    [
        (StockUpdate("1", "2", "X", -1), "negative stock"),
        (StockUpdate("1", "", "", 5), "needs sku_id or merchant_code"),
    ],
)
def test_bad_stock_update_is_refused_before_calling(fake, adapter, update, message):
    with pytest.raises(ConnectorError, match=message):
        adapter.push_stock([update])
    assert fake.requests == []


def test_shipment_confirmation_is_recorded_and_the_order_ships(fake, adapter):
    add(fake, "6921475018346730123", minutes=5)
    adapter.confirm_shipment(
        order_id="6921475018346730123", carrier_code="sf", waybill_no=" SF1400012345678 "
    )
    assert fake.shipments == [
        {"order_id": "6921475018346730123", "company_code": "shunfeng", "logistics_code": "SF1400012345678"}
    ]
    order = adapter.fetch_order("6921475018346730123")
    assert (order.state, order.shipment) == (OrderState.SHIPPED, Shipment("SF", "SF1400012345678"))


def test_shipping_twice_is_refused_by_the_platform(fake, adapter):
    add(fake, "6921475018346730123", minutes=5)
    adapter.confirm_shipment(order_id="6921475018346730123", carrier_code="ZTO", waybill_no="75312345678901")
    with pytest.raises(ConnectorError) as err:
        adapter.confirm_shipment(
            order_id="6921475018346730123", carrier_code="ZTO", waybill_no="75312345678902"
        )
    assert err.value.code == "isv.business-failed"


def test_unknown_carrier_is_refused_before_calling(fake, adapter):
    with pytest.raises(ConnectorError, match="DBL"):
        adapter.confirm_shipment(order_id="6921475018346730123", carrier_code="DBL", waybill_no="1")
    assert fake.requests == []


def test_fetch_order_and_missing_order(fake, adapter):
    add(fake, "6921475018346730123", minutes=5, lines=[make_line("6921475018346730123", 0, quantity=3)])
    order = adapter.fetch_order("6921475018346730123")
    assert (order.lines[0].quantity, order.lines[0].amount_fen) == (3, 3 * 4990)
    assert params(fake.requests[-1]) == {"shop_order_id": "6921475018346730123"}
    with pytest.raises(ConnectorError) as err:
        adapter.fetch_order("1")
    assert err.value.code == "isv.parameter-invalid:11003"


def test_parse_payload_on_saved_answers(adapter, fake):
    listed = json.loads((FIXTURES / "order_search_list.json").read_text(encoding="utf-8"))
    detail = json.loads((FIXTURES / "order_detail.json").read_text(encoding="utf-8"))
    assert [o.order_id for o in adapter.parse_payload(listed)] == [
        "6921475018346730123",
        "6921475018346730456",
    ]
    assert [o.state for o in adapter.parse_payload(detail)] == [OrderState.CANCELLED]
    assert fake.requests == []  # saved answers need no call


def test_pushed_message_is_verified_then_read_in_full(fake, adapter):
    add(fake, "6921475018346730123", minutes=5)
    headers, body = fake.push("6921475018346730123")
    assert adapter.verify_webhook(headers=headers, body=body)
    assert not adapter.verify_webhook(headers=headers, body=body.replace(b'"101"', b'"102"'))

    orders = adapter.parse_payload(json.loads(body))

    assert [(o.order_id, o.state) for o in orders] == [("6921475018346730123", OrderState.PAID)]
    assert [r.query["method"] for r in fake.requests] == ["order.orderDetail"]


def test_payload_that_is_neither_is_refused(adapter):
    with pytest.raises(ConnectorError):
        adapter.parse_payload({"hello": "world"})
    with pytest.raises(ConnectorError):
        adapter.parse_payload(["not", "messages"])


def test_the_registry_builds_this_adapter(fake):
    from huitong.integrations.connectors.registry import adapter_for

    built = adapter_for("douyin", Credentials(app_key=APP_KEY, app_secret=APP_SECRET, base_url=fake.url))
    assert isinstance(built, DouyinAdapter)
