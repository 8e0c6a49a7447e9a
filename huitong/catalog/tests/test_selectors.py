"""Catalog reads: what they match, and how many queries they take."""

import pytest

from huitong.catalog import selectors
from huitong.catalog.errors import ProductNotFound, SkuNotFound
from huitong.catalog.tests.factories import CategoryFactory, ProductFactory, SkuFactory, ean13

pytestmark = pytest.mark.django_db


def test_list_products_loads_brand_category_and_skus_in_two_queries(django_assert_num_queries):
    for _ in range(3):
        product = ProductFactory()
        SkuFactory.create_batch(2, product=product)

    with django_assert_num_queries(2):
        products = list(selectors.list_products())
        rows = [(p.brand.name, p.category.path, [s.display_name for s in p.skus.all()]) for p in products]

    assert len(rows) == 3 and all(len(skus) == 2 for _, _, skus in rows)


def test_get_product_in_two_queries(django_assert_num_queries):
    sku = SkuFactory()
    with django_assert_num_queries(2):
        product = selectors.get_product(sku.product_id)
        assert [s.code for s in product.skus.all()] == [sku.code]
        assert product.brand.name and product.category.path
    with pytest.raises(ProductNotFound):
        selectors.get_product(999999)


def test_skus_by_ids_in_one_query(django_assert_num_queries):
    skus = SkuFactory.create_batch(3)
    wanted = [skus[0].pk, skus[2].pk, 999999]
    with django_assert_num_queries(1):
        found = selectors.skus_by_ids(wanted)
        names = {pk: sku.display_name for pk, sku in found.items()}
    assert set(found) == {skus[0].pk, skus[2].pk}
    assert names[skus[0].pk].startswith(skus[0].product.name)
    with django_assert_num_queries(0):
        assert selectors.skus_by_ids([]) == {}
        assert selectors.skus_by_ids([None]) == {}  # an unmapped line's SKU, as pk__in=[None] matched nothing


def test_sku_briefs_match_the_skus_in_one_query(django_assert_num_queries):
    skus = [SkuFactory(attributes={"颜色": "红", "规格": "250g", "产地": ""}), SkuFactory(attributes={})]
    with django_assert_num_queries(1):
        briefs = selectors.sku_briefs([s.pk for s in skus] + [999999])
    assert set(briefs) == {s.pk for s in skus}
    for sku in skus:
        assert briefs[sku.pk] == selectors.SkuBrief(sku.pk, sku.code, sku.display_name, sku.price_fen)
    assert briefs[skus[0].pk].display_name == f"{skus[0].product.name} / 250g / 红"
    with django_assert_num_queries(0):
        assert selectors.sku_briefs([]) == {}


def test_search_matches_name_spu_code_sku_code_and_barcode():
    target = SkuFactory(code="LJ-250", barcode=ean13(77), product__name="西湖龙井", product__spu_code="TEA-9")
    SkuFactory(product__name="咖啡")
    for term in ["龙井", "tea-9", "lj-2", ean13(77)]:
        assert [p.pk for p in selectors.list_products(search=term)] == [target.product_id], term
        assert [s.pk for s in selectors.list_skus(search=term)] == [target.pk], term
    assert not selectors.list_products(search=ean13(77)[:-1]).exists()  # barcodes match exactly


def test_category_filter_includes_sub_categories_but_not_siblings_by_prefix():
    tea = CategoryFactory(name="茶")
    green = CategoryFactory(name="绿茶", parent=tea)
    tea_set = CategoryFactory(name="茶具")  # "茶具" starts with "茶" but is not under it
    in_green = ProductFactory(category=green)
    in_tea = ProductFactory(category=tea)
    ProductFactory(category=tea_set)
    assert {p.pk for p in selectors.list_products(category_id=tea.pk)} == {in_green.pk, in_tea.pk}
    assert not selectors.list_products(category_id=999999).exists()


def test_filters_by_brand_and_active():
    active = ProductFactory()
    ProductFactory(is_active=False, brand=active.brand)
    assert [p.pk for p in selectors.list_products(brand_id=active.brand_id, is_active=True)] == [active.pk]


def test_sku_lookups():
    sku = SkuFactory(code="CODE-1")
    assert selectors.get_sku(sku.pk) == sku
    assert selectors.get_sku_by_code(" CODE-1 ") == sku
    assert selectors.get_sku_by_barcode(sku.barcode) == sku
    for lookup, arg in [
        (selectors.get_sku, 999999),
        (selectors.get_sku_by_code, "NOPE"),
        (selectors.get_sku_by_barcode, ""),
    ]:
        with pytest.raises(SkuNotFound) as caught:
            lookup(arg)
        assert caught.value.code == "sku_not_found" and caught.value.status == 404
