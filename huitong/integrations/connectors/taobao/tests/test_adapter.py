"""TaobaoAdapter against the fake TOP gateway: paging, windows, retries, auth, changes over time, stock,
shipments, refunds."""

from datetime import datetime, timedelta

import pytest

from huitong.integrations.connectors.base import (
    ConnectorError,
    OrderSource,
    OrderState,
    PayloadParser,
    RefundSource,
    RefundState,
    ShipmentSink,
    StockSink,
    StockUpdate,
    TransientError,
    WebhookVerifier,
)
from huitong.integrations.connectors.registry import adapter_for
from huitong.integrations.connectors.taobao.adapter import PAGE_SIZE, TaobaoAdapter
from huitong.integrations.connectors.taobao.fake_server import CHINA, make_line, make_trade
from huitong.integrations.connectors.taobao.tests.conftest import DAY, credentials

TID = 3861209500000000000


def add_trades(fake, count, *, start=DAY, step=timedelta(minutes=5), status="WAIT_SELLER_SEND_GOODS"):
    tids = []
    for n in range(count):
        tid = TID + n
        line = make_line(
            tid + 1,
            num_iid=689012345678,
            title="保温杯",
            price="88.80",
            num=1,
            sku_id="5012345678901",
            outer_sku_id="CUP-500-BLK",
        )
        fake.add_trade(make_trade(tid, created=start + n * step, lines=[line], status=status))
        tids.append(str(tid))
    return tids


def increment_calls(fake):
    return [r for r in fake.requests if r.query.get("method") == "taobao.trades.sold.increment.get"]


def test_registry_builds_the_adapter_and_it_speaks_every_protocol(fake):
    adapter = adapter_for("taobao", credentials(fake.url))
    assert isinstance(adapter, TaobaoAdapter)
    for protocol in (OrderSource, PayloadParser, StockSink, ShipmentSink, RefundSource, WebhookVerifier):
        assert isinstance(adapter, protocol)
    assert adapter.max_window == timedelta(days=1)


def test_incremental_pull_reads_every_page_from_the_last_back(fake, adapter):
    tids = add_trades(fake, 230, step=timedelta(seconds=300))  # 230 trades within 19 hours
    pages = list(adapter.fetch_orders(start=DAY, end=DAY + timedelta(days=1)))

    assert [p.page for p in pages] == [1, 2, 3]
    assert [p.has_more for p in pages] == [True, True, False]
    assert [len(p.orders) for p in pages] == [30, 100, 100]  # pages 3, 2, 1 of TOP's newest-first list
    seen = [o.order_id for p in pages for o in p.orders]
    assert sorted(seen) == sorted(tids)
    assert all(o.state == OrderState.PAID for p in pages for o in p.orders)
    calls = increment_calls(fake)
    assert [c.form()["page_no"] for c in calls] == ["1", "3", "2", "1"]  # probe, then last page first
    assert {c.form()["page_size"] for c in calls} == {str(PAGE_SIZE)}
    assert {c.form()["start_modified"] for c in calls} == {"2026-11-11 00:00:00"}
    assert {c.form()["end_modified"] for c in calls} == {"2026-11-12 00:00:00"}


def test_a_single_page_window_costs_one_call(fake, adapter):
    add_trades(fake, 3)
    pages = list(adapter.fetch_orders(start=DAY, end=DAY + timedelta(hours=1)))
    assert [(len(p.orders), p.has_more) for p in pages] == [(3, False)]
    assert len(increment_calls(fake)) == 1


def test_long_window_is_split_into_one_day_chunks(fake, adapter):
    tids = add_trades(fake, 6, start=DAY - timedelta(hours=1), step=timedelta(hours=11))  # over 2.5 days
    start, end = DAY - timedelta(hours=2), DAY + timedelta(days=2, hours=12)
    pages = list(adapter.fetch_orders(start=start, end=end))

    windows = [(c.form()["start_modified"], c.form()["end_modified"]) for c in increment_calls(fake)]
    assert windows == [
        ("2026-11-10 22:00:00", "2026-11-11 22:00:00"),
        ("2026-11-11 22:00:00", "2026-11-12 22:00:00"),
        ("2026-11-12 22:00:00", "2026-11-13 12:00:00"),
    ]
    assert [p.has_more for p in pages] == [True, True, False]
    assert sorted(o.order_id for p in pages for o in p.orders) == tids


def test_the_fake_refuses_a_window_over_one_day_like_top(fake, adapter):
    with pytest.raises(ConnectorError, match="一天") as caught:
        adapter._increment(DAY, DAY + timedelta(days=1, seconds=1), page_no=1)
    assert caught.value.code == "isv.invalid-parameter"


