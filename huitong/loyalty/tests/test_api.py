from datetime import timedelta

import pytest
from django.utils import timezone

from huitong.core.models import AuditEntry
from huitong.loyalty import services
from huitong.loyalty.models import EarnRule, GiftCard, PointsEntry
from huitong.loyalty.tests.conftest import ACTOR

pytestmark = pytest.mark.django_db
BASE = "/api/v1/loyalty"


def earn(customer, store, paid_fen, reference):
    services.earn_points(
        customer_id=customer.pk,
        reference=reference,
        store_id=store.pk,
        paid_fen=paid_fen,
        at=timezone.now(),
        actor=ACTOR,
    )


def test_points_summary_ledger_and_lots(api_client, customer, store):
    earn(customer, store, 12345, "SO1")
    services.redeem_points(customer_id=customer.pk, points=100, reference="P1", actor=ACTOR)
    client = api_client("customer_service")
    r = client.get(f"{BASE}/members/{customer.pk}/points")
    assert r.status_code == 200
    assert r.json() == {"customer_id": customer.pk, "balance": 23, "debt": 0, "redeem_value_fen": 23}
    r = client.get(f"{BASE}/members/{customer.pk}/points/entries?limit=1")
    body = r.json()
    assert body["count"] == 2 and [e["kind"] for e in body["items"]] == ["redeem"]
    r = client.get(f"{BASE}/members/{customer.pk}/points/lots")
    assert [(lot["points"], lot["remaining"]) for lot in r.json()] == [(123, 23)]
    assert client.get(f"{BASE}/members/999999/points").json()["code"] == "customer_not_found"
    assert client.get(f"{BASE}/members/999999/points/entries").status_code == 404


