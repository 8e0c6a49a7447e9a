"""JdAdapter against the local JOS fake: paging, window split, retries, auth, changes over time,
stock, shipments, refunds and saved payloads."""

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
from huitong.integrations.connectors.jd.adapter import JdAdapter
from huitong.integrations.connectors.jd.fake_server import sample_order
from huitong.integrations.connectors.jd.tests.conftest import calls, fixture
from huitong.integrations.connectors.registry import ADAPTERS
from huitong.integrations.connectors.times import CHINA

T0 = datetime(2026, 11, 11, 0, 0, tzinfo=CHINA)
SEARCH = "jingdong.pop.order.search"


def seed(fake, count: int, *, start: datetime = T0, step: timedelta = timedelta(minutes=1)) -> list[str]:
    ids = []
    for i in range(count):
        order_id = str(230000000100 + i)
        fake.add_order(sample_order(order_id, modified=start + step * (i + 1)))
        ids.append(order_id)
    return ids


def test_registry_names_this_class_and_it_speaks_the_protocols(make_adapter):
    assert ADAPTERS["jd"] == f"{JdAdapter.__module__}.{JdAdapter.__name__}"
    adapter = make_adapter()
    for protocol in (OrderSource, PayloadParser, StockSink, ShipmentSink, RefundSource):
        assert isinstance(adapter, protocol)
    assert not isinstance(adapter, WebhookVerifier)  # JOS pushes over its message channel, unsigned HTTP none
    assert adapter.max_window == timedelta(days=30)


def test_incremental_pull_pages_through_everything(fake, make_adapter):
    ids = seed(fake, 7)
    fake.add_order(sample_order("230000000999", modified=T0 + timedelta(hours=3)))  # outside the window
    pages = list(make_adapter(page_size=3).fetch_orders(start=T0, end=T0 + timedelta(hours=1)))
    assert [(p.page, len(p.orders), p.has_more) for p in pages] == [(1, 3, True), (2, 3, True), (3, 1, False)]
    assert [o.order_id for p in pages for o in p.orders] == ids
    assert all(o.state is OrderState.PAID and o.total_fen == 15960 for p in pages for o in p.orders)
    sent = calls(fake, SEARCH)
    assert [c["page"] for c in sent] == ["1", "2", "3"]
    assert (sent[0]["start_date"], sent[0]["end_date"]) == ("2026-11-11 00:00:00", "2026-11-11 01:00:00")
    assert (sent[0]["dateType"], sent[0]["sortType"], sent[0]["page_size"]) == (0, 0, "3")
    assert set(sent[0]["order_state"].split(",")) >= {"WAIT_SELLER_STOCK_OUT", "TRADE_CANCELED", "FINISHED_L"}


def test_an_empty_window_is_one_empty_page(fake, make_adapter):
    pages = list(make_adapter().fetch_orders(start=T0, end=T0 + timedelta(hours=1)))
    assert [(p.page, p.orders, p.has_more) for p in pages] == [(1, (), False)]


def test_a_long_window_is_split_into_one_month_chunks(fake, make_adapter):
    fake.add_order(sample_order("230000000001", modified=T0 + timedelta(days=10)))
    fake.add_order(sample_order("230000000002", modified=T0 + timedelta(days=45)))
    fake.add_order(sample_order("230000000003", modified=T0 + timedelta(days=69)))
    pages = list(make_adapter().fetch_orders(start=T0, end=T0 + timedelta(days=70)))
    assert [o.order_id for p in pages for o in p.orders] == ["230000000001", "230000000002", "230000000003"]
    assert [(c["start_date"], c["end_date"]) for c in calls(fake, SEARCH)] == [
        ("2026-11-11 00:00:00", "2026-12-11 00:00:00"),
        ("2026-12-11 00:00:00", "2027-01-10 00:00:00"),
        ("2027-01-10 00:00:00", "2027-01-20 00:00:00"),
    ]


