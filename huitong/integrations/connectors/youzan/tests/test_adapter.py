"""YouzanAdapter against the local fake Youzan cloud (real HTTP on 127.0.0.1)."""

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
from huitong.integrations.connectors.fake_server import FakeResponse
from huitong.integrations.connectors.testing import fake_server_fixtures
from huitong.integrations.connectors.times import china_text
from huitong.integrations.connectors.youzan import adapter as youzan_adapter
from huitong.integrations.connectors.youzan.adapter import YouzanAdapter
from huitong.integrations.connectors.youzan.fake_server import (
    ACCESS_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    KDT_ID,
    FakeYouzan,
    make_item,
    make_trade,
)

T0 = datetime(2025, 11, 11, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


server, fake = fake_server_fixtures(FakeYouzan)


def make_adapter(fake, sleeps, *, token=ACCESS_TOKEN, secret=CLIENT_SECRET, page_size=100):
    credentials = Credentials(
        app_key=CLIENT_ID, app_secret=secret, access_token=token, shop=KDT_ID, base_url=fake.url
    )
    return YouzanAdapter(credentials, per_second=1000, backoff=0.01, sleep=sleeps.append, page_size=page_size)


@pytest.fixture
def adapter(fake, sleeps):
    return make_adapter(fake, sleeps)


def api_calls(fake, name):
    return [r for r in fake.requests if r.path.startswith(f"/api/{name}/")]


def add(fake, tid, minutes, **kwargs):
    return fake.add_trade(make_trade(tid, created=T0 + timedelta(minutes=minutes), **kwargs))


def tid(n):
    return f"E2025111110000004740{n:04d}"


def orders_in(adapter, start, end):
    return [o for page in adapter.fetch_orders(start=start, end=end) for o in page.orders]


def test_implements_the_protocols(adapter):
    for protocol in (OrderSource, PayloadParser, StockSink, ShipmentSink, RefundSource, WebhookVerifier):
        assert isinstance(adapter, protocol)
    assert adapter.max_window == timedelta(days=89)


def test_incremental_pull_pages_through_the_window(fake, sleeps):
    for n in range(7):
        add(fake, tid(n), minutes=10 * n)
    add(fake, tid(99), minutes=60 * 30)  # outside the window
    adapter = make_adapter(fake, sleeps, page_size=3)

    pages = list(adapter.fetch_orders(start=T0, end=T0 + timedelta(hours=12)))

    assert [(p.page, p.has_more, len(p.orders)) for p in pages] == [(1, True, 3), (2, True, 3), (3, False, 1)]
    assert sorted(o.order_id for p in pages for o in p.orders) == [tid(n) for n in range(7)]
    sent = [r.json() for r in api_calls(fake, "youzan.trades.sold.get")]
    assert [s["page_no"] for s in sent] == [1, 2, 3]
    assert sent[0] == {
        "start_update": "2025-11-11 10:00:00",
        "end_update": "2025-11-11 21:59:59",  # the platform's end is inclusive
        "page_no": 1,
        "page_size": 3,
    }
    request = api_calls(fake, "youzan.trades.sold.get")[0]
    assert request.method == "POST" and request.path == "/api/youzan.trades.sold.get/4.0.4"
    assert request.query == {"access_token": ACCESS_TOKEN}
    assert request.headers["content-type"].startswith("application/json")
    assert sleeps == []


def test_window_longer_than_the_platform_allows_is_split(fake, adapter):
    for n, days in enumerate((1, 100, 190)):
        add(fake, tid(n), minutes=days * 24 * 60)
    end = T0 + timedelta(days=200)

    orders = orders_in(adapter, T0, end)

    assert [o.order_id for o in orders] == [tid(0), tid(1), tid(2)]
    spans = [
        (r.json()["start_update"], r.json()["end_update"]) for r in api_calls(fake, "youzan.trades.sold.get")
    ]
    assert spans == [
        ("2025-11-11 10:00:00", china_text(T0 + timedelta(days=89, seconds=-1))),
        (china_text(T0 + timedelta(days=89)), china_text(T0 + timedelta(days=178, seconds=-1))),
        (china_text(T0 + timedelta(days=178)), china_text(end - timedelta(seconds=1))),
    ]


def test_the_fake_refuses_what_the_platform_refuses(adapter):
    with pytest.raises(ConnectorError, match="3个月") as err:
        adapter.client.call(
            "youzan.trades.sold.get",
            {"start_update": "2025-01-01 00:00:00", "end_update": "2025-04-01 00:00:01", "page_no": 1},
        )
    assert err.value.code == "5000"
    with pytest.raises(ConnectorError, match="100"):
        adapter.client.call(
            "youzan.trades.sold.get",
            {"start_update": "2025-01-01 00:00:00", "end_update": "2025-01-02 00:00:00", "page_no": 101},
        )


def test_a_window_over_the_row_cap_is_halved(fake, sleeps, monkeypatch):
    for n in range(5):
        add(fake, tid(n), minutes=n)
    adapter = make_adapter(fake, sleeps, page_size=1)
    monkeypatch.setattr(
        youzan_adapter, "MAX_PAGES", 2
    )  # 2 pages × 1 row: 5 trades are too many for one window

    orders = orders_in(adapter, T0, T0 + timedelta(minutes=8))
    assert sorted(o.order_id for o in orders) == [tid(n) for n in range(5)]
    starts = [
        r.json()["start_update"][-8:]
        for r in api_calls(fake, "youzan.trades.sold.get")
        if r.json()["page_no"] == 1
    ]
    assert starts[0] == "10:00:00" and len(starts) > 2


def test_empty_window_gives_one_empty_page(adapter):
    assert list(adapter.fetch_orders(start=T0, end=T0 + timedelta(hours=1))) == [OrderPage((), 1, False)]


def test_transient_503_is_retried(fake, adapter, sleeps):
    add(fake, tid(1), minutes=5)
    fake.fail_next(1, status=503, retry_after="0")

    assert [o.order_id for o in orders_in(adapter, T0, T0 + timedelta(hours=1))] == [tid(1)]
    assert len(api_calls(fake, "youzan.trades.sold.get")) == 2
    assert sleeps == [0.0]  # Retry-After honoured


def test_gateway_rate_limit_is_retried_with_backoff(fake, adapter, sleeps):
    add(fake, tid(1), minutes=5)
    fake.throttle_next(2)

    assert [o.order_id for o in orders_in(adapter, T0, T0 + timedelta(hours=1))] == [tid(1)]
    assert len(api_calls(fake, "youzan.trades.sold.get")) == 3
    assert sleeps == [0.01, 0.02]


def test_retryable_business_answer_is_retried(fake, adapter):
    add(fake, tid(1), minutes=5)
    fake.inject(
        FakeResponse(200, {"code": 106100118, "success": False, "message": "请求超时，请重试", "data": {}})
    )
    assert adapter.fetch_order(tid(1)).order_id == tid(1)


def test_rate_limit_that_outlasts_the_retries_is_transient(fake, adapter, sleeps):
    fake.throttle_next(5)
    with pytest.raises(TransientError):
        orders_in(adapter, T0, T0 + timedelta(hours=1))
    assert len(sleeps) == 4


def test_wrong_secret_is_refused_when_getting_a_token(fake, sleeps):
    adapter = make_adapter(fake, sleeps, token="", secret="not-the-secret")
    with pytest.raises(ConnectorError) as err:
        orders_in(adapter, T0, T0 + timedelta(hours=1))
    assert not isinstance(err.value, TransientError)
    assert err.value.code == "1104"
    assert [r.path for r in fake.requests] == ["/auth/token"]


def test_right_secret_gets_a_token_and_uses_it(fake, sleeps):
    add(fake, tid(1), minutes=5)
    adapter = make_adapter(fake, sleeps, token="")
    assert adapter.fetch_order(tid(1)).order_id == tid(1)
    token_request, call = fake.requests
    assert token_request.json() == {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "authorize_type": "silent",
        "grant_id": KDT_ID,
        "refresh": False,
    }
    assert call.query["access_token"] in fake.tokens and call.query["access_token"] != ACCESS_TOKEN


def test_a_self_obtained_token_that_lapsed_is_renewed_once(fake, sleeps):
    add(fake, tid(1), minutes=5)
    adapter = make_adapter(fake, sleeps, token="")
    adapter.fetch_order(tid(1))
    fake.tokens = {ACCESS_TOKEN}  # the platform forgot it
    assert adapter.fetch_order(tid(1)).order_id == tid(1)
    assert [r.path for r in fake.requests].count("/auth/token") == 2


def test_unknown_token_is_refused_by_the_gateway(fake, sleeps):
    adapter = make_adapter(fake, sleeps, token="stale-token")
    with pytest.raises(ConnectorError) as err:
        adapter.fetch_order(tid(1))
    assert (err.value.code, "Token 不存在" in str(err.value)) == ("4203", True)


def test_order_changing_over_time_is_seen_by_the_next_pull(fake, adapter):
    add(fake, tid(1), minutes=5)
    assert [(o.order_id, o.state) for o in orders_in(adapter, T0, T0 + timedelta(hours=1))] == [
        (tid(1), OrderState.PAID)
    ]

    fake.advance(tid(1), "shipped", at=T0 + timedelta(hours=2), carrier="YD", waybill="4312345678901")
    second = orders_in(adapter, T0 + timedelta(hours=1), T0 + timedelta(hours=3))
    assert [(o.state, o.updated_at) for o in second] == [(OrderState.SHIPPED, T0 + timedelta(hours=2))]
    assert adapter.fetch_order(tid(1)).shipment == Shipment(
        "YD", "4312345678901"
    )  # delivery_order: trade.get

    fake.advance(tid(1), "refunded", at=T0 + timedelta(hours=5))
    third = orders_in(adapter, T0 + timedelta(hours=3), T0 + timedelta(hours=6))
    assert [(o.state, o.platform_status) for o in third] == [(OrderState.CANCELLED, "TRADE_CLOSED")]
    assert [line.refund_state for line in adapter.fetch_order(tid(1)).lines] == [RefundState.REFUNDED]
    refunds = [r for page in adapter.fetch_refunds(start=T0, end=T0 + timedelta(hours=6)) for r in page]
    assert [(r.order_id, r.state, r.amount_fen) for r in refunds] == [(tid(1), RefundState.REFUNDED, 9980)]
    assert api_calls(fake, "youzan.trade.refund.search")[0].json() == {
        "update_time_start": int(T0.timestamp()),
        "update_time_end": int(T0.timestamp()) + 6 * 3600 - 1,
        "page_no": 1,
        "page_size": 100,
    }


def test_stock_push_is_recorded_by_the_platform(fake, adapter):
    adapter.push_stock(
        [
            StockUpdate(item_id="2654863571", sku_id="36251748", merchant_code="HT-TEA-250", quantity=37),
            StockUpdate(item_id="2654863599", sku_id="", merchant_code="HT-CUP-01", quantity=0),
        ]
    )
    assert fake.stock_updates == [
        {"item_id": 2654863571, "quantity": 37, "sku_id": 36251748},
        {"item_id": 2654863599, "quantity": 0},
    ]
    assert [r.path for r in fake.requests] == ["/api/youzan.item.quantity.update/3.0.0"] * 2


@pytest.mark.parametrize(
    "update, message",
    [(StockUpdate("1", "2", "X", -1), "negative stock"), (StockUpdate("", "2", "X", 5), "needs the item_id")],
)
def test_bad_stock_update_is_refused_before_calling(fake, adapter, update, message):
    with pytest.raises(ConnectorError, match=message):
        adapter.push_stock([update])
    assert fake.requests == []


def test_shipment_confirmation_is_recorded_and_the_trade_ships(fake, adapter):
    add(fake, tid(1), minutes=5)
    adapter.confirm_shipment(order_id=tid(1), carrier_code="sf", waybill_no=" SF1400012345678 ")
    assert fake.shipments == [
        {"tid": tid(1), "is_no_express": 0, "out_stype": "7", "out_sid": "SF1400012345678"}
    ]
    order = adapter.fetch_order(tid(1))
    assert (order.state, order.shipment) == (OrderState.SHIPPED, Shipment("SF", "SF1400012345678"))


def test_shipping_twice_is_refused_by_the_platform(fake, adapter):
    add(fake, tid(1), minutes=5)
    adapter.confirm_shipment(order_id=tid(1), carrier_code="ZTO", waybill_no="75312345678901")
    with pytest.raises(ConnectorError) as err:
        adapter.confirm_shipment(order_id=tid(1), carrier_code="ZTO", waybill_no="75312345678902")
    assert err.value.code == "102570007"


def test_unknown_carrier_is_refused_before_calling(fake, adapter):
    with pytest.raises(ConnectorError, match="DBL"):
        adapter.confirm_shipment(order_id=tid(1), carrier_code="DBL", waybill_no="1")
    assert fake.requests == []


def test_fetch_order_and_missing_trade(fake, adapter):
    add(fake, tid(1), minutes=5, items=[make_item(tid(1), 0, num=3)], post_fee=600)
    order = adapter.fetch_order(tid(1))
    assert (order.lines[0].quantity, order.total_fen, order.shipping_fen) == (3, 3 * 4990 + 600, 600)
    assert api_calls(fake, "youzan.trade.get")[0].json() == {"tid": tid(1)}
    with pytest.raises(ConnectorError, match="trade not found") as err:
        adapter.fetch_order("E00000000000000000000000")
    assert err.value.code == "5000"


def test_parse_payload_on_saved_answers(fake, adapter):
    sold = json.loads((FIXTURES / "trades_sold_get.json").read_text(encoding="utf-8"))
    detail = json.loads((FIXTURES / "trade_get.json").read_text(encoding="utf-8"))
    assert [o.order_id for o in adapter.parse_payload(sold)] == [
        "E20251111100000047400001",
        "E20251111100210047400002",
    ]
    assert [o.shipment for o in adapter.parse_payload(detail)] == [Shipment("ZTO", "75312345678901")]
    pushed = json.loads((FIXTURES / "push_trade_buyer_pay.json").read_bytes())
    assert [(o.order_id, o.total_fen) for o in adapter.parse_payload(pushed)] == [
        ("E20251111100000047400001", 12780)
    ]
    assert fake.requests == []  # nothing to fetch: the pushed msg holds the whole trade


def test_push_with_only_a_tid_reads_the_trade(fake, adapter):
    add(fake, tid(2), minutes=5)
    fake.advance(tid(2), "closed", at=T0 + timedelta(minutes=40))
    headers, body = fake.push(tid(2), "trade_TradeClose")
    assert adapter.verify_webhook(headers=headers, body=body)
    assert not adapter.verify_webhook(headers=headers, body=body.replace(b"TRADE_CLOSED", b"TRADE_SUCCESS"))

    orders = adapter.parse_payload(json.loads(body))

    assert [(o.order_id, o.state) for o in orders] == [(tid(2), OrderState.CANCELLED)]
    assert [r.path for r in fake.requests] == ["/api/youzan.trade.get/4.0.2"]


def test_test_push_without_an_order_gives_nothing(adapter):
    assert (
        adapter.parse_payload({"client_id": CLIENT_ID, "type": "TRADE", "msg": "%7B%7D", "test": True}) == []
    )
    with pytest.raises(ConnectorError, match="names no order"):
        adapter.parse_payload({"client_id": CLIENT_ID, "type": "TRADE", "msg": "%7B%7D", "test": False})


def test_the_registry_builds_this_adapter(fake):
    from huitong.integrations.connectors.registry import adapter_for

    built = adapter_for("youzan", Credentials(access_token=ACCESS_TOKEN, base_url=fake.url))
    assert isinstance(built, YouzanAdapter)
