"""The marketing API: each endpoint once, error mapping (nothing changed), and the permission matrix."""

import json

import pytest

from huitong.marketing.models import Campaign, Coupon, CouponTemplate, MemberPrice, Promotion

pytestmark = pytest.mark.django_db
BASE = "/api/v1/marketing"


def call(client, method, url, body=None):
    if body is None:
        return getattr(client, method)(f"{BASE}{url}")
    return getattr(client, method)(f"{BASE}{url}", json.dumps(body), content_type="application/json")


@pytest.fixture
def clients(api_client):
    return {role: api_client(role) for role in ("operator", "customer_service", "warehouse", "admin")}


def test_promotions_member_prices_and_quote(shop, clients):
    op, cs = clients["operator"], clients["customer_service"]
    body = {
        "name": "满199减20",
        "kind": "threshold_off",
        "params": {"tiers": [[19900, 2000]]},
        "starts_at": "2020-01-01T00:00:00+08:00",
        "scope": {"category_ids": [shop.tea.pk]},
    }
    r = call(op, "post", "/promotions", body)
    assert r.status_code == 201 and r.json()["stage"] == 3
    promotion_id = r.json()["id"]
    assert call(cs, "get", "/promotions").json()["count"] == 1
    assert call(cs, "get", f"/promotions/{promotion_id}").json()["name"] == "满199减20"
    r = call(op, "put", f"/promotions/{promotion_id}", {**body, "priority": 5})
    assert r.status_code == 200 and r.json()["priority"] == 5
    r = call(op, "put", f"/member-prices/{shop.longjing.pk}/gold", {"price_fen": 9000})
    assert r.status_code == 200 and r.json()["price_fen"] == 9000
    assert call(cs, "get", f"/member-prices?sku_id={shop.longjing.pk}").json()["count"] == 1

    quote = {
        "store_id": shop.web.pk,
        "customer_id": shop.alice.pk,
        "lines": [{"sku_id": shop.longjing.pk, "quantity": 3}, {"sku_id": shop.cup.pk, "quantity": 1}],
    }
    r = call(cs, "post", "/quote", quote)
    assert r.status_code == 200, r.content
    priced = r.json()
    # tea only counts towards the 满减: 3 × 9000 member price ≥ 199; the cup (2375 at 95%) is not in scope
    assert (priced["subtotal_fen"], priced["total_fen"]) == (32500, 27000 - 2000 + 2375)
    assert [(a["kind"], a["reason"], a["amount_fen"]) for a in priced["adjustments"]] == [
        ("member_price", "金卡价", 3125),
        ("threshold_off", "满199减20", 2000),
    ]
    assert priced["adjustments"][1]["lines"] == [{"line": 0, "amount_fen": 2000}]
    assert sum(line["amount_fen"] for line in priced["lines"]) == priced["total_fen"]

    r = call(op, "post", f"/promotions/{promotion_id}/active", {"is_active": False})
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert call(cs, "post", "/quote", quote).json()["total_fen"] == 27000 + 2375
    assert call(op, "delete", f"/member-prices/{shop.longjing.pk}/gold").status_code == 204


def test_coupons_and_campaigns(shop, clients):
    op, cs = clients["operator"], clients["customer_service"]
    r = call(
        op,
        "post",
        "/coupon-templates",
        {
            "name": "9折券",
            "kind": "percent",
            "pay_percent": 90,
            "cap_fen": 500,
            "valid_days": 7,
            "total_quantity": 10,
        },
    )
    assert r.status_code == 201
    template_id = r.json()["id"]
    assert call(cs, "get", f"/coupon-templates/{template_id}").json()["issued_count"] == 0
    assert call(cs, "get", "/coupon-templates").json()["count"] == 1
    r = call(op, "post", f"/coupon-templates/{template_id}/issue", {"customer_id": shop.alice.pk})
    assert r.status_code == 201 and r.json()["template_name"] == "9折券"
    code = r.json()["code"]
    r = call(cs, "post", f"/coupon-templates/{template_id}/claim", {"customer_id": shop.bob.pk})
    assert r.status_code == 201
    assert call(cs, "post", f"/coupon-templates/{template_id}/claim", {"customer_id": shop.bob.pk}).json()[
        "code"
    ] == ("coupon_limit_reached")
    r = call(op, "post", f"/coupon-templates/{template_id}/codes", {"count": 2})
    assert r.status_code == 201 and len(r.json()) == 2 and r.json()[0]["customer_id"] is None
    assert call(cs, "get", f"/coupons/{code}").json()["status"] == "issued"
    assert call(cs, "get", f"/coupons?customer_id={shop.alice.pk}").json()["count"] == 1
    r = call(
        cs,
        "post",
        "/quote",
        {
            "store_id": shop.web.pk,
            "customer_id": shop.alice.pk,
            "coupon_codes": [code],
            "lines": [{"sku_id": shop.cup.pk, "quantity": 1}],
        },
    )
    assert (
        r.json()["adjustments"][-1]["reason"] == "优惠券9折(最高减5)" and r.json()["total_fen"] == 2375 - 238
    )
    r = call(op, "post", f"/coupons/{code}/void", {"reason": "测试"})
    assert r.status_code == 200 and r.json()["status"] == "void"
    assert (
        call(op, "post", f"/coupon-templates/{template_id}/active", {"is_active": False}).json()["is_active"]
        is False
    )

    template_id = shop.template().pk
    r = call(op, "post", "/campaigns", {"name": "回馈", "template_id": template_id, "segment": "champions"})
    assert r.status_code == 201 and r.json()["status"] == "draft"
    campaign_id = r.json()["id"]
    r = call(op, "post", f"/campaigns/{campaign_id}/run", {"batch_size": 10})
    assert r.status_code == 200 and r.json()["issued"] == 1
    assert call(cs, "get", f"/campaigns/{campaign_id}").json()["status"] == "completed"
    assert call(cs, "get", "/campaigns").json()["count"] == 1
    report = call(cs, "get", f"/campaigns/{campaign_id}/report").json()
    assert (report["issued"], report["used"], report["revenue_fen"]) == (1, 0, 0)


