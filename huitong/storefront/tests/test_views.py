"""Storefront pages: products with prices and stock, search, category, paging, query counts."""

import re

import pytest

from huitong.catalog import services as catalog
from huitong.storefront.views import PER_PAGE

HOME_QUERIES = 5  # categories, count, products, their SKUs, their stock


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_home_lists_active_products_with_prices_and_stock(client, shelf):
    response = client.get("/")

    assert response.status_code == 200
    text = _text(response)
    assert "西湖龙井" in text and "安溪铁观音" in text and "德化白瓷盖碗" in text
    assert "普洱熟茶饼" not in text  # inactive
    assert "¥128.00" in text and "¥598.00" in text and "¥128.00 起" in text
    assert "有货 库存 45" in text  # 40 in the warehouse + 5 in the shop
    assert "有货 库存 12" in text
    assert "仅剩 3 件" in text
    assert "缺货" in text
    assert 'data-available="0"' in response.content.decode()


def test_search_filters_by_name_and_code(client, shelf):
    text = _text(client.get("/", {"q": "龙井"}))
    assert "西湖龙井" in text and "安溪铁观音" not in text and "共 1 件商品" in text

    text = _text(client.get("/", {"q": "TGY-1"}))
    assert "安溪铁观音" in text and "西湖龙井" not in text

    text = _text(client.get("/", {"q": "不存在的茶"}))
    assert "没有找到符合条件的商品" in text


def test_category_filter_includes_sub_categories(client, shelf):
    tea = shelf["longjing"].category.parent

    text = _text(client.get("/", {"category": tea.pk}))

    assert "西湖龙井" in text and "安溪铁观音" in text and "德化白瓷盖碗" not in text


def test_bad_parameters_fall_back_to_the_first_page(client, shelf):
    response = client.get("/", {"category": "x", "page": "abc"})
    assert response.status_code == 200
    assert "西湖龙井" in _text(response)


@pytest.mark.django_db
def test_pages_of_24(client, system_actor):
    for n in range(PER_PAGE + 6):
        catalog.create_product(spu_code=f"P{n:03d}", name=f"茶品{n:03d}", actor=system_actor,
                               skus=[catalog.SkuSpec(code=f"P{n:03d}-1", price_fen=1000 + n)])

    first, second = _text(client.get("/")), _text(client.get("/", {"page": 2}))

    assert first.count("茶品") == PER_PAGE and "第 1 / 2 页" in first
    assert second.count("茶品") == 6 and "茶品000" in second


def test_query_count_does_not_grow_with_products(client, shelf, system_actor, django_assert_num_queries):
    with django_assert_num_queries(HOME_QUERIES):
        client.get("/")
    for n in range(20):
        catalog.create_product(spu_code=f"X{n}", name=f"花茶{n}", category_path="茶叶/花茶", actor=system_actor,
                               skus=[catalog.SkuSpec(code=f"X{n}-{k}", price_fen=2000) for k in range(3)])
    with django_assert_num_queries(HOME_QUERIES):
        response = client.get("/")
    assert _text(response).count("花茶") >= 20
    with django_assert_num_queries(HOME_QUERIES + 1):  # + the category's path
        client.get("/", {"category": shelf["gaiwan"].category_id, "q": "盖碗"})


def test_product_page_shows_each_sku_and_its_stock(client, shelf, django_assert_num_queries):
    with django_assert_num_queries(3):  # product, SKUs, stock
        response = client.get(f"/p/{shelf['longjing'].pk}/")

    text = _text(response)
    assert response.status_code == 200
    assert "LJ-1" in text and "LJ-2" in text and "250g礼盒" in text
    assert "有货 库存 45" in text and "有货 库存 12" in text


def test_product_page_of_unknown_or_inactive_product_is_404(client, shelf):
    assert client.get("/p/999999/").status_code == 404
    assert client.get(f"/p/{shelf['puer'].pk}/").status_code == 404