def test_the_fake_refuses_a_window_over_one_month(fake, make_adapter):
    with pytest.raises(ConnectorError, match="不得相差超过1个月"):
        make_adapter().client.search_orders(
            start=T0, end=T0 + timedelta(days=40), states=("WAIT_SELLER_STOCK_OUT",), page=1
        )


def test_transient_5xx_is_retried_with_backoff(fake, make_adapter, sleeps):
    seed(fake, 2)
    fake.fail_next(2, status=503)
    pages = list(make_adapter().fetch_orders(start=T0, end=T0 + timedelta(hours=1)))
    assert len(pages[0].orders) == 2
    assert sleeps == [0.01, 0.02]
    assert len(fake.requests) == 3


def test_429_honours_retry_after(fake, make_adapter, sleeps):
    seed(fake, 1)
    fake.fail_next(1, status=429, retry_after="3")
    assert len(next(make_adapter().fetch_orders(start=T0, end=T0 + timedelta(hours=1))).orders) == 1
    assert sleeps == [3.0]


def test_throttling_inside_a_200_body_is_retried(fake, make_adapter, sleeps):
    seed(fake, 1)
    fake.inject(FakeResponse(200, fixture("error_call_limited.json")), 2)
    assert len(next(make_adapter().fetch_orders(start=T0, end=T0 + timedelta(hours=1))).orders) == 1
    assert sleeps == [0.01, 0.02]


def test_throttling_that_outlasts_the_retries_is_transient(fake, make_adapter):
    fake.inject(FakeResponse(200, fixture("error_call_limited.json")), 10)
    with pytest.raises(TransientError):
        list(make_adapter().fetch_orders(start=T0, end=T0 + timedelta(hours=1)))
    assert len(fake.requests) == 5  # first try + 4 retries


def test_wrong_secret_is_refused_by_the_fake_and_not_retried(fake, make_adapter, sleeps):
    with pytest.raises(ConnectorError, match="无效签名") as caught:
        list(make_adapter(app_secret="not-the-secret").fetch_orders(start=T0, end=T0 + timedelta(hours=1)))
    assert caught.value.code == "12"
    assert not isinstance(caught.value, TransientError)
    assert (len(fake.requests), sleeps) == (1, [])


def test_wrong_access_token_is_refused(fake, make_adapter):
    with pytest.raises(ConnectorError, match="token") as caught:
        make_adapter(access_token="expired").fetch_order("230456789012")
    assert caught.value.code == "19"


def test_an_order_changing_over_time_is_seen_by_the_next_pull(fake, make_adapter):
    adapter = make_adapter()
    fake.add_order(sample_order("230456789012", modified=T0 + timedelta(minutes=5)))

    def pull(hour: int):
        start = T0 + timedelta(hours=hour)
        return {
            o.order_id: o
            for p in adapter.fetch_orders(start=start, end=start + timedelta(hours=1))
            for o in p.orders
        }

    assert pull(0)["230456789012"].state is OrderState.PAID
    fake.advance(
        "230456789012", "shipped", at=T0 + timedelta(minutes=70), waybill="SF1234567890", logisticsId="467"
    )
    shipped = pull(1)["230456789012"]
    assert (shipped.state, shipped.shipment) == (OrderState.SHIPPED, Shipment("SF", "SF1234567890"))
    assert shipped.updated_at == T0 + timedelta(minutes=70)
    fake.advance("230456789012", "refunded", at=T0 + timedelta(minutes=130))
    assert pull(2)["230456789012"].state is OrderState.CANCELLED
    assert pull(3) == {}
    refunds = [r for page in adapter.fetch_refunds(start=T0, end=T0 + timedelta(hours=4)) for r in page]
    assert [(r.order_id, r.state, r.amount_fen) for r in refunds] == [
        ("230456789012", RefundState.REFUNDED, 15960)
    ]


def test_fetch_order_and_missing_order(fake, make_adapter):
    fake.add_order(sample_order("230456789012", modified=T0))
    order = make_adapter().fetch_order("230456789012")
    assert (order.order_id, order.lines[0].merchant_code) == ("230456789012", "HT-TEA-250")
    with pytest.raises(ConnectorError, match="订单不存在"):
        make_adapter().fetch_order("404")


