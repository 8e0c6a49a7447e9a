import json

import pytest
from django.urls import reverse

from huitong.aftersales.models import AfterSalesRequest, RequestStatus
from huitong.inventory import selectors as inventory_selectors
from huitong.payments.models import Payment

pytestmark = pytest.mark.django_db
S = RequestStatus
BASE = "/api/v1/aftersales"


def post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def body(order, quantity=1, **extra):
    line = order.lines.get(line_no=1)
    return {"order_id": order.pk, "kind": "return_refund", "reason": "quality",
            "lines": [{"order_line_id": line.pk, "quantity": quantity}], "evidence_note": "开线", **extra}


def test_a_return_through_the_api(api_client, shop):
    cs, wh, fin = api_client("customer_service"), api_client("warehouse"), api_client("finance")
    order = shop.shipped((shop.sku_a.pk, 2))
    allowances = cs.get(f"{BASE}/orders/{order.pk}/allowances").json()
    assert allowances[0]["returnable_quantity"] == 2 and allowances[0]["remaining_fen"] == 5980
    r = post(cs, f"{BASE}/requests", body(order))
    assert r.status_code == 201, r.json()
    created = r.json()
    assert (created["status"], created["kind_label"], created["reason_label"], created["refund_fen"]) == (
        "requested", "退货退款", "质量问题", 2990)
    assert created["order_number"] == order.number and created["lines"][0]["line_no"] == 1
    rid = created["id"]
    assert post(cs, f"{BASE}/requests/{rid}/approve", {"note": "同意退货"}).json()["status"] == "approved"
    line_id = created["lines"][0]["id"]
    received = post(wh, f"{BASE}/requests/{rid}/receive",
                    {"lines": [{"line_id": line_id, "resellable": 1}], "carrier_code": "ZTO", "waybill_no": "73100"})
    assert received.status_code == 200 and received.json()["lines"][0]["resellable_quantity"] == 1
    refunded = post(fin, f"{BASE}/requests/{rid}/refund")
    assert refunded.json()["status"] == "refunded" and refunded.json()["refunded_fen"] == 2990
    assert post(cs, f"{BASE}/requests/{rid}/close", {"note": "完结"}).json()["status"] == "closed"
    history = cs.get(f"{BASE}/requests/{rid}/history").json()
    assert [h["to_state"] for h in history] == ["requested", "approved", "goods_received", "refunded", "closed"]
    listed = cs.get(f"{BASE}/requests?status=closed").json()
    assert listed["count"] == 1 and listed["items"][0]["number"] == created["number"]
    assert cs.get(f"{BASE}/requests?search={order.number}").json()["count"] == 1
    assert cs.get(f"{BASE}/requests?status=requested").json()["count"] == 0
    assert Payment.objects.get().refunded_fen == 2990 and inventory_selectors.ledger_discrepancies() == []


def test_exchange_reject_and_cancel_through_the_api(api_client, shop):
    cs, wh = api_client("customer_service"), api_client("warehouse")
    order = shop.shipped((shop.sku_a.pk, 3))
    rid = post(cs, f"{BASE}/requests", body(order, kind="exchange")).json()["id"]
    post(cs, f"{BASE}/requests/{rid}/approve")
    line_id = AfterSalesRequest.objects.get(pk=rid).lines.get().pk
    post(wh, f"{BASE}/requests/{rid}/receive", {"lines": [{"line_id": line_id, "damaged": 1}]})
    exchanged = post(cs, f"{BASE}/requests/{rid}/exchange").json()
    assert exchanged["status"] == "exchanged" and exchanged["replacement_order_number"]
    other = post(cs, f"{BASE}/requests", body(order, kind="refund_only")).json()["id"]
    assert post(cs, f"{BASE}/requests/{other}/reject", {"reason": "已超时"}).json()["status"] == "rejected"
    third = post(cs, f"{BASE}/requests", body(order, kind="refund_only")).json()["id"]
    assert post(cs, f"{BASE}/requests/{third}/cancel").json()["status"] == "cancelled"


