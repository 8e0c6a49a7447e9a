import pytest

from huitong.catalog.tests.factories import SkuFactory
from huitong.channels.services import create_store
from huitong.core.actors import Actor
from huitong.inventory import services as inventory
from huitong.inventory.tests.factories import LocationFactory
from huitong.orders import services


class Shop:
    """A web-mall store fulfilled by two warehouses, with two SKUs in stock."""

    def __init__(self, stock_a=10, stock_b=5):
        self.actor = Actor.system("test")
        self.store = create_store(code="MALL", name="自营商城", platform="web_mall")
        self.wh1, self.wh2 = LocationFactory(code="HZ"), LocationFactory(code="GZ")
        services.set_fulfillment_locations(store_id=self.store.pk, location_ids=[self.wh1.pk, self.wh2.pk])
        self.sku_a = SkuFactory(price_fen=2990)
        self.sku_b = SkuFactory(price_fen=5980)
        if stock_a:
            inventory.receive_stock(sku_id=self.sku_a.pk, location_id=self.wh1.pk, quantity=stock_a, reference="init",
                                    actor=self.actor)
        if stock_b:
            inventory.receive_stock(sku_id=self.sku_b.pk, location_id=self.wh2.pk, quantity=stock_b, reference="init",
                                    actor=self.actor)

    def order(self, *lines, **kwargs):
        spec = services.NewOrder(store_id=self.store.pk, lines=[services.LineSpec(*line) for line in lines], **kwargs)
        return services.create_order(spec=spec, actor=self.actor)


@pytest.fixture
def shop(db):
    return Shop()
