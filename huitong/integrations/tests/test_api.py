import hashlib
import hmac
import json

import pytest
from django.test import Client

from huitong.core.models import OutboxMessage
from huitong.integrations.models import PullLog
from huitong.integrations.tests.memory_adapter import T0, MemoryAdapter, order
from huitong.orders.models import Order

pytestmark = pytest.mark.django_db


def put(client, url, body):
    return client.put(url, json.dumps(body), content_type="application/json")


def test_pull_now_status_and_logs(api_client, tmall):
    store, wh, sku = tmall
    from huitong.integrations.models import PullCursor

    PullCursor.objects.create(store=store, pulled_until=T0)
    MemoryAdapter.orders = {"A1": order("A1", minutes=5), "A2": order("A2", minutes=6, lines=[("ZZZ", 1, 100, 100)])}
    op = api_client("operator")
    r = op.post(f"/api/v1/integrations/stores/{store.pk}/pull")
    assert r.status_code == 200 and r.json()["new"] == 2
    status = op.get(f"/api/v1/integrations/stores/{store.pk}/status").json()
    assert status["unmapped_orders"] == 1 and status["last_pull_ok"] is True
    assert status["credentials"]["app_secret"] == "s3****ue"  # masked
    logs = op.get(f"/api/v1/integrations/stores/{store.pk}/pull-logs").json()
    assert logs["count"] == 1 and logs["items"][0]["new"] == 2
    assert api_client("warehouse").post(f"/api/v1/integrations/stores/{store.pk}/pull").status_code == 403


def test_mapping_by_api_releases_held_orders(api_client, tmall):
    store, wh, sku = tmall
    from huitong.core.actors import Actor
    from huitong.integrations import ingest

    ingest.ingest_order(store_id=store.pk, order=order("M1", lines=[("PLAT-9", 2, 500, 1000)]), source="pull",
                        actor=Actor.system("t"))
    assert Order.objects.get(external_id="M1").hold_reasons
    op = api_client("operator")
    r = put(op, f"/api/v1/integrations/stores/{store.pk}/mappings",
            {"merchant_code": "PLAT-9", "components": [{"sku_id": sku.pk, "quantity": 1}]})
    assert r.status_code == 200 and r.json()["components"] == [{"sku_id": sku.pk, "quantity": 1}]
    assert Order.objects.get(external_id="M1").hold_reasons == []
    bad = put(op, f"/api/v1/integrations/stores/{store.pk}/mappings",
              {"merchant_code": "X", "components": [{"sku_id": 999999, "quantity": 1}]})
    assert bad.status_code == 422 and "components[0].sku_id" in bad.json()["detail"]["fields"]
    listed = op.get(f"/api/v1/integrations/stores/{store.pk}/mappings").json()
    assert {m["merchant_code"] for m in listed["items"]} == {"PLAT-9"}


def test_rule_by_api_queues_pushes(api_client, tmall):
    store, wh, sku = tmall
    from huitong.channels import mappings

    mappings.set_mapping(store_id=store.pk, listing=mappings.Listing(item_id="1", sku_id="2"),
                         components=[mappings.Component(sku.pk, 1)])
    op = api_client("operator")
    r = put(op, f"/api/v1/integrations/stores/{store.pk}/publication-rules", {"percent": 80, "plus": 2})
    assert r.status_code == 200 and r.json()["percent"] == 80
    assert OutboxMessage.objects.filter(topic="channels.push_stock").exists()
    bad = put(op, f"/api/v1/integrations/stores/{store.pk}/publication-rules", {"minimum": 5, "maximum": 2})
    assert bad.status_code == 422 and "maximum" in bad.json()["detail"]["fields"]


def test_webhook_verifies_signature_and_is_idempotent(tmall):
    store, wh, sku = tmall
    MemoryAdapter.orders = {"W1": order("W1")}
    body = json.dumps({"orders": ["W1"]}).encode()
    sign = hmac.new(b"s3cret-value", body, hashlib.sha256).hexdigest()
    url = f"/api/v1/integrations/webhooks/{store.code}"
    tampered = Client().post(url, body + b" ", content_type="application/json",
                             headers={"X-Memory-Signature": sign})
    assert tampered.status_code == 401 and not Order.objects.exists()
    ok = Client().post(url, body, content_type="application/json", headers={"X-Memory-Signature": sign})
    assert ok.status_code == 200 and ok.json()[0]["outcome"] == "new"
    again = Client().post(url, body, content_type="application/json", headers={"X-Memory-Signature": sign})
    assert again.json()[0]["outcome"] == "unchanged" and Order.objects.count() == 1
    assert Client().post("/api/v1/integrations/webhooks/NOPE", body, content_type="application/json").status_code == 404
    assert not PullLog.objects.exists()
