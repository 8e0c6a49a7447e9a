"""PinduoduoAdapter against the local POP fake: counted reverse paging, 30-minute windows, retries,
auth, changes over time, stock, shipments, refunds, saved payloads and pushes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from huitong.integrations.connectors.base import (
    ConnectorError,
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
from huitong.integrations.connectors.pinduoduo.adapter import PinduoduoAdapter
from huitong.integrations.connectors.pinduoduo.fake_server import sample_order
from huitong.integrations.connectors.pinduoduo.tests.conftest import calls, fixture
from huitong.integrations.connectors.registry import ADAPTERS
from huitong.integrations.connectors.times import CHINA

T0 = datetime(2026, 11, 11, 0, 0, tzinfo=CHINA)
INCREMENT = "pdd.order.number.list.increment.get"


def seed(fake, count: int, *, start: datetime = T0, step: timedelta = timedelta(minutes=2)) -> list[str]:
    ids = []
    for i in range(count):
        order_sn = f"261111-3521874643{i:05d}"
        fake.add_order(sample_order(order_sn, updated=start + step * (i + 1)))
        ids.append(order_sn)
    return ids


def window(minutes: int = 30, *, offset: int = 0) -> dict:
    return {"start": T0 + timedelta(minutes=offset), "end": T0 + timedelta(minutes=offset + minutes)}


def test_registry_names_this_class_and_it_speaks_the_protocols(make_adapter):
    assert ADAPTERS["pinduoduo"] == f"{PinduoduoAdapter.__module__}.{PinduoduoAdapter.__name__}"
    adapter = make_adapter()
    for protocol in (OrderSource, PayloadParser, StockSink, ShipmentSink, RefundSource):
        assert isinstance(adapter, protocol)
    assert not isinstance(adapter, WebhookVerifier)  # pushes come over an authenticated WebSocket
    assert adapter.max_window == timedelta(minutes=30)


def test_incremental_pull_counts_then_reads_pages_last_to_first(fake, make_adapter):
    ids = seed(fake, 7)
    fake.add_order(sample_order("261111-999", updated=T0 + timedelta(minutes=45)))  # outside the window
    pages = list(make_adapter(page_size=3).fetch_orders(**window()))
    assert [(p.page, len(p.orders), p.has_more) for p in pages] == [(3, 1, True), (2, 3, True), (1, 3, False)]
    assert sorted(o.order_id for p in pages for o in p.orders) == ids
    sent = calls(fake, INCREMENT)
    assert [c["page"] for c in sent] == ["1", "3", "2", "1"]
    assert (sent[0]["start_updated_at"], sent[0]["end_updated_at"]) == (
        str(int(T0.timestamp())),
        str(int(T0.timestamp()) + 1800),
    )
    assert {
        k: sent[0][k] for k in ("order_status", "refund_status", "page_size", "use_has_next", "data_type")
    } == {
        "order_status": "5",
        "refund_status": "5",
        "page_size": "3",
        "use_has_next": "false",
        "data_type": "JSON",
    }


def test_an_order_updated_while_paging_is_not_lost(fake, make_adapter):
    """The reason for reading backwards: an update during the pull moves an order out of the window."""
    ids = seed(fake, 6)
    adapter = make_adapter(page_size=2)
    pages = adapter.fetch_orders(**window())
    seen = [o.order_id for o in next(pages).orders]  # page 3 read
    fake.advance(ids[0], "shipped", at=T0 + timedelta(hours=5))  # page 1's first order leaves the window
    seen += [o.order_id for p in pages for o in p.orders]
    assert set(ids[1:]) <= set(seen)


def test_single_page_and_empty_windows_cost_one_call(fake, make_adapter):
    seed(fake, 2)
    assert [(p.page, len(p.orders), p.has_more) for p in make_adapter().fetch_orders(**window())] == [
        (1, 2, False)
    ]
    assert [(p.page, p.orders) for p in make_adapter().fetch_orders(**window(offset=600))] == [(1, ())]
    assert len(calls(fake, INCREMENT)) == 2


def test_a_long_window_is_split_into_30_minute_chunks(fake, make_adapter):
    seed(fake, 3, step=timedelta(minutes=25))  # at 25, 50 and 75 minutes
    pages = list(make_adapter().fetch_orders(**window(80)))
    assert [len(p.orders) for p in pages] == [1, 1, 1]
    base = int(T0.timestamp())
    assert [
        (int(c["start_updated_at"]) - base, int(c["end_updated_at"]) - base) for c in calls(fake, INCREMENT)
    ] == [(0, 1800), (1800, 3600), (3600, 4800)]


def test_the_fake_refuses_a_window_over_30_minutes(fake, make_adapter):
    with pytest.raises(ConnectorError, match="30分钟"):
        make_adapter().client.increment_orders(start=T0, end=T0 + timedelta(minutes=31), page=1)


def test_transient_5xx_is_retried_with_backoff(fake, make_adapter, sleeps):
    seed(fake, 2)
    fake.fail_next(2, status=502)
    assert len(next(make_adapter().fetch_orders(**window())).orders) == 2
    assert (sleeps, len(fake.requests)) == ([0.01, 0.02], 3)


def test_429_honours_retry_after(fake, make_adapter, sleeps):
    seed(fake, 1)
    fake.fail_next(1, status=429, retry_after="2")
    assert len(next(make_adapter().fetch_orders(**window())).orders) == 1
    assert sleeps == [2.0]


def test_throttling_error_70031_is_retried(fake, make_adapter, sleeps):
    seed(fake, 1)
    fake.inject(FakeResponse(200, fixture("error_throttled.json")), 3)
    assert len(next(make_adapter().fetch_orders(**window())).orders) == 1
    assert sleeps == [0.01, 0.02, 0.04]


def test_throttling_that_outlasts_the_retries_is_transient(fake, make_adapter):
    fake.inject(FakeResponse(200, fixture("error_throttled.json")), 10)
    with pytest.raises(TransientError, match="70031"):
        list(make_adapter().fetch_orders(**window()))
    assert len(fake.requests) == 5


def test_wrong_secret_is_refused_by_the_fake_and_not_retried(fake, make_adapter, sleeps):
    with pytest.raises(ConnectorError, match="签名错误") as caught:
        list(make_adapter(app_secret="not-the-secret").fetch_orders(**window()))
    assert caught.value.code == "10016"
    assert not isinstance(caught.value, TransientError)
    assert (len(fake.requests), sleeps) == (1, [])


def test_expired_access_token_is_refused(fake, make_adapter):
    with pytest.raises(ConnectorError, match="access_token已过期") as caught:
        make_adapter(access_token="old").fetch_order("261111-1")
    assert caught.value.code == "10019"


def test_an_order_changing_over_time_is_seen_by_the_next_pull(fake, make_adapter):
    adapter = make_adapter()
    sn = "261111-352187464310982"
    fake.add_order(sample_order(sn, updated=T0 + timedelta(minutes=5)))

    def pull(offset: int):
        return {o.order_id: o for p in adapter.fetch_orders(**window(offset=offset)) for o in p.orders}

    assert pull(0)[sn].state is OrderState.PAID
    fake.advance(
        sn, "shipped", at=T0 + timedelta(minutes=40), logistics_id=115, tracking_number="75312345678"
    )
    shipped = pull(30)[sn]
    assert (shipped.state, shipped.shipment) == (OrderState.SHIPPED, Shipment("ZTO", "75312345678"))
    assert shipped.updated_at == T0 + timedelta(minutes=40)
    fake.advance(sn, "refunding", at=T0 + timedelta(minutes=70))
    assert pull(60)[sn].lines[0].refund_state is RefundState.REQUESTED
    fake.advance(sn, "refunded", at=T0 + timedelta(minutes=100))
    refunded = pull(90)[sn]
    assert (refunded.state, refunded.lines[0].refund_state) == (OrderState.SHIPPED, RefundState.REFUNDED)
    assert pull(120) == {}
    refunds = [r for page in adapter.fetch_refunds(start=T0, end=T0 + timedelta(hours=2)) for r in page]
    assert [(r.order_id, r.state, r.amount_fen) for r in refunds] == [(sn, RefundState.REFUNDED, 15960)]


def test_an_unshipped_order_refunded_is_closed(fake, make_adapter):
    sn = "261111-352187464310982"
    fake.add_order(sample_order(sn, updated=T0 + timedelta(minutes=5)))
    fake.advance(sn, "cancelled", at=T0 + timedelta(minutes=10))
    [page] = make_adapter().fetch_orders(**window())
    assert [(o.state, o.platform_status) for o in page.orders] == [(OrderState.CANCELLED, "1/4")]


def test_fetch_order_and_missing_order(fake, make_adapter):
    fake.add_order(sample_order("261111-352187464310982", updated=T0))
    assert make_adapter().fetch_order("261111-352187464310982").total_fen == 15960
    with pytest.raises(ConnectorError, match="订单不存在"):
        make_adapter().fetch_order("404")


def test_stock_pushes_are_recorded(fake, make_adapter):
    make_adapter().push_stock(
        [
            StockUpdate("412345678901", "1122334455667", "HT-TEA-250", 37),
            StockUpdate("412345678950", "", "HT-CUP-01", 0),
        ]
    )
    assert fake.stock_updates == [
        {
            "goods_id": "412345678901",
            "sku_id": "1122334455667",
            "outer_id": None,
            "quantity": 37,
            "update_type": 1,
        },
        {
            "goods_id": "412345678950",
            "sku_id": None,
            "outer_id": "HT-CUP-01",
            "quantity": 0,
            "update_type": 1,
        },
    ]


def test_stock_without_goods_id_is_refused_before_any_call(fake, make_adapter):
    with pytest.raises(ConnectorError, match="goods_id"):
        make_adapter().push_stock([StockUpdate("", "1122334455667", "HT-TEA-250", 5)])
    with pytest.raises(ConnectorError, match="negative"):
        make_adapter().push_stock([StockUpdate("412345678901", "1122334455667", "HT-TEA-250", -1)])
    assert fake.requests == [] and fake.stock_updates == []


def test_shipment_confirmation_is_recorded_and_ships_the_order(fake, make_adapter):
    sn = "261111-352187464310982"
    fake.add_order(sample_order(sn, updated=T0))
    fake.now = lambda: T0 + timedelta(hours=2)
    adapter = make_adapter()
    adapter.confirm_shipment(order_id=sn, carrier_code="yd", waybill_no=" 4312345678901 ")
    assert fake.shipments == [{"order_sn": sn, "logistics_id": 121, "tracking_number": "4312345678901"}]
    order = adapter.fetch_order(sn)
    assert (order.state, order.shipment, order.updated_at) == (
        OrderState.SHIPPED,
        Shipment("YD", "4312345678901"),
        T0 + timedelta(hours=2),
    )
    with pytest.raises(ConnectorError, match="不允许发货"):
        adapter.confirm_shipment(order_id=sn, carrier_code="YD", waybill_no="4312345678901")
    assert len(fake.shipments) == 1


def test_unknown_carrier_is_refused_before_any_call(fake, make_adapter):
    with pytest.raises(ConnectorError, match="UPS"):
        make_adapter().confirm_shipment(order_id="261111-1", carrier_code="UPS", waybill_no="1Z999")
    assert fake.requests == []


def test_refunds_skip_exchanges_and_keep_fen(fake, make_adapter):
    for row in fixture("refund_increment_response.json")["refund_increment_get_response"]["refund_list"]:
        fake.refunds[str(row["id"])] = row
    refunds = [
        r
        for page in make_adapter().fetch_refunds(start=T0 + timedelta(hours=9), end=T0 + timedelta(hours=11))
        for r in page
    ]
    assert [(r.refund_id, r.state, r.amount_fen, r.line_id) for r in refunds] == [
        ("9100000001", RefundState.REFUNDED, 15960, "1122334455667"),
        ("9100000002", RefundState.REQUESTED, 8880, "1122334455667"),
    ]
    assert len(calls(fake, "pdd.refund.list.increment.get")) == 4  # four 30-minute windows


def test_parse_payload_on_saved_answers(make_adapter):
    adapter = make_adapter()
    assert [o.order_id for o in adapter.parse_payload(fixture("order_increment_response.json"))] == [
        "261111-352187464310983",
        "261110-352187464310001",
    ]
    [order] = adapter.parse_payload(fixture("order_information_response.json"))
    assert (order.order_id, order.total_fen) == ("261111-352187464310982", 15960)
    with pytest.raises(ConnectorError, match="error answer"):
        adapter.parse_payload(fixture("error_token_expired.json"))


def test_parse_payload_on_a_push_reads_the_named_order(fake, make_adapter):
    fake.add_order(
        sample_order(
            "261111-352187464310982", updated=T0, order_status=2, logistics_id=44, tracking_number="SF1"
        )
    )
    [order] = make_adapter().parse_payload(fixture("push_trade_seller_ship.json"))
    assert (order.order_id, order.state, order.shipment) == (
        "261111-352187464310982",
        OrderState.SHIPPED,
        Shipment("SF", "SF1"),
    )
    assert [c["order_sn"] for c in calls(fake, "pdd.order.information.get")] == ["261111-352187464310982"]


def test_an_order_on_a_chunk_boundary_is_passed_on_once(fake, make_adapter):
    fake.add_order(sample_order("261111-352187464310982", updated=T0 + timedelta(minutes=30)))
    pages = list(make_adapter().fetch_orders(**window(60)))
    assert [len(p.orders) for p in pages] == [1, 0]  # both chunks answer it (inclusive bounds)
    assert len(calls(fake, INCREMENT)) == 2
