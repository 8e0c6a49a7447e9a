"""The members staff API: each endpoint, error mapping, the permission matrix and phone masking."""

import json

import pytest
from django.test import Client

from huitong.members import services
from huitong.members.models import Customer, MemberMerge, Tier
from huitong.members.tests.conftest import at

pytestmark = pytest.mark.django_db
BASE = "/api/v1/members"


def call(client, method, url, body=None):
    if body is None:
        return getattr(client, method)(f"{BASE}{url}")
    return getattr(client, method)(f"{BASE}{url}", json.dumps(body), content_type="application/json")


@pytest.fixture
def clients(api_client):
    return {
        role: api_client(role) for role in ("admin", "operator", "customer_service", "finance", "warehouse")
    }


def test_members_through_the_api(clients):
    cs, op, admin = clients["customer_service"], clients["operator"], clients["admin"]
    r = call(cs, "post", "", {"phone": "138 0000 0000", "name": "张三"})
    assert r.status_code == 201
    member = r.json()
    assert (member["phone"], member["display_name"], member["tier_code"], member["status"]) == (
        "13800000000",
        "张三",
        "normal",
        "active",
    )
    assert len(member["card_no"]) == 16 and member["rfm"] is None
    member_id = member["id"]
    assert call(op, "get", f"/{member_id}").json()["phone"] == "138****0000"
    assert call(admin, "get", f"/{member_id}").json()["phone"] == "13800000000"
    assert call(clients["finance"], "get", f"/{member_id}").json()["phone"] == "138****0000"

    nick = services.identify_member(platform="taobao", nick="茶友")
    services.record_purchase(
        customer_id=member_id, reference="T-1", store_id=1, amount_fen=600_000, at=at(2026, 11, 20)
    )
    found = call(op, "get", "?phone=%2B86%20138-0000-0000").json()
    assert found["count"] == 1 and found["items"][0]["id"] == member_id
    assert call(op, "get", f"?card_no={member['card_no']}").json()["items"][0]["id"] == member_id
    assert call(op, "get", "?name=张").json()["count"] == 1
    assert call(op, "get", "?tier=gold").json()["count"] == 1
    assert call(op, "get", "").json()["count"] == 2
    r = call(op, "get", "?phone=123")
    assert r.status_code == 422 and "phone" in r.json()["detail"]["fields"]

    identities = call(op, "get", f"/{member_id}/identities").json()
    assert [(i["kind"], i["value"]) for i in identities] == [("phone", "138****0000")]
    assert call(cs, "get", f"/{member_id}/identities").json()[0]["value"] == "13800000000"

    r = call(cs, "post", "/merges", {"source_id": nick, "target_id": member_id, "reason": "同一人"})
    assert r.status_code == 201 and r.json()["status"] == "merged"
    merge_id = r.json()["id"]
    r = call(cs, "post", "/merges", {"source_id": nick, "target_id": member_id, "reason": "同一人"})
    assert r.status_code == 409 and r.json()["code"] == "customer_merged"
    assert call(op, "get", f"/merges?customer_id={member_id}").json()["count"] == 1
    assert call(cs, "post", f"/merges/{merge_id}/undo", {"reason": "x"}).status_code == 403
    r = call(admin, "post", f"/merges/{merge_id}/undo", {"reason": "分开"})
    assert r.status_code == 200 and r.json()["status"] == "undone"
    r = call(admin, "post", f"/merges/{merge_id}/undo", {"reason": "分开"})
    assert r.status_code == 409 and r.json()["code"] == "member_merge_already_undone"

    tiers = call(op, "get", "/tiers").json()
    assert [t["code"] for t in tiers] == ["normal", "silver", "gold", "black"]
    silver = tiers[1]["id"]
    r = call(op, "patch", f"/tiers/{silver}", {"min_spend_fen": 150_000, "member_discount_percent": 97})
    assert r.status_code == 200 and (r.json()["min_spend_fen"], r.json()["member_discount_percent"]) == (
        150_000,
        97,
    )
    r = call(op, "patch", f"/tiers/{silver}", {"min_spend_fen": 9_000_000})
    assert r.status_code == 422 and "min_spend_fen" in r.json()["detail"]["fields"]
    assert Tier.objects.get(pk=silver).min_spend_fen == 150_000

    r = call(op, "post", "/rfm/recompute", {})
    assert r.status_code == 200 and r.json()["scored"] == 1
    assert sum(s["count"] for s in call(op, "get", "/segments").json()) == 1
    segment = call(op, "get", f"/{member_id}").json()["rfm"]["segment"]
    assert call(op, "get", f"?segment={segment}").json()["count"] == 1
    r = call(op, "get", "?segment=vip")
    assert r.status_code == 422

    png = call(op, "get", f"/{member_id}/card.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png" and png.content[:4] == b"\x89PNG"


def test_refusals_map_to_4xx_and_change_nothing(clients, unchanged):
    cs, admin = clients["customer_service"], clients["admin"]
    member = services.identify_member(phone="13800000000")
    with unchanged():
        assert call(cs, "get", "/999999").status_code == 404
        r = call(cs, "post", "", {"phone": "13800000000"})
        assert r.status_code == 409 and r.json()["code"] == "identity_taken"
        r = call(cs, "post", "", {"phone": "abc"})
        assert r.status_code == 422 and "phone" in r.json()["detail"]["fields"]
        r = call(cs, "post", "/merges", {"source_id": member, "target_id": member, "reason": "x"})
        assert r.status_code == 422 and "target_id" in r.json()["detail"]["fields"]
        r = call(cs, "post", "/merges", {"source_id": member, "target_id": 999999, "reason": "x"})
        assert r.status_code == 404 and r.json()["code"] == "customer_not_found"
        assert call(admin, "post", "/merges/999999/undo", {"reason": "x"}).status_code == 404
        assert call(admin, "patch", "/tiers/999999", {"name": "x"}).status_code == 404
    assert Customer.objects.count() == 1 and MemberMerge.objects.count() == 0


@pytest.mark.parametrize(
    ("method", "url", "body", "allowed"),
    [
        ("get", "", None, {"admin", "operator", "customer_service", "finance"}),
        ("get", "/{m}", None, {"admin", "operator", "customer_service", "finance"}),
        ("get", "/{m}/identities", None, {"admin", "operator", "customer_service", "finance"}),
        ("get", "/{m}/card.png", None, {"admin", "operator", "customer_service", "finance"}),
        ("get", "/tiers", None, {"admin", "operator", "customer_service", "finance"}),
        ("get", "/segments", None, {"admin", "operator", "customer_service", "finance"}),
        ("get", "/merges", None, {"admin", "operator", "customer_service", "finance"}),
        ("post", "", {"phone": "13900000000"}, {"admin", "operator", "customer_service"}),
        (
            "post",
            "/merges",
            {"source_id": "{n}", "target_id": "{m}", "reason": "x"},
            {"admin", "operator", "customer_service"},
        ),
        ("patch", "/tiers/{t}", {"name": "银卡"}, {"admin", "operator"}),
        ("post", "/rfm/recompute", {}, {"admin", "operator"}),
    ],
)
def test_permission_matrix(clients, method, url, body, allowed):
    member = services.identify_member(phone="13800000000")
    nick = services.identify_member(platform="taobao", nick="茶友")
    tier = Tier.objects.get(code="silver").pk
    fill = {"{m}": str(member), "{n}": str(nick), "{t}": str(tier)}
    for key, value in fill.items():
        url = url.replace(key, value)
    if body:
        body = {k: int(fill.get(v, v)) if v in fill else v for k, v in body.items()}
    for role in sorted(set(clients) - allowed):
        assert call(clients[role], method, url, body).status_code == 403, role
    assert call(Client(), method, url, body).status_code == 401
    for role in (
        sorted(allowed)
        if method == "get"
        else ["customer_service" if "customer_service" in allowed else "operator"]
    ):
        assert call(clients[role], method, url, body).status_code < 400, role


def test_only_admins_undo_merges(clients, system_actor):
    a, b = services.identify_member(openid="a"), services.identify_member(openid="b")
    merge = services.merge_members(source_id=a, target_id=b, actor=system_actor, reason="同一人")
    for role in ("operator", "customer_service", "finance", "warehouse"):
        assert call(clients[role], "post", f"/merges/{merge.pk}/undo", {"reason": "x"}).status_code == 403
    assert MemberMerge.objects.get().status == "merged"
    assert call(clients["admin"], "post", f"/merges/{merge.pk}/undo", {"reason": "x"}).status_code == 200
