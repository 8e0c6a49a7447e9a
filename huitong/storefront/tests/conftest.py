"""Storefront fixtures: a few products with stock, made through the services."""

import pytest

from huitong.catalog import services as catalog
from huitong.inventory import services as inventory


def _product(actor, code, name, category, skus, active=True):
    product = catalog.create_product(
        spu_code=code, name=name, category_path=category, brand_name="山茗堂", actor=actor, is_active=active,
        skus=[catalog.SkuSpec(code=f"{code}-{n}", price_fen=price, attributes={"规格": spec})
              for n, (spec, price) in enumerate(skus, start=1)],
    )
    return product


@pytest.fixture
def shelf(db, system_actor):
    """龙井 (plenty), 铁观音 (3 left), 盖碗 (sold out), 普洱 (inactive); stock in two locations."""
    hz = inventory.create_location(code="HZ", name="杭州仓", kind="warehouse")
    store = inventory.create_location(code="S1", name="西湖店", kind="store")
    longjing = _product(system_actor, "LJ", "西湖龙井", "茶叶/绿茶", [("50g", 12800), ("250g礼盒", 59800)])
    tieguanyin = _product(system_actor, "TGY", "安溪铁观音", "茶叶/乌龙茶", [("125g", 16800)])
    gaiwan = _product(system_actor, "GW", "德化白瓷盖碗", "茶具", [("150ml", 6800)])
    puer = _product(system_actor, "PE", "普洱熟茶饼", "茶叶/普洱", [("357g", 19800)], active=False)
    receipts = [(longjing, 0, hz, 40), (longjing, 0, store, 5), (longjing, 1, hz, 12), (tieguanyin, 0, store, 3),
                (puer, 0, hz, 50)]
    for product, index, location, quantity in receipts:
        inventory.receive_stock(sku_id=product.skus.order_by("id")[index].pk, location_id=location.pk,
                                quantity=quantity, reference="test", actor=system_actor)
    return {"longjing": longjing, "tieguanyin": tieguanyin, "gaiwan": gaiwan, "puer": puer}