def test_naive_window_is_refused(adapter):
    with pytest.raises(ConnectorError, match="timezone-aware"):
        list(adapter.fetch_orders(start=datetime(2026, 11, 11), end=datetime(2026, 11, 12)))


def test_transient_503_and_429_are_retried(fake, adapter, sleeps):
    add_trades(fake, 2)
    fake.fail_next(2, status=503)
    fake.fail_next(1, status=429, retry_after="0")
    pages = list(adapter.fetch_orders(start=DAY, end=DAY + timedelta(hours=1)))
    assert len(pages[0].orders) == 2
    assert len(fake.requests) == 4
    assert sleeps == [0.01, 0.02, 0.0]  # backoff, backoff, Retry-After


def test_throttling_in_a_200_body_is_retried(fake, adapter, sleeps):
    add_trades(fake, 1)
    fake.throttle(2)
    order = adapter.fetch_order(str(TID))
    assert order.order_id == str(TID)
    assert len(fake.requests) == 3
    assert sleeps == [0.01, 0.02]


def test_throttling_that_outlasts_the_retries_is_transient(fake, make_adapter):
    add_trades(fake, 1)
    fake.throttle(10)
    with pytest.raises(TransientError, match="App Call Limited"):
        make_adapter(retries=2).fetch_order(str(TID))
    assert len(fake.requests) == 3


def test_wrong_secret_is_refused_by_the_gateway_and_not_retried(fake, make_adapter):
    with pytest.raises(ConnectorError, match="Invalid signature") as caught:
        list(make_adapter(secret="not-the-secret").fetch_orders(start=DAY, end=DAY + timedelta(hours=1)))
    assert caught.value.code == "25"
    assert not isinstance(caught.value, TransientError)
    assert len(fake.requests) == 1


def test_invalid_session_is_refused(fake, make_adapter):
    with pytest.raises(ConnectorError, match="Invalid session") as caught:
        make_adapter(session="expired").fetch_order(str(TID))
    assert caught.value.code == "invalid-sessionkey"


def test_stale_timestamp_is_refused(fake, make_adapter):
    stale = make_adapter(clock=lambda: datetime.now(CHINA) - timedelta(minutes=30))
    with pytest.raises(ConnectorError, match="Invalid timestamp"):
        stale.fetch_order(str(TID))


@pytest.mark.parametrize("sign_method", ["hmac", "hmac-sha256"])
def test_hmac_signed_calls_are_accepted(fake, make_adapter, sign_method):
    add_trades(fake, 1)
    assert make_adapter(extra={"sign_method": sign_method}).fetch_order(str(TID)).order_id == str(TID)
    assert fake.requests[-1].query["sign_method"] == sign_method


def test_fetch_order_of_an_unknown_trade(fake, adapter):
    with pytest.raises(ConnectorError, match="交易不存在") as caught:
        adapter.fetch_order("1")
    assert caught.value.code == "isv.trade-not-exist"


def test_an_order_changing_over_time_is_seen_by_the_next_pull(fake, adapter):
    line = make_line(TID + 1, num_iid=689012345678, title="保温杯", price="88.80", num=2)
    fake.add_trade(make_trade(TID, created=DAY, lines=[line], status="WAIT_BUYER_PAY", post_fee="6.00"))
    hour = timedelta(hours=1)

    def pull(start):
        return [o for p in adapter.fetch_orders(start=start, end=start + hour) for o in p.orders]

    assert [o.state for o in pull(DAY)] == [OrderState.PENDING_PAYMENT]
    assert pull(DAY + hour) == []
    fake.advance(TID, "paid", at=DAY + hour + timedelta(minutes=5))
    fake.advance(
        TID, "shipped", at=DAY + hour + timedelta(minutes=30), company="YUNDA", waybill="4312345678901"
    )
    (shipped,) = pull(DAY + hour)
    assert shipped.state == OrderState.SHIPPED
    assert shipped.paid_at == DAY + hour + timedelta(minutes=5)
    assert (shipped.shipment.carrier_code, shipped.shipment.waybill_no) == ("YD", "4312345678901")
    assert shipped.total_fen == 18360

    fake.advance(TID, "refunded", at=DAY + 2 * hour + timedelta(minutes=1))
    (refunded,) = pull(DAY + 2 * hour)
    assert (refunded.state, refunded.platform_status) == (OrderState.CANCELLED, "TRADE_CLOSED")
    assert [line.refund_state for line in refunded.lines] == [RefundState.REFUNDED]
    assert pull(DAY) == []  # no longer in the first window: its modification time moved on