def test_manual_adjustment_admin_only_and_audited(api_client, customer):
    body = {"points": 500, "reason": "活动补发", "reference": "ADJ-1"}
    assert (
        api_client("operator")
        .post(f"{BASE}/members/{customer.pk}/points/adjustments", body, content_type="application/json")
        .status_code
        == 403
    )
    r = api_client("admin").post(
        f"{BASE}/members/{customer.pk}/points/adjustments", body, content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["points"] == 500
    assert AuditEntry.objects.filter(object_type="loyalty.pointsentry", reason="活动补发").exists()
    r = api_client("admin", username="admin2").post(
        f"{BASE}/members/{customer.pk}/points/adjustments",
        {**body, "points": -501, "reference": "ADJ-2"},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["code"] == "insufficient_points"
    assert PointsEntry.objects.count() == 1


def test_earn_rules_crud(api_client, store):
    client = api_client("operator")
    r = client.post(
        f"{BASE}/earn-rules",
        {"name": "门店双倍", "platform": "pos", "points_per_yuan": "2"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    rule_id = r.json()["id"]
    r = client.post(
        f"{BASE}/earn-rules",
        {"name": "重复", "platform": "pos", "points_per_yuan": "3"},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["code"] == "duplicate_earn_rule"
    r = client.post(
        f"{BASE}/earn-rules",
        {"name": "两者", "platform": "pos", "store_id": store.pk, "points_per_yuan": "3"},
        content_type="application/json",
    )
    assert r.status_code == 422 and "platform" in r.json()["detail"]["fields"]
    r = client.post(
        f"{BASE}/earn-rules", {"name": "x", "points_per_yuan": "-1"}, content_type="application/json"
    )
    assert r.status_code == 422
    r = client.put(
        f"{BASE}/earn-rules/{rule_id}",
        {"name": "旗舰", "store_id": store.pk, "points_per_yuan": "1.5"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["store_id"] == store.pk
    assert client.get(f"{BASE}/earn-rules").json()[0]["points_per_yuan"] in ("1.50", "1.5", 1.5)
    assert (
        api_client("warehouse")
        .post(f"{BASE}/earn-rules", {"name": "x", "points_per_yuan": "1"}, content_type="application/json")
        .status_code
        == 403
    )
    assert client.delete(f"{BASE}/earn-rules/{rule_id}").status_code == 204
    assert client.delete(f"{BASE}/earn-rules/{rule_id}").status_code == 404
    assert not EarnRule.objects.exists()


def test_redeem_config(api_client):
    client = api_client("operator")
    assert client.get(f"{BASE}/redeem-config").json() == {
        "points_per_yuan": 100,
        "max_share_percent": 50,
        "step": 100,
    }
    r = client.put(
        f"{BASE}/redeem-config",
        {"points_per_yuan": 200, "max_share_percent": 30, "step": 10},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["max_share_percent"] == 30
    r = client.put(
        f"{BASE}/redeem-config",
        {"points_per_yuan": 0, "max_share_percent": 101, "step": 10},
        content_type="application/json",
    )
    assert r.status_code == 422 and set(r.json()["detail"]["fields"]) == {
        "points_per_yuan",
        "max_share_percent",
    }
    assert client.get(f"{BASE}/redeem-config").json()["points_per_yuan"] == 200


def test_stored_value_endpoints(api_client, customer):
    finance = api_client("finance")
    r = finance.post(
        f"{BASE}/members/{customer.pk}/stored-value/top-ups",
        {"amount_fen": 10000, "reference": "TU1"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["balance_fen"] == 10000
    r = finance.post(
        f"{BASE}/members/{customer.pk}/stored-value/top-ups",
        {"amount_fen": 0, "reference": "TU2"},
        content_type="application/json",
    )
    assert r.status_code == 422 and "amount_fen" in r.json()["detail"]["fields"]
    assert (
        api_client("operator")
        .post(
            f"{BASE}/members/{customer.pk}/stored-value/top-ups",
            {"amount_fen": 1, "reference": "TU3"},
            content_type="application/json",
        )
        .status_code
        == 403
    )
    assert finance.get(f"{BASE}/members/{customer.pk}/stored-value").json()["balance_fen"] == 10000
    entries = finance.get(f"{BASE}/members/{customer.pk}/stored-value/entries").json()
    assert entries["count"] == 1 and entries["items"][0]["kind"] == "top_up"


def test_gift_card_issue_lookup_void(api_client):
    finance = api_client("finance")
    expires = (timezone.now() + timedelta(days=30)).isoformat()
    r = finance.post(
        f"{BASE}/gift-card-batches",
        {"name": "中秋卡", "face_value_fen": 20000, "quantity": 3, "expires_at": expires},
        content_type="application/json",
    )
    assert r.status_code == 201
    cards = r.json()["cards"]
    assert len(cards) == 3 and all(len(c["pin"]) == 8 for c in cards)
    card_no = cards[0]["card_no"]
    r = finance.get(f"{BASE}/gift-cards/{card_no}")
    body = r.json()
    assert body["card_no_masked"] == f"{card_no[:4]}{'*' * 8}{card_no[-4:]}" and "pin" not in body
    assert (body["balance_fen"], body["status"], body["locked"]) == (20000, "active", False)
    assert finance.get(f"{BASE}/gift-cards/HT00").status_code == 404
    r = finance.post(f"{BASE}/gift-cards/{card_no}/void", {"reason": "遗失"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "void"
    r = finance.post(f"{BASE}/gift-cards/{card_no}/void", {"reason": "遗失"}, content_type="application/json")
    assert r.status_code == 409
    assert (
        api_client("customer_service")
        .post(f"{BASE}/gift-card-batches", {}, content_type="application/json")
        .status_code
        == 403
    )
    r = finance.post(
        f"{BASE}/gift-card-batches",
        {"name": "x", "face_value_fen": 1, "quantity": 0, "expires_at": expires},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert GiftCard.objects.count() == 3


def test_unlock_is_admin_only(api_client):
    issued = services.issue_gift_cards(
        name="卡", face_value_fen=100, quantity=1, expires_at=timezone.now() + timedelta(days=1), actor=ACTOR
    )
    card_no = issued.cards[0].card_no
    GiftCard.objects.filter(card_no=card_no).update(pin_failures=5)
    assert (
        api_client("finance")
        .post(f"{BASE}/gift-cards/{card_no}/unlock", {"reason": "核实"}, content_type="application/json")
        .status_code
        == 403
    )
    r = api_client("admin").post(
        f"{BASE}/gift-cards/{card_no}/unlock", {"reason": "核实"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["locked"] is False


def test_reads_need_a_role(api_client, customer, client):
    assert client.get(f"{BASE}/members/{customer.pk}/points").status_code == 401
    assert api_client("warehouse").get(f"{BASE}/members/{customer.pk}/points").status_code == 403
    assert api_client("warehouse", username="w2").get(f"{BASE}/gift-cards/HT1").status_code == 403
