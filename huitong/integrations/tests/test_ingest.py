from datetime import UTC, datetime, timedelta

import pytest

from huitong.catalog.tests.factories import SkuFactory
from huitong.channels import mappings
from huitong.channels.services import create_store
from huitong.core.actors import Actor
from huitong.core.errors import InvalidInput
from huitong.integrations import ingest
from huitong.integrations.connectors.base import OrderState
from huitong.integrations.models import PullCursor, PullLog, RawPayload
from huitong.integrations.tests.memory_adapter import T0, MemoryAdapter, order
from huitong.inventory import selectors as inventory_selectors
from huitong.inventory import services as inventory
from huitong.inventory.models import StockItem
from huitong.orders import platform
from huitong.orders.models import Order, OrderStatus

ACTOR = Actor.system("ingest-test")
pytestmark = pytest.mark.django_db


def reserved(sku, wh):
    item = StockItem.objects.get(sku=sku, location=wh)
    return item.on_hand, item.reserved


def ingest_one(store, dto):
    return ingest.ingest_order(store_id=store.pk, order=dto, source="pull", actor=ACTOR)


def test_new_order_is_auto_mapped_by_merchant_code_and_reserves(tmall):
    store, wh, sku = tmall
    out = ingest_one(store, order("T1", lines=[("SKU-A", 2, 1000, 1800)], shipping=500))
    assert out.outcome == "new" and out.status == OrderStatus.PAID and out.total_fen == 2300
    o = Order.objects.get(external_id="T1")
    line = o.lines.get()
    assert (line.sku_id, line.quantity, line.amount_fen, line.discount_fen) == (sku.pk, 2, 1800, 200)
    assert o.subtotal_fen - o.discount_fen + o.shipping_fen == o.total_fen == o.paid_fen
    assert o.hold_reasons == [] and reserved(sku, wh) == (10, 2)


def test_the_same_order_twice_changes_nothing(tmall):
    store, wh, sku = tmall
    dto = order("T2")
    assert ingest_one(store, dto).outcome == "new"
    assert ingest_one(store, dto).outcome == "unchanged"
    assert Order.objects.count() == 1 and reserved(sku, wh) == (10, 2) and RawPayload.objects.count() == 1


def test_unmapped_line_holds_the_order_until_mapped(tmall):
    store, wh, sku = tmall
    out = ingest_one(store, order("T3", lines=[("NOPE-1", 1, 500, 500)]))
    o = Order.objects.get(external_id="T3")
    assert out.outcome == "new" and [h["code"] for h in o.hold_reasons] == ["unmapped_sku"]
    assert o.lines.get().sku_id is None and reserved(sku, wh) == (10, 0)
    mappings.set_mapping(store_id=store.pk, listing=mappings.Listing(merchant_code="NOPE-1"),
                         components=[mappings.Component(sku.pk, 3)])  # a 3-pack bundle of SKU-A
    o = platform.retry_holds(order_id=o.pk, actor=ACTOR)
    assert o.hold_reasons == [] and reserved(sku, wh) == (10, 3)
    line = o.lines.get()
    assert (line.sku_id, line.quantity, line.amount_fen) == (sku.pk, 3, 500)


def test_bundle_spreads_the_line_amount_over_components(tmall):
    store, wh, sku = tmall
    other = SkuFactory(code="SKU-B", price_fen=3000)
    inventory.receive_stock(sku_id=other.pk, location_id=wh.pk, quantity=5, reference="init", actor=ACTOR)
    mappings.set_mapping(store_id=store.pk, listing=mappings.Listing(item_id="item-GIFT"),
                         components=[mappings.Component(sku.pk, 2), mappings.Component(other.pk, 1)])
    dto = order("T4", lines=[("GIFT", 1, 5000, 4001)])
    dto = dto.__class__(**{**dto.__dict__, "lines": (dto.lines[0].__class__(
        **{**dto.lines[0].__dict__, "item_id": "item-GIFT", "merchant_code": ""}),)})
    ingest_one(store, dto)
    o = Order.objects.get(external_id="T4")
    rows = sorted((ln.sku_id, ln.quantity, ln.amount_fen) for ln in o.lines.all())
    assert rows == [(sku.pk, 2, 1600), (other.pk, 1, 2401)]  # 4001 split 2000:3000, largest remainder
    assert sum(ln.amount_fen for ln in o.lines.all()) == o.total_fen == 4001