def test_errors_are_4xx_with_field_messages_and_change_nothing(shop, clients):
    op = clients["operator"]
    r = call(
        op,
        "post",
        "/promotions",
        {
            "name": "x",
            "kind": "multi_buy",
            "params": {"min_quantity": 0},
            "starts_at": "2020-01-01T00:00:00Z",
        },
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_promotion"
    assert set(r.json()["detail"]["fields"]) == {"params.min_quantity", "params.pay_percent"}
    r = call(op, "post", "/promotions", {"name": "x"})
    assert r.status_code == 422 and "kind" in r.json()["detail"]["fields"]
    assert call(op, "get", "/promotions/999999").status_code == 404
    r = call(op, "post", "/coupon-templates", {"name": "x", "kind": "fixed", "value_fen": 0})
    assert r.status_code == 422 and set(r.json()["detail"]["fields"]) == {"value_fen", "valid_until"}
    assert call(op, "get", "/coupons/NOPE").json()["code"] == "coupon_not_found"
    assert (
        call(op, "post", "/coupon-templates/999999/issue", {"customer_id": shop.alice.pk}).status_code == 404
    )
    r = call(op, "post", "/quote", {"store_id": shop.web.pk, "lines": [{"sku_id": 999999, "quantity": 1}]})
    assert r.status_code == 422 and r.json()["detail"]["fields"] == {"lines[0].sku_id": "SKU 不存在或已停售"}
    r = call(op, "put", f"/member-prices/{shop.cup.pk}/gold", {"price_fen": 99999})
    assert r.status_code == 422
    r = call(op, "post", "/campaigns", {"name": "x", "template_id": 999999, "segment": "champions"})
    assert r.status_code == 422
    assert call(op, "get", "/campaigns/999999/report").status_code == 404
    assert (
        Promotion.objects.count(),
        CouponTemplate.objects.count(),
        Coupon.objects.count(),
        MemberPrice.objects.count(),
        Campaign.objects.count(),
    ) == (0, 0, 0, 0, 0)


def test_permission_matrix(shop, clients, client):
    template = shop.template()
    body = {
        "name": "x",
        "kind": "second_item",
        "params": {"pay_percent": 50},
        "starts_at": "2020-01-01T00:00:00Z",
    }
    writes = [
        ("post", "/promotions", body),
        ("put", f"/member-prices/{shop.cup.pk}/gold", {"price_fen": 100}),
        ("post", f"/coupon-templates/{template.pk}/issue", {"customer_id": shop.bob.pk}),
        ("post", "/campaigns", {"name": "c", "template_id": template.pk, "segment": "champions"}),
    ]
    reads = [
        ("get", "/promotions", None),
        ("get", "/coupons", None),
        ("post", "/quote", {"store_id": shop.web.pk, "lines": [{"sku_id": shop.cup.pk, "quantity": 1}]}),
    ]
    for method, url, payload in writes:
        assert call(clients["customer_service"], method, url, payload).status_code == 403, url
        assert call(clients["warehouse"], method, url, payload).status_code == 403, url
        assert call(client, method, url, payload).status_code == 401, url
    for method, url, payload in reads:
        assert call(clients["customer_service"], method, url, payload).status_code == 200, url
        assert call(clients["warehouse"], method, url, payload).status_code == 403, url
    for method, url, payload in writes:
        assert call(clients["admin"], method, url, payload).status_code in (200, 201), url