def test_refunds_are_paged_with_use_has_next(fake, adapter):
    add_trades(fake, 3)
    for n in range(3):
        fake.advance(TID + n, "refund_requested", at=DAY + timedelta(hours=2, minutes=n))
    fake.advance(TID, "refunded", at=DAY + timedelta(hours=3))
    pages = list(adapter.fetch_refunds(start=DAY, end=DAY + timedelta(hours=4)))
    assert len(pages) == 1
    states = {r.order_id: r.state for r in pages[0]}
    assert states == {
        str(TID): RefundState.REFUNDED,
        str(TID + 1): RefundState.REQUESTED,
        str(TID + 2): RefundState.REQUESTED,
    }
    refund = next(r for r in pages[0] if r.order_id == str(TID))
    assert (refund.line_id, refund.amount_fen, refund.reason) == (str(TID + 1), 8880, "不想要了")
    call = next(r for r in fake.requests if r.query.get("method") == "taobao.refunds.receive.get")
    assert call.form()["use_has_next"] == "true"


def test_refund_pages_follow_has_next(fake, adapter, monkeypatch):
    monkeypatch.setattr("huitong.integrations.connectors.taobao.adapter.PAGE_SIZE", 2)
    add_trades(fake, 5)
    for n in range(5):
        fake.advance(TID + n, "refund_requested", at=DAY + timedelta(hours=1, minutes=n))
    pages = list(adapter.fetch_refunds(start=DAY, end=DAY + timedelta(hours=2)))
    assert [len(p) for p in pages] == [2, 2, 1]
    assert len({r.refund_id for p in pages for r in p}) == 5


def test_stock_push_is_recorded_as_full_updates(fake, adapter):
    fake.add_item("689012345678", skus={"5012345678901": 3, "5012345678902": 0})
    fake.add_item("689012349999", num=7)
    adapter.push_stock(
        [
            StockUpdate("689012345678", "5012345678901", "CUP-500-BLK", 40),
            StockUpdate("689012349999", "", "BRUSH-01", 12),
        ]
    )
    assert fake.stock_updates == [
        {"num_iid": "689012345678", "sku_id": "5012345678901", "quantity": "40", "type": "1"},
        {"num_iid": "689012349999", "sku_id": "", "quantity": "12", "type": "1"},
    ]
    assert fake.items["689012345678"]["skus"] == {"5012345678901": 40, "5012345678902": 0}
    assert fake.items["689012349999"]["num"] == 12


def test_refused_stock_updates_do_not_stop_the_others(fake, adapter):
    fake.add_item("689012345678", skus={"5012345678901": 3})
    with pytest.raises(ConnectorError, match="refused 2 stock update") as caught:
        adapter.push_stock(
            [
                StockUpdate("404", "", "GONE", 1),
                StockUpdate("", "", "NO-ID", 1),
                StockUpdate("689012345678", "5012345678901", "CUP-500-BLK", 9),
            ]
        )
    assert "isv.item-not-exist" in str(caught.value)
    assert [u["num_iid"] for u in fake.stock_updates] == ["689012345678"]


def test_shipment_confirmation_uses_top_company_codes(fake, adapter):
    add_trades(fake, 1)
    adapter.confirm_shipment(order_id=str(TID), carrier_code="YD", waybill_no="4312345678901")
    assert fake.shipments == [{"tid": str(TID), "out_sid": "4312345678901", "company_code": "YUNDA"}]
    order = adapter.fetch_order(str(TID))
    assert order.state == OrderState.SHIPPED
    assert (order.shipment.carrier_code, order.shipment.waybill_no) == ("YD", "4312345678901")
    with pytest.raises(ConnectorError, match="不允许发货"):
        adapter.confirm_shipment(order_id=str(TID), carrier_code="SF", waybill_no="SF1")
    assert len(fake.shipments) == 1


@pytest.mark.parametrize(
    ("carrier", "company"),
    [
        ("SF", "SF"),
        ("ZTO", "ZTO"),
        ("YTO", "YTO"),
        ("STO", "STO"),
        ("YD", "YUNDA"),
        ("JD", "JD"),
        ("EMS", "EMS"),
        ("DBL", "DBL"),  # not a Huitong code: passed through as TOP's own
    ],
)
def test_every_carrier_is_accepted_by_the_gateway(fake, adapter, carrier, company):
    add_trades(fake, 1)
    adapter.confirm_shipment(order_id=str(TID), carrier_code=carrier, waybill_no="W1")
    assert fake.shipments[-1]["company_code"] == company


def test_unknown_carrier_is_refused_by_the_gateway(fake, adapter):
    add_trades(fake, 1)
    with pytest.raises(ConnectorError, match="物流公司"):
        adapter.confirm_shipment(order_id=str(TID), carrier_code="NOPE", waybill_no="W1")
    assert fake.shipments == []