def test_out_of_stock_holds_without_partial_reservations(tmall):
    store, wh, sku = tmall
    ingest_one(store, order("T5", lines=[("SKU-A", 11, 1000, 11000)]))
    o = Order.objects.get(external_id="T5")
    assert [h["code"] for h in o.hold_reasons] == ["out_of_stock"] and reserved(sku, wh) == (10, 0)
    inventory.receive_stock(sku_id=sku.pk, location_id=wh.pk, quantity=5, reference="po", actor=ACTOR)
    assert platform.retry_holds(order_id=o.pk, actor=ACTOR).hold_reasons == []
    assert reserved(sku, wh) == (15, 11)


def test_later_changes_follow_the_lifecycle(tmall):
    store, wh, sku = tmall
    ingest_one(store, order("T6", state=OrderState.PENDING_PAYMENT))
    assert ingest_one(store, order("T6", state=OrderState.PAID, minutes=5)).outcome == "updated"
    out = ingest_one(store, order("T6", state=OrderState.SHIPPED, minutes=10))
    assert out.status == OrderStatus.SHIPPED and reserved(sku, wh) == (8, 0)  # shipped by the seller on the platform
    assert ingest_one(store, order("T6", state=OrderState.PAID, minutes=7)).outcome == "unchanged"  # late, older
    assert ingest_one(store, order("T6", state=OrderState.COMPLETED, minutes=20)).status == OrderStatus.COMPLETED
    assert inventory_selectors.ledger_discrepancies() == []


def test_closed_on_platform_cancels_and_releases(tmall):
    store, wh, sku = tmall
    ingest_one(store, order("T7"))
    out = ingest_one(store, order("T7", state=OrderState.CANCELLED, minutes=3))
    assert out.status == OrderStatus.CANCELLED and reserved(sku, wh) == (10, 0)


def test_edits_apply_before_review_and_hold_after(tmall):
    store, wh, sku = tmall
    ingest_one(store, order("T8"))
    ingest_one(store, order("T8", minutes=1, detail="新地址 2 号"))
    o = Order.objects.get(external_id="T8")
    assert o.address == "新地址 2 号" and o.hold_reasons == []
    from huitong.orders.services import allocate_order

    allocate_order(order_id=o.pk, actor=ACTOR)
    ingest_one(store, order("T8", minutes=2, detail="又改了 3 号"))
    o.refresh_from_db()
    assert o.address == "新地址 2 号" and [h["code"] for h in o.hold_reasons] == ["changed_after_review"]


def test_bad_totals_fail_with_a_reason_and_write_nothing(tmall):
    store, wh, sku = tmall
    out = ingest_one(store, order("T9", total=999999))
    assert out.outcome == "failed" and "total_fen" in out.error
    assert not Order.objects.exists() and not RawPayload.objects.exists() and reserved(sku, wh) == (10, 0)


def test_pull_walks_windows_and_pages_and_moves_the_cursor(tmall):
    store, wh, sku = tmall
    MemoryAdapter.orders = {f"P{i}": order(f"P{i}", minutes=10 * i, lines=[("SKU-A", 1, 1000, 1000)])
                            for i in range(9)}
    entry = ingest.pull_orders(store_id=store.pk, until=T0 + timedelta(hours=2), actor=ACTOR)
    assert entry.ok and entry.new == 9 and entry.pages == 5  # windows [0,1h): 6 orders = 3 pages; [1h,2h): 3 = 2
    assert PullCursor.objects.get(store=store).pulled_until == T0 + timedelta(hours=2)
    assert all(end - start <= MemoryAdapter.max_window for start, end in MemoryAdapter.calls)
    again = ingest.pull_orders(store_id=store.pk, until=T0 + timedelta(hours=2), actor=ACTOR)
    assert again.new == again.pages == 0 and Order.objects.count() == 9


def test_crash_mid_pull_resumes_without_loss_or_doubles(tmall):
    store, wh, sku = tmall
    PullCursor.objects.create(store=store, pulled_until=T0)
    MemoryAdapter.orders = {f"C{i}": order(f"C{i}", minutes=20 * i, lines=[("SKU-A", 1, 1000, 1000)])
                            for i in range(6)}
    MemoryAdapter.fail_after = 1  # the second window's fetch fails
    first = ingest.pull_orders(store_id=store.pk, until=T0 + timedelta(hours=2), actor=ACTOR)
    assert not first.ok and "connection lost" in first.errors[0] and first.new == 3
    assert PullCursor.objects.get(store=store).pulled_until == T0 + timedelta(hours=1)
    MemoryAdapter.fail_after = None
    second = ingest.pull_orders(store_id=store.pk, until=T0 + timedelta(hours=2), actor=ACTOR)
    assert second.ok and second.new == 3
    assert Order.objects.count() == 6 and reserved(sku, wh) == (10, 6)
    assert PullLog.objects.count() == 2


