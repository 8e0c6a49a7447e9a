from datetime import timedelta

import pytest
from django.utils import timezone

from huitong.catalog.tests.factories import SkuFactory
from huitong.channels import mappings
from huitong.channels.models import PublicationRule
from huitong.channels.services import create_store
from huitong.core import outbox
from huitong.core.actors import Actor
from huitong.core.models import OutboxMessage, OutboxStatus
from huitong.integrations import publication
from huitong.integrations.models import ListingStock, PushLog
from huitong.integrations.tests.memory_adapter import MemoryAdapter, PushRecorder
from huitong.inventory import services as inventory
from huitong.orders import services as orders

ACTOR = Actor.system("pub-test")
pytestmark = pytest.mark.django_db


@pytest.fixture
def stores(tmall, monkeypatch):
    monkeypatch.setitem(__import__("huitong.integrations.connectors.registry", fromlist=["ADAPTERS"]).ADAPTERS,
                        "jd", "huitong.integrations.tests.memory_adapter.MemoryAdapter")
    PushRecorder.stock, PushRecorder.shipments, PushRecorder.fail_pushes = [], [], 0
    store, wh, sku = tmall
    jd = create_store(code="JD1", name="京东店", platform="jd", credentials={"base_url": "http://jd"})
    for s in (store, jd):
        mappings.set_mapping(store_id=s.pk, listing=mappings.Listing(item_id="100", sku_id="200"),
                             components=[mappings.Component(sku.pk, 1)])
    drain()
    PushRecorder.stock.clear()
    return store, jd, wh, sku


def drain():
    """Run the outbox until nothing is due (what the worker does)."""
    for _ in range(20):
        report = outbox.deliver_due(limit=500)
        if not (report.delivered or report.failed):
            return


def last_pushed(base_url):
    return [u.quantity for url, u in PushRecorder.stock if url == base_url][-1]


def test_formula_percent_plus_safety_max_and_min(stores):
    store, jd, wh, sku = stores
    mapping = store.sku_mappings.get()
    inventory.set_safety_stock(sku_id=sku.pk, location_id=wh.pk, safety_stock=2)  # 10 on hand, 2 safety
    PublicationRule.objects.create(store=store, percent=50, plus=1, maximum=3)
    pub = publication.compute(mapping=mapping)
    assert (pub.available, pub.safety, pub.basis) == (10, 2, 8)
    assert pub.quantity == 3  # floor(8 × 50% + 1) = 5, capped at 3
    PublicationRule.objects.filter(store=store).update(maximum=None, minimum=6, delist_below_minimum=True)
    pub = publication.compute(mapping=mapping)
    assert (pub.quantity, pub.delisted) == (0, True)  # 5 < minimum 6: delisted


def test_locked_campaign_stock_is_hidden_from_other_stores(stores):
    store, jd, wh, sku = stores
    PublicationRule.objects.create(store=jd, sku=sku, locked=4)
    assert publication.compute(mapping=store.sku_mappings.get()).quantity == 6
    assert publication.compute(mapping=jd.sku_mappings.get()).quantity == 10


def test_bundle_publishes_the_scarcest_component(stores):
    store, jd, wh, sku = stores
    other = SkuFactory(code="SKU-B")
    inventory.receive_stock(sku_id=other.pk, location_id=wh.pk, quantity=7, reference="r", actor=ACTOR)
    bundle = mappings.set_mapping(store_id=store.pk, listing=mappings.Listing(item_id="GIFT"),
                                  components=[mappings.Component(sku.pk, 3), mappings.Component(other.pk, 2)])
    assert publication.compute(mapping=bundle).quantity == 3  # min(10 // 3, 7 // 2)


def test_a_stock_change_reaches_every_store_through_the_outbox(stores):
    store, jd, wh, sku = stores
    inventory.receive_stock(sku_id=sku.pk, location_id=wh.pk, quantity=5, reference="po", actor=ACTOR)
    drain()
    assert last_pushed("http://x") == 15 and last_pushed("http://jd") == 15
    log = PushLog.objects.filter(store=jd, kind="stock").first()
    assert log.ok and log.quantity == 15 and log.details["available"] == 15


def test_hundred_changes_coalesce_into_few_pushes_with_the_last_value(stores):
    store, jd, wh, sku = stores
    for _ in range(100):
        inventory.receive_stock(sku_id=sku.pk, location_id=wh.pk, quantity=1, reference="r", actor=ACTOR)
    drain()
    pushes = [u.quantity for url, u in PushRecorder.stock]
    assert len(pushes) <= 4 and last_pushed("http://x") == 110 and last_pushed("http://jd") == 110
    assert not OutboxMessage.objects.filter(status=OutboxStatus.PENDING, available_at__lte=timezone.now()).exists()


