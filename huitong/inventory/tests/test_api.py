import json

import pytest

from huitong.catalog.tests.factories import SkuFactory
from huitong.inventory.models import StockItem, StockMovement
from huitong.inventory.tests.factories import LocationFactory

pytestmark = pytest.mark.django_db


def post(client, url, body, method="post"):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def setup():
    return SkuFactory(), LocationFactory(), LocationFactory()


def test_receive_adjust_transfer_and_read_stock(api_client, setup):
    sku, a, b = setup
    wh = api_client("warehouse")
    r = post(wh, "/api/v1/inventory/receipts", {"sku_id": sku.pk, "location_id": a.pk, "quantity": 20, "reference": "PO-1"})
    assert r.status_code == 201 and r.json()["quantity"] == 20
    r = post(wh, "/api/v1/inventory/adjustments", {"sku_id": sku.pk, "location_id": a.pk, "counted": 18, "reference": "ST"})
    assert r.status_code == 200 and r.json()["movement"]["quantity"] == -2
    r = post(wh, "/api/v1/inventory/transfers", {"sku_id": sku.pk, "from_location_id": a.pk, "to_location_id": b.pk,
                                                 "quantity": 5, "reference": "TR"})
    assert r.status_code == 201
    stock = wh.get(f"/api/v1/inventory/skus/{sku.pk}/stock").json()
    assert (stock["on_hand"], stock["reserved"], stock["available"]) == (18, 0, 18)
    assert {row["location_id"]: row["on_hand"] for row in stock["locations"]} == {a.pk: 13, b.pk: 5}
    moves = wh.get(f"/api/v1/inventory/movements?sku_id={sku.pk}").json()
    assert moves["count"] == 4 and {m["kind"] for m in moves["items"]} == {"receive", "adjust", "transfer_out", "transfer_in"}


@pytest.mark.parametrize(
    ("body", "field"),
    [({"quantity": 0}, "quantity"), ({"quantity": -1}, "quantity"), ({"reference": ""}, "reference"),
     ({"sku_id": None}, "sku_id")],
)
def test_bad_receipts_are_422_with_field_and_write_nothing(api_client, setup, body, field):
    sku, a, _ = setup
    payload = {"sku_id": sku.pk, "location_id": a.pk, "quantity": 1, "reference": "r", **body}
    r = post(api_client("warehouse"), "/api/v1/inventory/receipts", payload)
    assert r.status_code == 422
    assert field in r.json()["detail"]["fields"]
    assert not StockMovement.objects.exists()


def test_unknown_sku_is_404_and_transfer_without_stock_is_409(api_client, setup):
    sku, a, b = setup
    wh = api_client("warehouse")
    r = post(wh, "/api/v1/inventory/receipts", {"sku_id": 999999, "location_id": a.pk, "quantity": 1, "reference": "r"})
    assert r.status_code == 404 and r.json()["code"] == "sku_not_found"
    r = post(wh, "/api/v1/inventory/transfers", {"sku_id": sku.pk, "from_location_id": a.pk, "to_location_id": b.pk,
                                                 "quantity": 1, "reference": "t"})
    assert r.status_code == 409 and r.json()["code"] == "insufficient_stock"
    assert not StockMovement.objects.exists() and not StockItem.objects.exists()
    assert wh.get("/api/v1/inventory/skus/999999/stock").status_code == 404


def test_permission_matrix(api_client, setup):
    sku, a, _ = setup
    body = {"sku_id": sku.pk, "location_id": a.pk, "quantity": 1, "reference": "r"}
    for role, status in [("warehouse", 201), ("operator", 201), ("admin", 201), ("finance", 403),
                         ("customer_service", 403)]:
        assert post(api_client(role), "/api/v1/inventory/receipts", body).status_code == status, role
    loc = {"code": "NEW", "name": "新仓", "kind": "warehouse"}
    assert post(api_client("warehouse"), "/api/v1/inventory/locations", loc).status_code == 403
    r = post(api_client("operator"), "/api/v1/inventory/locations", loc)
    assert r.status_code == 201 and r.json()["code"] == "NEW"
    assert post(api_client("operator", username="op2"), "/api/v1/inventory/locations", loc).status_code == 409
    bad_kind = post(api_client("operator", username="op3"), "/api/v1/inventory/locations", {**loc, "code": "X", "kind": "moon"})
    assert bad_kind.status_code == 422 and "kind" in bad_kind.json()["detail"]["fields"]


def test_safety_stock_endpoint(api_client, setup):
    sku, a, _ = setup
    r = post(api_client("operator"), "/api/v1/inventory/safety-stock",
             {"sku_id": sku.pk, "location_id": a.pk, "safety_stock": 4}, method="put")
    assert r.status_code == 200 and r.json()["safety_stock"] == 4
