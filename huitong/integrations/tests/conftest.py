import pytest

from huitong.catalog.tests.factories import SkuFactory
from huitong.channels.services import create_store
from huitong.core.actors import Actor
from huitong.integrations.connectors import registry
from huitong.integrations.tests.memory_adapter import MemoryAdapter
from huitong.inventory import services as inventory
from huitong.inventory.tests.factories import LocationFactory
from huitong.orders.services import set_fulfillment_locations

ACTOR = Actor.system("ingest-test")


@pytest.fixture
def tmall(monkeypatch):
    monkeypatch.setitem(registry.ADAPTERS, "taobao", "huitong.integrations.tests.memory_adapter.MemoryAdapter")
    MemoryAdapter.orders, MemoryAdapter.calls, MemoryAdapter.fail_after = {}, [], None
    store = create_store(code="TM1", name="天猫旗舰店", platform="taobao",
                         credentials={"app_key": "k", "app_secret": "s3cret-value", "base_url": "http://x"})
    wh = LocationFactory(code="HZ")
    set_fulfillment_locations(store_id=store.pk, location_ids=[wh.pk])
    sku = SkuFactory(code="SKU-A", price_fen=1000)
    inventory.receive_stock(sku_id=sku.pk, location_id=wh.pk, quantity=10, reference="init", actor=ACTOR)
    return store, wh, sku


