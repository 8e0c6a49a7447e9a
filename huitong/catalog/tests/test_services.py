"""Catalog write services: each success path, and each error path with its code and no writes."""

import pytest
from django.db import IntegrityError, transaction

from huitong.catalog import services
from huitong.catalog.errors import (
    BrandNotFound,
    CategoryNotFound,
    ConflictingFields,
    DuplicateBarcode,
    DuplicateCode,
    DuplicateName,
    InvalidAmount,
    InvalidBarcode,
    InvalidCategoryPath,
    InvalidCode,
    ProductNotFound,
    SkuListEmpty,
    SkuNotFound,
)
from huitong.catalog.models import Brand, Category, Product, Sku
from huitong.catalog.services import SkuSpec
from huitong.catalog.tests.factories import BrandFactory, ProductFactory, SkuFactory, ean13
from huitong.core.audit import history

pytestmark = pytest.mark.django_db


def counts():
    return (Product.objects.count(), Sku.objects.count(), Brand.objects.count(), Category.objects.count())


def create(actor, **overrides):
    args = {
        "spu_code": "LJ-001",
        "name": "西湖龙井",
        "brand_name": "狮峰",
        "category_path": "茶叶/绿茶",
        "skus": [
            SkuSpec(
                code="LJ-001-250",
                price_fen=8880,
                cost_fen=5000,
                barcode=ean13(1),
                attributes={"规格": "250g"},
            ),
            SkuSpec(
                code="LJ-001-500", price_fen=16800, attributes={"规格": "500g", "包装": "礼盒"}, weight_g=600
            ),
        ],
        "actor": actor,
    }
    return services.create_product(**{**args, **overrides})


def test_create_product_with_skus_brand_and_category_path(system_actor):
    product = create(system_actor)

    product = Product.objects.select_related("brand", "category__parent").get(pk=product.pk)
    assert (product.spu_code, product.name, product.brand.name) == ("LJ-001", "西湖龙井", "狮峰")
    assert (product.category.path, product.category.name, product.category.parent.path) == (
        "茶叶/绿茶",
        "绿茶",
        "茶叶",
    )
    skus = list(product.skus.order_by("code"))
    assert [(s.code, s.price_fen, s.cost_fen, s.barcode, s.weight_g) for s in skus] == [
        ("LJ-001-250", 8880, 5000, ean13(1), 0),
        ("LJ-001-500", 16800, 0, "", 600),
    ]
    assert skus[1].display_name == "西湖龙井 / 500g / 礼盒"
    assert skus[0].price_yuan == "88.80"


def test_create_product_reuses_brand_and_category(system_actor):
    brand = BrandFactory(name="狮峰")
    services.get_or_create_category(path="茶叶/绿茶")
    product = create(system_actor)
    assert product.brand_id == brand.pk
    assert Category.objects.count() == 2


def test_create_product_by_ids(system_actor):
    brand = BrandFactory()
    category = services.get_or_create_category(path="茶叶")
    product = create(
        system_actor, brand_name=None, category_path=None, brand_id=brand.pk, category_id=category.pk
    )
    assert (product.brand_id, product.category_id) == (brand.pk, category.pk)


def _existing():
    SkuFactory(code="TAKEN", barcode=ean13(99), product__spu_code="OLD")


@pytest.mark.parametrize(
    ("overrides", "error", "field"),
    [
        ({"spu_code": "OLD"}, DuplicateCode, "spu_code"),
        ({"spu_code": " "}, InvalidCode, "spu_code"),
        ({"skus": []}, SkuListEmpty, "skus"),
        ({"skus": [SkuSpec(code="TAKEN", price_fen=1)]}, DuplicateCode, "skus[0].code"),
        (
            {"skus": [SkuSpec(code="A", price_fen=1), SkuSpec(code="A", price_fen=2)]},
            DuplicateCode,
            "skus[1].code",
        ),
        ({"skus": [SkuSpec(code="A", price_fen=1, barcode=ean13(99))]}, DuplicateBarcode, "skus[0].barcode"),
        (
            {
                "skus": [
                    SkuSpec(code="A", price_fen=1, barcode=ean13(5)),
                    SkuSpec(code="B", price_fen=1, barcode=ean13(5)),
                ]
            },
            DuplicateBarcode,
            "skus[1].barcode",
        ),
        (
            {"skus": [SkuSpec(code="A", price_fen=1, barcode="6901234567891")]},
            InvalidBarcode,
            "skus[0].barcode",
        ),
        ({"skus": [SkuSpec(code="A", price_fen=-1)]}, InvalidAmount, "skus[0].price_fen"),
        ({"skus": [SkuSpec(code="A", price_fen=1, cost_fen=-5)]}, InvalidAmount, "skus[0].cost_fen"),
        ({"skus": [SkuSpec(code="", price_fen=1)]}, InvalidCode, "skus[0].code"),
        ({"brand_name": None, "brand_id": 999999}, BrandNotFound, "brand_id"),
        ({"category_path": None, "category_id": 999999}, CategoryNotFound, "category_id"),
        ({"brand_id": 1}, ConflictingFields, "brand_name"),
        ({"category_path": "茶叶//绿茶"}, InvalidCategoryPath, "category_path"),
    ],
)
def test_create_product_errors_write_nothing(system_actor, overrides, error, field):
    _existing()
    before = counts()
    with pytest.raises(error) as caught:
        create(system_actor, **overrides)
    assert caught.value.code == error.code
    assert field in caught.value.detail["fields"]
    assert counts() == before


def test_update_product_changes_only_what_is_given(system_actor):
    product = create(system_actor)
    brand_id = product.brand_id

    services.update_product(
        product_id=product.pk, name="明前龙井", category_path="茶叶/名茶", actor=system_actor
    )

    product.refresh_from_db()
    assert (product.name, product.brand_id, product.category.path) == ("明前龙井", brand_id, "茶叶/名茶")


