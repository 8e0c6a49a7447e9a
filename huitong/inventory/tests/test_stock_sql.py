"""The plain conditional stock-row statements (inventory.stock_sql) on the real database."""

import pytest

from huitong.catalog.tests.factories import SkuFactory
from huitong.core.actors import Actor
from huitong.inventory import services, stock_sql
from huitong.inventory.models import StockItem
from huitong.inventory.tests.factories import LocationFactory

pytestmark = pytest.mark.django_db


def test_hold_many_reserves_each_row_that_has_enough_and_no_other():
    wh, actor = LocationFactory(), Actor.system("test")
    skus = SkuFactory.create_batch(3)
    for sku, quantity in zip(skus, (10, 5, 7), strict=True):
        services.receive_stock(sku_id=sku.pk, location_id=wh.pk, quantity=quantity, reference="in", actor=actor)
    items = {i.sku_id: i.pk for i in StockItem.objects.filter(location=wh)}
    a, b, c = (items[s.pk] for s in skus)
    assert stock_sql.hold_many({a: 4, b: 6, c: 7}) == 2  # b has only 5
    assert dict(StockItem.objects.values_list("pk", "reserved")) == {a: 4, b: 0, c: 7}
    assert stock_sql.hold_many({a: 6}) == 1 and stock_sql.hold_many({a: 1}) == 0  # reserved never past on_hand
    assert stock_sql.hold_many({}) == 0
    assert StockItem.objects.get(pk=a).reserved == 10
