import json

import pytest

from huitong.orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db


def post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def order_body(shop, **extra):
    return {"store_id": shop.store.pk, "lines": [{"sku_id": shop.sku_a.pk, "quantity": 2}],
            "receiver": {"name": "李四", "phone": "13912345678", "province": "浙江省", "city": "杭州市",
                         "address": "西湖区文三路 100 号"}, **extra}


def test_create_get_list_and_drive_the_lifecycle(api_client, shop):
    op, wh = api_client("operator"), api_client("warehouse")
    r = post(op, "/api/v1/orders", order_body(shop, external_id="WEB-1", discount_fen=100))
    assert r.status_code == 201
    order = r.json()
    assert order["status"] == "pending_payment" and order["total_fen"] == 2 * 2990 - 100
    assert order["total_yuan"] == "58.80" and order["store_code"] == "MALL"
    assert post(op, "/api/v1/orders", order_body(shop, external_id="WEB-1")).status_code == 200  # replay
    oid = order["id"]
    assert post(op, f"/api/v1/orders/{oid}/pay", {"method": "sandbox"}).json()["status"] == "paid"
    assert post(wh, f"/api/v1/orders/{oid}/allocate", {}).json()["status"] == "allocated"
    shipped = post(wh, f"/api/v1/orders/{oid}/ship", {"carrier_code": "SF", "waybill_no": "SF100200300"})
    assert shipped.status_code == 200 and shipped.json()["waybill_no"] == "SF100200300"
    assert post(op, f"/api/v1/orders/{oid}/complete").json()["status"] == "completed"
    history = op.get(f"/api/v1/orders/{oid}/history").json()
    assert [h["to_state"] for h in history] == ["pending_payment", "paid", "allocated", "shipped", "completed"]
    listed = op.get("/api/v1/orders?status=completed").json()
    assert listed["count"] == 1 and listed["items"][0]["number"] == order["number"]
    assert op.get("/api/v1/orders?status=paid").json()["count"] == 0
    assert op.get(f"/api/v1/orders?store_id={shop.store.pk}&search=WEB-1").json()["count"] == 1


def test_insufficient_stock_is_409_and_nothing_written(api_client, shop):
    body = order_body(shop)
    body["lines"][0]["quantity"] = 11
    r = post(api_client("operator"), "/api/v1/orders", body)
    assert r.status_code == 409 and r.json()["code"] == "insufficient_stock"
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.update(lines=[]), "lines"),
        (lambda b: b["lines"][0].update(quantity=0), "lines[0].quantity"),
        (lambda b: b["lines"][0].update(quantity=-1), "lines[0].quantity"),
        (lambda b: b["lines"][0].pop("sku_id"), "lines[0].sku_id"),
        (lambda b: b.pop("store_id"), "store_id"),
        (lambda b: b["lines"][0].update(sku_id=999999), "lines[0].sku_id"),
    ],
)
def test_bad_input_is_422_with_field(api_client, shop, mutate, field):
    body = order_body(shop)
    mutate(body)
    r = post(api_client("operator"), "/api/v1/orders", body)
    assert r.status_code == 422, r.json()
    assert field in r.json()["detail"]["fields"]
    assert not Order.objects.exists()


def test_unknown_store_is_404_and_wrong_transition_is_409(api_client, shop):
    op = api_client("operator")
    r = post(op, "/api/v1/orders", order_body(shop, store_id=999999))
    assert r.status_code == 404 and r.json()["code"] == "store_not_found"
    oid = post(op, "/api/v1/orders", order_body(shop)).json()["id"]
    r = post(op, f"/api/v1/orders/{oid}/complete")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    assert Order.objects.get(pk=oid).status == OrderStatus.PENDING_PAYMENT
    assert op.get("/api/v1/orders/999999").status_code == 404


def test_permission_matrix(api_client, shop):
    body = order_body(shop)
    assert post(api_client("warehouse"), "/api/v1/orders", body).status_code == 403
    assert post(api_client("finance"), "/api/v1/orders", body).status_code == 403
    oid = post(api_client("operator"), "/api/v1/orders", body).json()["id"]
    assert post(api_client("customer_service"), f"/api/v1/orders/{oid}/pay").status_code == 403
    assert post(api_client("finance", username="fin2"), f"/api/v1/orders/{oid}/pay").status_code == 200
    assert post(api_client("finance", username="fin3"), f"/api/v1/orders/{oid}/allocate").status_code == 403
    op = api_client("operator", username="op2")
    assert post(op, f"/api/v1/orders/{oid}/allocate").status_code == 200
    assert post(op, f"/api/v1/orders/{oid}/ship", {"carrier_code": "SF", "waybill_no": "1"}).status_code == 403
    cs = api_client("customer_service", username="cs2")
    assert post(cs, f"/api/v1/orders/{oid}/cancel", {"reason": "缺货"}).json()["status"] == "cancelled"
    assert post(api_client(), "/api/v1/orders", body).status_code == 403  # staff without a role


def test_receiver_is_masked_for_roles_that_do_not_need_it(api_client, shop):
    oid = post(api_client("operator"), "/api/v1/orders", order_body(shop)).json()["id"]
    masked = api_client("finance").get(f"/api/v1/orders/{oid}").json()["receiver"]
    assert masked["phone"] == "139****5678" and masked["name"] == "李*" and "文三路" not in masked["address"]
    full = api_client("warehouse").get(f"/api/v1/orders/{oid}").json()["receiver"]
    assert full["phone"] == "13912345678" and full["address"] == "西湖区文三路 100 号"
    listed = api_client("operator", username="op9").get("/api/v1/orders").json()["items"][0]["receiver"]
    assert listed["phone"] == "139****5678"


def test_list_is_a_constant_number_of_queries(api_client, shop, django_assert_max_num_queries):
    op = api_client("operator")
    for _ in range(5):
        post(op, "/api/v1/orders", order_body(shop, lines=[{"sku_id": shop.sku_a.pk, "quantity": 1}]))
    with django_assert_max_num_queries(8):
        assert op.get("/api/v1/orders?limit=50").json()["count"] == 5


def test_set_store_locations(api_client, shop):
    r = api_client("operator").put(f"/api/v1/orders/stores/{shop.store.pk}/locations",
                                   json.dumps({"location_ids": [shop.wh2.pk]}), content_type="application/json")
    assert r.status_code == 200 and r.json() == {"location_ids": [shop.wh2.pk]}
    r = api_client("operator", username="o2").put(f"/api/v1/orders/stores/{shop.store.pk}/locations",
                                                  json.dumps({"location_ids": [999999]}), content_type="application/json")
    assert r.status_code == 404


def test_counter_sale_endpoint(api_client, shop):
    r = post(api_client("operator"), "/api/v1/orders/counter-sales",
             {"store_id": shop.store.pk, "lines": [{"sku_id": shop.sku_a.pk, "quantity": 1}]})
    assert r.status_code == 201 and r.json()["status"] == "completed"
    r = post(api_client("operator", username="o5"), "/api/v1/orders/counter-sales",
             {"store_id": shop.store.pk, "lines": [{"sku_id": shop.sku_a.pk, "quantity": 1}], "tender": "bitcoin"})
    assert r.status_code == 422 and "tender" in r.json()["detail"]["fields"]