def test_update_product_clears_brand_and_audits_deactivation(system_actor):
    product = create(system_actor)
    services.update_product(product_id=product.pk, brand_id=None, is_active=False, actor=system_actor)
    product.refresh_from_db()
    assert product.brand_id is None and product.is_active is False
    assert [(e.from_state, e.to_state) for e in history(product)] == [("active", "inactive")]


def test_update_product_errors(system_actor):
    product = create(system_actor)
    with pytest.raises(ProductNotFound):
        services.update_product(product_id=999999, name="x", actor=system_actor)
    with pytest.raises(BrandNotFound):
        services.update_product(product_id=product.pk, name="改名", brand_id=999999, actor=system_actor)
    product.refresh_from_db()
    assert product.name == "西湖龙井"


def test_add_sku(system_actor):
    product = ProductFactory()
    sku = services.add_sku(
        product_id=product.pk,
        sku=SkuSpec(code=" N-1 ", price_fen=100, barcode="73513537"),
        actor=system_actor,
    )
    assert (sku.product_id, sku.code, sku.barcode) == (product.pk, "N-1", "73513537")


def test_add_sku_errors(system_actor):
    existing = SkuFactory()
    before = counts()
    with pytest.raises(ProductNotFound):
        services.add_sku(product_id=999999, sku=SkuSpec(code="N", price_fen=1), actor=system_actor)
    with pytest.raises(DuplicateCode) as caught:
        services.add_sku(
            product_id=existing.product_id, sku=SkuSpec(code=existing.code, price_fen=1), actor=system_actor
        )
    assert caught.value.detail["fields"] == {"code": "SKU 编码已存在"}
    with pytest.raises(DuplicateBarcode):
        services.add_sku(
            product_id=existing.product_id,
            sku=SkuSpec(code="N", price_fen=1, barcode=existing.barcode),
            actor=system_actor,
        )
    assert counts() == before


def test_update_sku_price_is_audited(system_actor):
    sku = SkuFactory(price_fen=8880, cost_fen=5000)

    services.update_sku(sku_id=sku.pk, price_fen=9900, actor=system_actor)

    sku.refresh_from_db()
    assert sku.price_fen == 9900
    [entry] = history(sku)
    assert (entry.from_state, entry.to_state, entry.reason, entry.actor_label) == (
        "88.80",
        "99.00",
        "update_sku",
        "system:test",
    )
    assert entry.data == {
        "code": sku.code,
        "price_fen": {"old": 8880, "new": 9900},
        "cost_fen": {"old": 5000, "new": 5000},
    }


def test_update_sku_without_price_change_is_not_audited(system_actor):
    sku = SkuFactory()
    services.update_sku(
        sku_id=sku.pk, barcode="", attributes={"颜色": "红"}, weight_g=10, is_active=False, actor=system_actor
    )
    sku.refresh_from_db()
    assert (sku.barcode, sku.attributes, sku.weight_g, sku.is_active) == ("", {"颜色": "红"}, 10, False)
    assert not history(sku).exists()


def test_update_sku_keeps_own_barcode(system_actor):
    sku = SkuFactory()
    services.update_sku(sku_id=sku.pk, barcode=sku.barcode, actor=system_actor)


def test_update_sku_errors_change_nothing(system_actor):
    sku, other = SkuFactory(price_fen=100), SkuFactory()
    with pytest.raises(SkuNotFound):
        services.update_sku(sku_id=999999, price_fen=1, actor=system_actor)
    with pytest.raises(DuplicateBarcode):
        services.update_sku(sku_id=sku.pk, price_fen=200, barcode=other.barcode, actor=system_actor)
    with pytest.raises(InvalidAmount) as caught:
        services.update_sku(sku_id=sku.pk, price_fen=-1, actor=system_actor)
    assert caught.value.detail["fields"] == {"price_fen": "不能为负数"}
    sku.refresh_from_db()
    assert sku.price_fen == 100
    assert not history(sku).exists()


def test_categories(system_actor):
    leaf = services.get_or_create_category(path="茶叶/绿茶/龙井")
    assert services.get_or_create_category(path=" 茶叶 / 绿茶 / 龙井 ").pk == leaf.pk
    assert list(Category.objects.values_list("path", flat=True)) == ["茶叶", "茶叶/绿茶", "茶叶/绿茶/龙井"]
    child = services.create_category(name="红茶", parent_id=leaf.parent.parent_id)
    assert child.path == "茶叶/红茶"
    with pytest.raises(DuplicateName):
        services.create_category(name="红茶", parent_id=child.parent_id)
    with pytest.raises(CategoryNotFound):
        services.create_category(name="x", parent_id=999999)
    with pytest.raises(InvalidCategoryPath):
        services.create_category(name="a/b")


def test_brands():
    brand = services.create_brand(name=" 狮峰 ")
    assert brand.name == "狮峰"
    assert services.get_or_create_brand(name="狮峰").pk == brand.pk
    with pytest.raises(DuplicateName) as caught:
        services.create_brand(name="狮峰")
    assert caught.value.status == 409
    assert Brand.objects.count() == 1


@pytest.mark.parametrize(
    "changes",
    [{"price_fen": -1}, {"cost_fen": -1}],
)
def test_database_refuses_negative_money(changes):
    sku = SkuFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Sku.objects.filter(pk=sku.pk).update(**changes)


def test_database_barcodes_unique_unless_empty():
    SkuFactory(barcode="")
    SkuFactory(barcode="")
    taken = SkuFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SkuFactory(barcode=taken.barcode)
