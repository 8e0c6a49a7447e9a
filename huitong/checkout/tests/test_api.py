"""The storefront checkout API (member tokens) and the staff POS counter sale, over HTTP."""

import json

import pytest
from django.test import Client

from huitong.checkout.tests.mall import make_mall
from huitong.loyalty import selectors as loyalty_selectors
from huitong.loyalty import services as loyalty
from huitong.members.auth import issue_member_token
from huitong.orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def mall(db):
    return make_mall()


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def member_client(mall):
    return Client(headers={"Authorization": f"Bearer {issue_member_token(customer_id=mall.member.pk)}"})


def cart(mall, **extra):
    return {"store_id": mall.store.pk, "lines": [{"sku_id": mall.sku_a.pk, "quantity": 2},
                                                 {"sku_id": mall.sku_b.pk, "quantity": 1}], **extra}


def test_member_previews_places_and_pays(mall):
    client = member_client(mall)
    r = post(client, "/api/store/v1/checkout/preview", cart(mall, coupon_codes=[mall.coupon.code]))
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["total_fen"] == 9460 and body["points_redeemable"] == 4700
    assert {a["reason"] for a in body["priced"]["adjustments"]} >= {"满100减15"}

    placed = post(client, "/api/store/v1/checkout/orders", cart(
        mall, coupon_codes=[mall.coupon.code], points=1000, checkout_token="tok-1",
        receiver={"name": "王芳", "phone": "13800138000", "province": "浙江省", "city": "杭州市", "address": "文三路 1 号"}))
    assert placed.status_code == 201, placed.content
    order = placed.json()["order"]
    assert order["due_fen"] == 8460 and order["status"] == "pending_payment"
    replay = post(client, "/api/store/v1/checkout/orders", cart(mall, coupon_codes=[mall.coupon.code], points=1000,
                                                                checkout_token="tok-1"))
    assert replay.status_code == 200 and replay.json()["order"]["number"] == order["number"]

    paid = post(client, f"/api/store/v1/checkout/orders/{order['number']}/pay", {"method": "sandbox"})
    assert paid.status_code == 200 and paid.json()["order"]["status"] == "paid"
    assert post(client, f"/api/store/v1/checkout/orders/{order['number']}/pay", {}).status_code == 409


def test_checkout_needs_a_member_and_own_orders_only(mall):
    assert post(Client(), "/api/store/v1/checkout/preview", cart(mall)).status_code == 401
    other = make_other_member_client(mall)
    placed = post(member_client(mall), "/api/store/v1/checkout/orders", cart(mall)).json()["order"]
    assert other.get(f"/api/store/v1/checkout/orders/{placed['number']}").status_code == 404


def make_other_member_client(mall):
    from huitong.members import services as members

    other = members.create_member(phone="13900139000", actor=mall.actor)
    return Client(headers={"Authorization": f"Bearer {issue_member_token(customer_id=other.pk)}"})


def test_bad_points_is_a_field_error_and_writes_nothing(mall):
    r = post(member_client(mall), "/api/store/v1/checkout/orders", cart(mall, points=99999))
    assert r.status_code == 422 and "points" in r.json()["detail"]["fields"]
    assert not Order.objects.exists()


def test_pos_counter_sale_finds_member_by_card_and_splits_tenders(mall, api_client):
    loyalty.top_up_stored_value(customer_id=mall.member.pk, amount_fen=2000, reference="T-1", actor=mall.actor)
    cashier = api_client("operator")
    body = {"store_id": mall.store.pk, "lines": [{"sku_id": mall.sku_a.pk, "quantity": 1}],
            "member": {"card_no": mall.member.card_no}, "points": 1000,
            "tenders": [{"method": "stored_value", "amount_fen": 1000},
                        {"method": "cash", "amount_fen": 990, "tendered_fen": 2000}]}
    r = post(cashier, "/api/v1/checkout/counter-sales", body)
    assert r.status_code == 201, r.content
    assert r.json()["order"]["status"] == "completed" and r.json()["order"]["customer_id"] == mall.member.pk
    assert loyalty_selectors.stored_value_balance(mall.member.pk) == 1000
    assert post(api_client("warehouse", username="wh"), "/api/v1/checkout/counter-sales", body).status_code == 403
    unknown = post(cashier, "/api/v1/checkout/counter-sales", {**body, "member": {"card_no": "0000000000000000"}})
    assert unknown.status_code == 422 and "member" in unknown.json()["detail"]["fields"]
