import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from huitong.flashsale.models import Claim
from huitong.members.auth import issue_member_token

pytestmark = pytest.mark.django_db

STAFF = "/api/v1/flash-sales"
STORE = "/api/store/v1/flash-sales"
RECEIVER = {
    "name": "王五",
    "phone": "13700000000",
    "province": "浙江省",
    "city": "杭州市",
    "address": "滨江区 2 号",
}


def call(client, method, url, body=None):
    kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body is not None else {}
    return getattr(client, method)(url, **kwargs)


def member(customer_id):
    return Client(headers={"Authorization": f"Bearer {issue_member_token(customer_id=customer_id)}"})


def test_staff_run_a_sale_and_members_buy_through_the_store_api(flash, api_client):
    operator, finance = api_client("operator"), api_client("finance")
    now = timezone.now()
    body = {
        "name": "午间秒杀",
        "store_id": flash.store.pk,
        "sku_id": flash.sku.pk,
        "location_id": flash.wh.pk,
        "price_fen": 990,
        "starts_at": (now - timedelta(minutes=1)).isoformat(),
        "ends_at": (now + timedelta(hours=1)).isoformat(),
        "quantity": 2,
        "per_buyer_limit": 1,
    }
    assert call(finance, "post", STAFF, body).status_code == 403
    created = call(operator, "post", STAFF, body)
    assert created.status_code == 201, created.json()
    sale_id = created.json()["id"]
    assert call(operator, "patch", f"{STAFF}/{sale_id}", {"price_fen": 1090}).json()["price_fen"] == 1090
    store_view = call(Client(), "get", f"{STORE}/{sale_id}")
    assert store_view.status_code == 200 and store_view.json()["status"] == "draft"

    a, b, c = flash.customers(3)
    early = call(member(a), "post", f"{STORE}/{sale_id}/purchase", {"receiver": RECEIVER})
    assert early.status_code == 409 and early.json()["code"] == "not_running"
    started = call(operator, "post", f"{STAFF}/{sale_id}/start")
    assert started.status_code == 200 and started.json()["status"] == "running"
    assert (
        call(operator, "patch", f"{STAFF}/{sale_id}", {"price_fen": 1}).json()["code"] == "sale_not_editable"
    )

    bought = call(
        member(a), "post", f"{STORE}/{sale_id}/purchase", {"receiver": RECEIVER, "request_id": "r1"}
    )
    assert bought.status_code == 201, bought.json()
    out = bought.json()
    assert out["amount_due_fen"] == 1090 and out["claim_no"] == 1 and len(out["order_number"]) == 18
    again = call(member(a), "post", f"{STORE}/{sale_id}/purchase", {"receiver": RECEIVER, "request_id": "r1"})
    assert again.status_code == 200 and again.json()["order_number"] == out["order_number"]
    limit = call(member(a), "post", f"{STORE}/{sale_id}/purchase", {"receiver": RECEIVER})
    assert limit.status_code == 409 and limit.json()["code"] == "limit_reached"
    assert "限购" in limit.json()["message"] and limit.json()["detail"]["orders"] == [out["order_number"]]
    assert call(member(b), "post", f"{STORE}/{sale_id}/purchase", {"receiver": RECEIVER}).status_code == 201
    sold_out = call(member(c), "post", f"{STORE}/{sale_id}/purchase", {"receiver": RECEIVER})
    assert sold_out.status_code == 409 and sold_out.json() == {
        "code": "sold_out",
        "message": "手慢了,商品已抢光",
        "detail": {},
    }

    stats = call(finance, "get", f"{STAFF}/{sale_id}/stats").json()
    assert (stats["sold"], stats["held"], stats["remaining_db"], stats["set_aside"]) == (2, 2, 0, 0)
    claims = call(finance, "get", f"{STAFF}/{sale_id}/claims").json()
    assert {c["order_number"] for c in claims["items"]} == set(
        Claim.objects.values_list("order__number", flat=True)
    )
    ended = call(operator, "post", f"{STAFF}/{sale_id}/end", {"reason": "提前结束"})
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    assert call(finance, "get", f"{STAFF}?status=ended").json()["count"] == 1


def test_store_api_refusals(flash, api_client):
    sale = flash.sale()
    [a] = flash.customers(1)
    url = f"{STORE}/{sale.pk}/purchase"
    assert call(Client(), "post", url, {"receiver": RECEIVER}).status_code == 401
    bad = call(member(a), "post", url, {"quantity": 0, "receiver": {**RECEIVER, "address": ""}})
    assert bad.status_code == 422 and {"quantity", "receiver.address"} <= set(bad.json()["detail"]["fields"])
    assert call(member(a), "post", f"{STORE}/999999/purchase", {"receiver": RECEIVER}).status_code == 404
    assert not Claim.objects.exists()


def test_staff_refusals(flash, api_client):
    operator = api_client("operator")
    sale = flash.sale(start=False, quantity=50)
    short = call(operator, "post", f"{STAFF}/{sale.pk}/start")
    assert short.status_code == 409 and short.json()["code"] == "not_enough_stock"
    now = timezone.now()
    bad = call(
        operator,
        "post",
        STAFF,
        {
            "name": "x",
            "store_id": flash.store.pk,
            "sku_id": flash.sku.pk,
            "location_id": 999999,
            "price_fen": 1,
            "starts_at": now.isoformat(),
            "ends_at": now.isoformat(),
            "quantity": 1,
        },
    )
    assert bad.status_code == 422 and {"location_id", "ends_at"} <= set(bad.json()["detail"]["fields"])
    assert call(operator, "post", f"{STAFF}/999999/end", {}).status_code == 404
