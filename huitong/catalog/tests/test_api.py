"""Catalog API: each endpoint once, the error envelope, and the permission matrix."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from huitong.catalog.models import Product, Sku
from huitong.catalog.tests.factories import BrandFactory, CategoryFactory, ProductFactory, SkuFactory, ean13
from huitong.catalog.tests.test_import import ROWS, xlsx

pytestmark = pytest.mark.django_db

BASE = "/api/v1/catalog"


@pytest.fixture
def operator(api_client):
    return api_client("operator")


@pytest.fixture
def warehouse(api_client):
    return api_client("warehouse")


def send(client, method, path, body=None):
    kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body is not None else {}
    return getattr(client, method)(f"{BASE}{path}", **kwargs)


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "detail"}
    assert body["code"] == code and body["message"]
    return body["detail"]


PRODUCT = {
    "spu_code": "LJ-001",
    "name": "西湖龙井",
    "brand_name": "狮峰",
    "category_path": "茶叶/绿茶",
    "skus": [{"code": "LJ-001-250", "price_fen": 8880, "barcode": ean13(1), "attributes": {"规格": "250g"}}],
}


def test_create_product(operator):
    response = send(operator, "post", "/products", PRODUCT)

    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in ("spu_code", "name", "brand_name", "category_path", "is_active")} == {
        "spu_code": "LJ-001",
        "name": "西湖龙井",
        "brand_name": "狮峰",
        "category_path": "茶叶/绿茶",
        "is_active": True,
    }
    [sku] = body["skus"]
    assert {
        k: sku[k] for k in ("code", "price_fen", "price_yuan", "cost_fen", "barcode", "display_name")
    } == {
        "code": "LJ-001-250",
        "price_fen": 8880,
        "price_yuan": "88.80",
        "cost_fen": 0,
        "barcode": ean13(1),
        "display_name": "西湖龙井 / 250g",
    }


def test_create_product_duplicate_is_409(operator):
    ProductFactory(spu_code="LJ-001")
    detail = assert_error(send(operator, "post", "/products", PRODUCT), 409, "duplicate_code")
    assert detail == {"fields": {"spu_code": "商品编码已存在"}}


def test_create_product_bad_barcode_is_422(operator):
    body = {**PRODUCT, "skus": [{"code": "A", "price_fen": 1, "barcode": "6901234567891"}]}
    detail = assert_error(send(operator, "post", "/products", body), 422, "invalid_barcode")
    assert "skus[0].barcode" in detail["fields"]
    assert not Product.objects.exists()


def test_schema_validation_is_422_with_fields(operator):
    detail = assert_error(send(operator, "post", "/products", {"spu_code": "X"}), 422, "invalid_input")
    assert {"name", "skus"} <= set(detail["fields"])


def test_list_products_paginated_and_filtered(warehouse):
    tea = CategoryFactory(name="茶叶")
    green = CategoryFactory(name="绿茶", parent=tea)
    brand = BrandFactory()
    SkuFactory(product__name="龙井", product__category=green, product__brand=brand, barcode=ean13(42))
    SkuFactory(product__name="咖啡")
    SkuFactory(product__name="普洱", product__category=tea)

    everything = send(warehouse, "get", "/products?limit=2").json()
    assert everything["count"] == 3 and len(everything["items"]) == 2
    by_barcode = send(warehouse, "get", f"/products?search={ean13(42)}").json()
    assert [p["name"] for p in by_barcode["items"]] == ["龙井"]
    in_tea = send(warehouse, "get", f"/products?category_id={tea.pk}").json()
    assert sorted(p["name"] for p in in_tea["items"]) == ["普洱", "龙井"]
    by_brand = send(warehouse, "get", f"/products?brand_id={brand.pk}&offset=0").json()
    assert by_brand["count"] == 1


def test_get_product_and_404(warehouse):
    sku = SkuFactory()
    body = send(warehouse, "get", f"/products/{sku.product_id}").json()
    assert body["id"] == sku.product_id and [s["code"] for s in body["skus"]] == [sku.code]
    assert_error(send(warehouse, "get", "/products/999999"), 404, "product_not_found")


def test_update_product(operator):
    product = ProductFactory()
    response = send(operator, "patch", f"/products/{product.pk}", {"name": "新名", "brand_id": None})
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["brand_id"]) == ("新名", None)
    product.refresh_from_db()
    assert product.category_id is not None  # not sent, not changed
    assert_error(send(operator, "patch", f"/products/{product.pk}", {"name": " "}), 422, "blank_field")


def test_add_sku(operator):
    product = ProductFactory()
    body = {"code": "NEW-1", "price_fen": 990, "attributes": {"颜色": "红"}}
    response = send(operator, "post", f"/products/{product.pk}/skus", body)
    assert response.status_code == 201, response.content
    assert response.json()["display_name"] == f"{product.name} / 红"
    assert_error(send(operator, "post", f"/products/{product.pk}/skus", body), 409, "duplicate_code")
    assert_error(send(operator, "post", "/products/999999/skus", body), 404, "product_not_found")


def test_update_sku(operator):
    sku = SkuFactory(price_fen=100)
    response = send(operator, "patch", f"/skus/{sku.pk}", {"price_fen": 250, "barcode": ""})
    assert response.status_code == 200, response.content
    assert (response.json()["price_yuan"], response.json()["barcode"]) == ("2.50", "")
    detail = assert_error(
        send(operator, "patch", f"/skus/{sku.pk}", {"barcode": "123"}), 422, "invalid_barcode"
    )
    assert "barcode" in detail["fields"]
    assert_error(send(operator, "patch", "/skus/999999", {"price_fen": 1}), 404, "sku_not_found")


def test_list_and_get_skus(warehouse):
    sku = SkuFactory(code="FIND-ME")
    SkuFactory()
    found = send(warehouse, "get", "/skus?search=find").json()
    assert found["count"] == 1 and found["items"][0]["code"] == "FIND-ME"
    assert send(warehouse, "get", f"/skus/{sku.pk}").json()["code"] == "FIND-ME"
    assert_error(send(warehouse, "get", "/skus/999999"), 404, "sku_not_found")


def test_import_file(operator):
    upload = SimpleUploadedFile("products.xlsx", xlsx(ROWS))
    response = operator.post(f"{BASE}/imports", {"file": upload})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "created_products": 2,
        "updated_products": 0,
        "created_skus": 3,
        "updated_skus": 0,
    }


def test_import_file_with_errors(operator):
    rows = [ROWS[0], [*ROWS[1][:9], "1.001", "", ""]]
    response = operator.post(f"{BASE}/imports", {"file": SimpleUploadedFile("p.xlsx", xlsx(rows))})
    detail = assert_error(response, 422, "import_file_invalid")
    assert detail["rows"] == [{"row": 3, "field": "售价", "message": "金额最多两位小数: 1.001"}]
    assert not Sku.objects.exists()


def test_brands(operator):
    response = send(operator, "post", "/brands", {"name": "狮峰"})
    assert response.status_code == 201 and response.json()["name"] == "狮峰"
    assert [b["name"] for b in send(operator, "get", "/brands").json()] == ["狮峰"]
    assert_error(send(operator, "post", "/brands", {"name": "狮峰"}), 409, "duplicate_name")


def test_categories(operator):
    root = send(operator, "post", "/categories", {"name": "茶叶"}).json()
    response = send(operator, "post", "/categories", {"name": "绿茶", "parent_id": root["id"]})
    assert response.status_code == 201
    assert response.json() == {
        "id": response.json()["id"],
        "name": "绿茶",
        "parent_id": root["id"],
        "path": "茶叶/绿茶",
    }
    assert [c["path"] for c in send(operator, "get", "/categories").json()] == ["茶叶", "茶叶/绿茶"]
    assert_error(
        send(operator, "post", "/categories", {"name": "x", "parent_id": 999999}), 404, "category_not_found"
    )


WRITES = [
    ("post", "/products", PRODUCT),
    ("patch", "/products/{product}", {"name": "x"}),
    ("post", "/products/{product}/skus", {"code": "N", "price_fen": 1}),
    ("patch", "/skus/{sku}", {"price_fen": 1}),
    ("post", "/brands", {"name": "新品牌"}),
    ("post", "/categories", {"name": "新分类"}),
]
READS = ["/products", "/products/{product}", "/skus", "/skus/{sku}", "/brands", "/categories"]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
@pytest.mark.parametrize(
    ("roles", "allowed"),
    [(("warehouse",), False), (("finance",), False), (("operator",), True), (("admin",), True)],
)
def test_write_permissions(api_client, method, path, body, roles, allowed):
    sku = SkuFactory()
    url = path.format(product=sku.product_id, sku=sku.pk)
    response = send(api_client(*roles), method, url, body)
    if allowed:
        assert response.status_code in (200, 201), response.content
    else:
        assert_error(response, 403, "permission_denied")


def test_import_needs_operator(api_client):
    response = api_client("warehouse").post(f"{BASE}/imports", {"file": SimpleUploadedFile("p.csv", b"x")})
    assert_error(response, 403, "permission_denied")


@pytest.mark.parametrize("path", READS)
def test_reads_for_any_staff_and_401_without_token(api_client, client, path):
    sku = SkuFactory()
    url = path.format(product=sku.product_id, sku=sku.pk)
    assert send(api_client("customer_service"), "get", url).status_code == 200
    assert_error(send(client, "get", url), 401, "not_authenticated")


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_writes_without_token_are_401(client, method, path, body):
    url = path.format(product=1, sku=1)
    assert_error(send(client, method, url, body), 401, "not_authenticated")
