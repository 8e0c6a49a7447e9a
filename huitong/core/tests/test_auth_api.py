import json

import pytest
from django.test import Client
from django.utils import timezone

from huitong.core.models import ApiToken
from huitong.core.services import revoke_token


@pytest.mark.django_db
def test_issue_token_and_use_it(make_staff):
    make_staff(username="wh", roles=("warehouse",))
    client = Client()
    resp = client.post("/api/v1/auth/token", json.dumps({"username": "wh", "password": "pw-123456"}),
                       content_type="application/json")
    assert resp.status_code == 200
    body = resp.json()
    assert body["roles"] == ["warehouse"] and body["token"].startswith("ht_")
    assert not ApiToken.objects.filter(key_hash=body["token"]).exists()  # only the hash is stored
    ok = client.get("/api/v1/inventory/locations", headers={"Authorization": f"Bearer {body['token']}"})
    assert ok.status_code == 200


@pytest.mark.django_db
def test_wrong_password_is_401_with_envelope(make_staff):
    make_staff(username="op")
    resp = Client().post("/api/v1/auth/token", json.dumps({"username": "op", "password": "nope"}),
                         content_type="application/json")
    assert resp.status_code == 401
    assert resp.json()["code"] == "authentication_failed"


@pytest.mark.django_db
def test_missing_fields_are_422_with_field_messages():
    resp = Client().post("/api/v1/auth/token", json.dumps({"username": "x"}), content_type="application/json")
    assert resp.status_code == 422
    assert "password" in resp.json()["detail"]["fields"]


@pytest.mark.django_db
def test_no_bad_expired_or_revoked_token_is_401(api_client):
    assert Client().get("/api/v1/inventory/locations").status_code == 401
    bad = Client(headers={"Authorization": "Bearer ht_nonsense"})
    assert bad.get("/api/v1/inventory/locations").json()["code"] == "not_authenticated"
    client = api_client("operator")
    assert client.get("/api/v1/inventory/locations").status_code == 200
    ApiToken.objects.update(expires_at=timezone.now())
    assert client.get("/api/v1/inventory/locations").status_code == 401


@pytest.mark.django_db
def test_revoke(make_staff):
    from huitong.core.services import issue_token

    make_staff(username="cs", roles=("customer_service",))
    token = issue_token(username="cs", password="pw-123456").token
    assert revoke_token(token=token)
    resp = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/inventory/locations")
    assert resp.status_code == 401


@pytest.mark.django_db
def test_wrong_role_is_403(api_client):
    resp = api_client("finance").post("/api/v1/inventory/receipts", json.dumps(
        {"sku_id": 1, "location_id": 1, "quantity": 1, "reference": "r"}), content_type="application/json")
    assert resp.status_code == 403
    assert resp.json()["code"] == "permission_denied"
