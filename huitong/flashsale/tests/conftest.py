from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from huitong.catalog.tests.factories import SkuFactory
from huitong.channels.services import create_store
from huitong.core.actors import Actor
from huitong.flashsale import gate as redis_gate
from huitong.flashsale import services
from huitong.inventory import services as inventory
from huitong.inventory.tests.factories import LocationFactory
from huitong.members.models import Customer
from huitong.orders import services as orders

RECEIVER = orders.Receiver(
    name="张三", phone="13800000000", province="浙江省", city="杭州市", address="文三路 1 号"
)
PATHS = [
    services.PATH_DB,
    pytest.param(
        services.PATH_REDIS,
        marks=pytest.mark.skipif(not settings.REDIS_URL, reason="the Redis path needs REDIS_URL"),
    ),
]


def drop_redis_keys():
    client = redis_gate.client()
    if client is None:
        return
    pattern = f"*{{fs:{connection.settings_dict['NAME']}:*"
    for key in client.scan_iter(match=pattern, count=500):
        client.delete(key)


class Flash:
    """A web mall fulfilled from one warehouse (first) and a second one, 20 units of one SKU at the first."""

    def __init__(self, stock=20):
        self.actor = Actor.system("test")
        self.store = create_store(code="MALL", name="自营商城", platform="web_mall")
        self.wh, self.wh2 = LocationFactory(code="HZ"), LocationFactory(code="GZ")
        orders.set_fulfillment_locations(store_id=self.store.pk, location_ids=[self.wh.pk, self.wh2.pk])
        self.sku = SkuFactory(price_fen=9900)
        inventory.receive_stock(
            sku_id=self.sku.pk, location_id=self.wh.pk, quantity=stock, reference="init", actor=self.actor
        )

    def sale(self, *, start=True, quantity=10, limit=1, now=None, **kwargs):
        now = now or timezone.now()
        terms = {
            "name": "双十一秒杀",
            "store_id": self.store.pk,
            "sku_id": self.sku.pk,
            "location_id": self.wh.pk,
            "price_fen": 1990,
            "starts_at": now - timedelta(minutes=1),
            "ends_at": now + timedelta(hours=1),
            "quantity": quantity,
            "per_buyer_limit": limit,
            "unpaid_timeout_minutes": 10,
            **kwargs,
        }
        sale = services.create_sale(**terms, actor=self.actor)
        if start:
            sale = services.start_sale(sale_id=sale.pk, actor=self.actor, now=now)
        return sale

    @staticmethod
    def customers(n):
        return [Customer.objects.create(display_name=f"买家{i}").pk for i in range(n)]

    def buy(self, sale, customer_id, path, **kwargs):
        return services.purchase(
            sale_id=sale.pk, customer_id=customer_id, receiver=RECEIVER, path=path, **kwargs
        )


@pytest.fixture(autouse=True)
def _fresh_redis_keys():
    drop_redis_keys()
    yield
    drop_redis_keys()


@pytest.fixture
def flash(db):
    return Flash()