def test_import_json_payload_and_refusals(tmall):
    store, wh, sku = tmall
    MemoryAdapter.orders = {"J1": order("J1")}
    outs = ingest.ingest_payload(store_id=store.pk, payload={"orders": ["J1"]}, source="json", actor=ACTOR)
    assert [o.outcome for o in outs] == ["new"]
    with pytest.raises(InvalidInput):
        ingest.ingest_payload(store_id=store.pk, payload={"junk": 1}, source="json", actor=ACTOR)
    pos = create_store(code="POS9", name="门店", platform="pos")
    with pytest.raises(InvalidInput):
        ingest.pull_orders(store_id=pos.pk, actor=ACTOR)


def test_periodic_pull_task_pulls_every_platform_store(tmall):
    from huitong.integrations.tasks import pull_all_stores_task

    store, wh, sku = tmall
    create_store(code="POS9", name="门店", platform="pos")
    MemoryAdapter.orders = {"Q1": order("Q1", minutes=1)}
    PullCursor.objects.create(store=store, pulled_until=T0)
    assert pull_all_stores_task.delay().get() == 1
    assert Order.objects.filter(external_id="Q1").exists()


def test_a_page_mixes_new_known_invalid_and_repeated_orders(tmall):
    store, wh, sku = tmall
    ingest_one(store, order("K1"))
    page = [order("K1", state=OrderState.SHIPPED, minutes=5), order("K2"), order("K3", total=10**9),
            order("K2", state=OrderState.CANCELLED, minutes=9), order("K4", lines=[("SKU-A", 20, 1000, 20000)])]
    outcomes = ingest.ingest_orders(store_id=store.pk, orders=page, source="pull", actor=ACTOR)
    assert [o.outcome for o in outcomes] == ["updated", "new", "failed", "updated", "new"]
    assert [o.status for o in outcomes] == ["shipped", "paid", "", "cancelled", "paid"]
    assert Order.objects.get(external_id="K4").hold_reasons[0]["code"] == "out_of_stock"
    assert reserved(sku, wh) == (8, 0)  # K1 shipped 2, K2 released, K4 held without stock
    assert inventory_selectors.ledger_discrepancies() == []


def test_a_line_refunded_on_the_platform_holds_the_unshipped_order(tmall):
    from dataclasses import replace

    from huitong.integrations.connectors.base import RefundState

    store, wh, sku = tmall
    ingest_one(store, order("R1"))
    dto = order("R1", minutes=3)
    dto = replace(dto, lines=(replace(dto.lines[0], refund_state=RefundState.REQUESTED),))
    assert ingest_one(store, dto).outcome == "updated"
    assert [h["code"] for h in Order.objects.get(external_id="R1").hold_reasons] == ["refund_in_progress"]


@pytest.mark.parametrize("payload", [
    {"tid": 1, "title": "龙井 \"特级\" \\ 250g", "price": "12.30", "num": 2, "ok": True, "none": None,
     "lines": [{"b": 1, "a": [1.5, "x"]}]},
    {"file": "x.xlsx", "rows": [{"row": 2, "cells": {"下单时间": datetime(2026, 11, 11, 10, 0, tzinfo=UTC)}}]},
])
def test_raw_payloads_keep_their_content_and_digest(tmall, payload):
    """The digest is over the canonical text (sorted keys, values str() where JSON has no type); the stored
    payload is the same JSON (the canonical text itself when it is plain JSON, else the field's encoder)."""
    import hashlib
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    from huitong.integrations.ingest import _keep_raw, _raw

    store, _wh, _sku = tmall
    _keep_raw([_raw(store.pk, "pull", "1", payload)])
    _keep_raw([_raw(store.pk, "pull", "1", payload)])  # the same content again: ignored
    [raw] = RawPayload.objects.filter(store=store)
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    assert raw.digest == hashlib.sha256(canonical.encode()).hexdigest()
    assert raw.payload == json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