def test_stock_pushes_are_recorded(fake, make_adapter):
    make_adapter().push_stock(
        [
            StockUpdate("100005678901", "100012043978", "HT-TEA-250", 37),
            StockUpdate("100005678950", "100012043990", "HT-CUP-01", 0),
        ]
    )
    assert fake.stock_updates == [
        {"skuId": "100012043978", "stockNum": 37, "storeId": None},
        {"skuId": "100012043990", "stockNum": 0, "storeId": None},
    ]


def test_stock_without_jd_sku_is_refused_before_any_call(fake, make_adapter):
    with pytest.raises(ConnectorError, match="HT-TEA-250"):
        make_adapter().push_stock([StockUpdate("100005678901", "", "HT-TEA-250", 5)])
    assert fake.requests == [] and fake.stock_updates == []


def test_shipment_confirmation_is_recorded_and_ships_the_order(fake, make_adapter):
    fake.add_order(sample_order("230456789012", modified=T0))
    fake.now = lambda: T0 + timedelta(hours=2)
    adapter = make_adapter()
    adapter.confirm_shipment(order_id="230456789012", carrier_code="zto", waybill_no=" 75312345678 ")
    assert fake.shipments == [{"orderId": "230456789012", "logiCoprId": "1499", "logiNo": "75312345678"}]
    order = adapter.fetch_order("230456789012")
    assert (order.state, order.shipment) == (OrderState.SHIPPED, Shipment("ZTO", "75312345678"))
    assert order.updated_at == T0 + timedelta(hours=2)
    with pytest.raises(ConnectorError, match="不允许出库"):
        adapter.confirm_shipment(order_id="230456789012", carrier_code="ZTO", waybill_no="75312345678")
    assert len(fake.shipments) == 1


def test_unknown_carrier_is_refused_before_any_call(fake, make_adapter):
    with pytest.raises(ConnectorError, match="DHL"):
        make_adapter().confirm_shipment(order_id="230456789012", carrier_code="DHL", waybill_no="1")
    assert fake.requests == []


def test_refunds_by_apply_and_by_review_time_once_each(fake, make_adapter):
    rows = fixture("refundapply_query_response.json")
    for row in rows["jingdong_pop_afs_soa_refundapply_queryPageList_responce"]["queryResult"]["result"]:
        fake.refunds[row["id"]] = row
    pages = list(make_adapter().fetch_refunds(start=T0, end=T0 + timedelta(days=1)))
    refunds = [r for page in pages for r in page]
    assert [(r.refund_id, r.state, r.amount_fen) for r in refunds] == [
        ("70012345", RefundState.REFUNDED, 15960),
        ("70012346", RefundState.REQUESTED, 880),
    ]
    sent = calls(fake, "jingdong.pop.afs.soa.refundapply.queryPageList")
    assert [sorted(k for k in c if k.endswith("TimeStart")) for c in sent] == [
        ["applyTimeStart"],
        ["checkTimeStart"],
    ]


def test_parse_payload_on_saved_answers(make_adapter):
    adapter = make_adapter()
    assert [o.order_id for o in adapter.parse_payload(fixture("order_search_response.json"))] == [
        "230456789013",
        "230456789014",
    ]
    [order] = adapter.parse_payload(fixture("order_get_response.json"))
    assert (order.order_id, order.total_fen) == ("230456789012", 15960)
    with pytest.raises(ConnectorError, match="error answer"):
        adapter.parse_payload(fixture("error_call_limited.json"))


def test_an_order_on_a_chunk_boundary_is_passed_on_once(fake, make_adapter):
    fake.add_order(sample_order("230456789012", modified=T0 + timedelta(days=30)))
    pages = list(make_adapter().fetch_orders(start=T0, end=T0 + timedelta(days=40)))
    assert [len(p.orders) for p in pages] == [1, 0]  # both chunks answer it (inclusive bounds)
    assert len(calls(fake, SEARCH)) == 2