def test_errors_are_mapped_and_change_nothing(api_client, shop):
    cs = api_client("customer_service")
    order = shop.shipped((shop.sku_a.pk, 2))
    r = post(cs, f"{BASE}/requests", body(order, refund_fen=2991))
    assert r.status_code == 422 and r.json()["code"] == "refund_exceeds_paid"
    r = post(cs, f"{BASE}/requests", body(order, quantity=3))
    assert r.status_code == 409 and r.json()["code"] == "quantity_exceeds_returnable"
    r = post(cs, f"{BASE}/requests", body(order, quantity=0))
    assert r.status_code == 422 and "lines[0].quantity" in r.json()["detail"]["fields"]
    r = post(cs, f"{BASE}/requests", body(order, kind="swap"))
    assert r.status_code == 422 and "kind" in r.json()["detail"]["fields"]
    r = post(cs, f"{BASE}/requests", body(order, order_id=999999))
    assert r.status_code == 404 and r.json()["code"] == "order_not_found"
    assert not AfterSalesRequest.objects.exists()
    rid = post(cs, f"{BASE}/requests", body(order)).json()["id"]
    r = post(api_client("finance"), f"{BASE}/requests/{rid}/refund")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    r = post(cs, f"{BASE}/requests/{rid}/reject", {"reason": ""})
    assert r.status_code == 422
    assert AfterSalesRequest.objects.get(pk=rid).status == S.REQUESTED
    assert cs.get(f"{BASE}/requests/999999").status_code == 404
    assert post(cs, f"{BASE}/requests/999999/approve").json()["code"] == "aftersales_request_not_found"
    assert not Payment.objects.filter(refunded_fen__gt=0).exists()


def test_permission_matrix(api_client, shop):
    order = shop.shipped((shop.sku_a.pk, 2))
    clients = {role: api_client(role) for role in ("operator", "warehouse", "customer_service", "finance")}
    clients["none"] = api_client()
    rid = post(clients["customer_service"], f"{BASE}/requests", body(order)).json()["id"]
    line_id = AfterSalesRequest.objects.get(pk=rid).lines.get().pk
    steps = [
        ("requests", body(order), "customer_service"),
        (f"requests/{rid}/approve", {}, "customer_service"),
        (f"requests/{rid}/receive", {"lines": [{"line_id": line_id, "resellable": 1}]}, "warehouse"),
        (f"requests/{rid}/refund", {}, "finance"),
        (f"requests/{rid}/close", {}, "customer_service"),
    ]
    for path, payload, allowed in steps:
        for role, client in clients.items():
            if role != allowed:
                assert post(client, f"{BASE}/{path}", payload).status_code == 403, (path, role)
        assert post(clients[allowed], f"{BASE}/{path}", payload).status_code in (200, 201), path
    for role in ("reject", "cancel", "exchange"):
        assert post(clients["warehouse"], f"{BASE}/requests/{rid}/{role}", {"reason": "x"}).status_code == 403
        assert post(clients["finance"], f"{BASE}/requests/{rid}/{role}", {"reason": "x"}).status_code == 403
    for client in clients.values():
        assert client.get(f"{BASE}/requests/{rid}").status_code == 200
    assert api_client("admin").get(f"{BASE}/requests").status_code == 200
    from django.test import Client
    assert Client().get(f"{BASE}/requests").status_code == 401


def test_list_is_a_constant_number_of_queries(api_client, shop, django_assert_max_num_queries):
    cs = api_client("customer_service")
    for _ in range(4):
        order = shop.shipped((shop.sku_a.pk, 1))
        post(cs, f"{BASE}/requests", body(order))
    with django_assert_max_num_queries(8):
        assert cs.get(f"{BASE}/requests?limit=50").json()["count"] == 4


def test_admin_queue_opens_and_its_actions_call_the_services(admin_client, shop):
    order = shop.shipped((shop.sku_a.pk, 1))
    request = shop.request(order, kind="refund_only")
    url = reverse("admin:aftersales_aftersalesrequest_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(reverse("admin:aftersales_aftersalesrequest_change", args=[request.pk])).status_code == 200
    for action in ("approve_requests", "refund_requests", "close_requests"):
        admin_client.post(url, {"action": action, "_selected_action": [request.pk]})
    request.refresh_from_db()
    assert (request.status, request.refunded_fen) == (S.CLOSED, 2990)
    admin_client.post(url, {"action": "approve_requests", "_selected_action": [request.pk]})  # refused: a message
    request.refresh_from_db()
    assert request.status == S.CLOSED