def test_failed_push_stays_queued_and_visible_then_succeeds(stores):
    store, jd, wh, sku = stores
    PushRecorder.fail_pushes = 1
    inventory.receive_stock(sku_id=sku.pk, location_id=wh.pk, quantity=1, reference="r", actor=ACTOR)
    drain()
    failed = PushLog.objects.filter(ok=False).get()
    assert "platform busy" in failed.error
    waiting = OutboxMessage.objects.get(topic=publication.PUSH_STOCK, status=OutboxStatus.PENDING)
    assert "platform busy" in waiting.last_error
    OutboxMessage.objects.filter(pk=waiting.pk).update(available_at=timezone.now() - timedelta(seconds=1))
    drain()
    assert ListingStock.objects.filter(quantity=11).count() == 2


def test_shipping_in_huitong_confirms_back_after_the_delay(stores):
    from huitong.integrations import ingest
    from huitong.integrations.tests.memory_adapter import order as platform_order

    store, jd, wh, sku = stores
    store.shipment_confirm_delay_minutes = 10
    store.save()
    ingest.ingest_order(store_id=store.pk, order=platform_order("S1"), source="pull", actor=ACTOR)
    o = store.orders.get()
    orders.allocate_order(order_id=o.pk, actor=ACTOR)
    orders.ship_order(order_id=o.pk, carrier_code="SF", waybill_no="SF1234567890", actor=ACTOR)
    drain()
    assert PushRecorder.shipments == []  # not yet: the store waits 10 minutes (time to intercept)
    OutboxMessage.objects.filter(topic="channels.confirm_shipment").update(available_at=timezone.now())
    drain()
    assert PushRecorder.shipments == [("http://x", "S1", "SF", "SF1234567890")]
    assert PushLog.objects.get(kind="shipment").ok


def test_orders_shipped_on_the_platform_are_not_confirmed_back(stores):
    from huitong.integrations import ingest
    from huitong.integrations.connectors.base import OrderState
    from huitong.integrations.tests.memory_adapter import order as platform_order

    store, jd, wh, sku = stores
    ingest.ingest_order(store_id=store.pk, order=platform_order("S2"), source="pull", actor=ACTOR)
    ingest.ingest_order(store_id=store.pk, order=platform_order("S2", state=OrderState.SHIPPED, minutes=5),
                        source="pull", actor=ACTOR)
    OutboxMessage.objects.update(available_at=timezone.now())
    drain()
    assert PushRecorder.shipments == [] and MemoryAdapter is not None


def test_counter_and_pickup_handovers_are_logged_for_manual_platform_confirmation(stores):
    from huitong.integrations import ingest
    from huitong.integrations.tests.memory_adapter import order as platform_order

    store, jd, wh, sku = stores
    ingest.ingest_order(store_id=store.pk, order=platform_order("S3"), source="pull", actor=ACTOR)
    o = store.orders.get()
    orders.allocate_order(order_id=o.pk, actor=ACTOR)
    orders.ship_order(order_id=o.pk, carrier_code="PICKUP", waybill_no=o.number, actor=ACTOR)
    drain()
    assert PushRecorder.shipments == []
    log = PushLog.objects.get(kind="shipment")
    assert not log.ok and "PICKUP" in log.error
    assert not OutboxMessage.objects.filter(topic="channels.confirm_shipment", status=OutboxStatus.PENDING).exists()


def test_a_change_during_an_in_flight_push_is_not_lost(stores):
    """Worker A has taken the push for a listing and is sending an old number; a change that lands now
    must queue a push of its own instead of trusting A's."""
    store, jd, wh, sku = stores
    inventory.receive_stock(sku_id=sku.pk, location_id=wh.pk, quantity=1, reference="r1", actor=ACTOR)
    for _ in range(3):  # fan the first change out, but leave the pushes unsent
        outbox.deliver_due(limit=1)
        OutboxMessage.objects.filter(topic=publication.PUSH_STOCK).update(
            locked_until=timezone.now() + timedelta(minutes=5))  # taken by a worker, in flight
    in_flight = set(OutboxMessage.objects.filter(topic=publication.PUSH_STOCK).values_list("pk", flat=True))
    assert in_flight
    inventory.receive_stock(sku_id=sku.pk, location_id=wh.pk, quantity=1, reference="r2", actor=ACTOR)
    outbox.deliver_due(limit=50)  # the second change fans out (and its pushes may go out in the same run)
    fresh = OutboxMessage.objects.filter(topic=publication.PUSH_STOCK).exclude(pk__in=in_flight)
    assert fresh.exists()  # a push of its own for the second change, not coalesced into the in-flight one
    OutboxMessage.objects.filter(pk__in=in_flight).update(status=OutboxStatus.DEAD)  # worker A died
    drain()
    assert last_pushed("http://x") == 12 and last_pushed("http://jd") == 12
