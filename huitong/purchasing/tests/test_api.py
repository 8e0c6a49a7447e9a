"""The purchasing API: each endpoint once, error mapping, and the permission matrix."""

import json

import pytest
from django.test import Client

from huitong.inventory.models import StockMovement
from huitong.purchasing.models import Payable, PurchaseOrder, Receipt, Supplier, SupplierPayment

pytestmark = pytest.mark.django_db
BASE = "/api/v1/purchasing"


def call(client, method, url, body=None):
    if body is None:
        return getattr(client, method)(f"{BASE}{url}")
    return getattr(client, method)(f"{BASE}{url}", json.dumps(body), content_type="application/json")


@pytest.fixture
def clients(api_client):
    return {role: api_client(role) for role in ("operator", "warehouse", "finance", "customer_service")}


def test_supplier_to_payment_through_the_api(buying, clients):
    op, wh, fin = clients["operator"], clients["warehouse"], clients["finance"]
    r = call(op, "post", "/suppliers", {"code": "NEW", "name": "新供应商", "phone": "13812345678",
                                        "lead_time_days": 3, "payment_terms_days": 15})
    assert r.status_code == 201 and r.json()["phone"] == "13812345678"
    supplier_id = r.json()["id"]
    assert call(wh, "get", f"/suppliers/{supplier_id}").json()["phone"] == "138****5678"
    r = call(op, "patch", f"/suppliers/{supplier_id}", {"min_order_fen": 1000})
    assert r.status_code == 200 and r.json()["min_order_fen"] == 1000
    r = call(op, "put", f"/suppliers/{supplier_id}/prices/{buying.sku_a.pk}", {"cost_fen": 800, "min_order_quantity": 5})
    assert r.status_code == 200 and (r.json()["sku_code"], r.json()["cost_fen"]) == (buying.sku_a.code, 800)
    assert len(call(op, "get", f"/suppliers/{supplier_id}/prices").json()) == 1

    r = call(op, "post", "/purchase-orders", {"supplier_id": supplier_id, "location_id": buying.wh1.pk,
                                              "lines": [{"sku_id": buying.sku_a.pk, "quantity": 10}]})
    assert r.status_code == 201 and r.json()["status"] == "draft" and r.json()["total_fen"] == 8000
    po_id = r.json()["id"]
    r = call(op, "patch", f"/purchase-orders/{po_id}", {"lines": [{"sku_id": buying.sku_a.pk, "quantity": 12}]})
    assert r.status_code == 200 and r.json()["lines"][0]["quantity"] == 12
    assert call(op, "post", f"/purchase-orders/{po_id}/confirm", {}).json()["status"] == "confirmed"

    r = call(wh, "post", f"/purchase-orders/{po_id}/receipts", {"lines": [{"sku_id": buying.sku_a.pk, "quantity": 5}],
                                                                "key": "k1"})
    assert r.status_code == 201
    receipt = r.json()
    assert receipt["lines"][0]["cost_after_fen"] == 800 and receipt["total_fen"] == 4000
    again = call(wh, "post", f"/purchase-orders/{po_id}/receipts", {"lines": [{"sku_id": buying.sku_a.pk, "quantity": 5}],
                                                                    "key": "k1"})
    assert again.status_code == 200 and again.json()["id"] == receipt["id"]
    transit = call(wh, "get", "/in-transit").json()
    assert transit == [{"sku_id": buying.sku_a.pk, "sku_code": buying.sku_a.code, "quantity": 7,
                        "locations": [{"location_id": buying.wh1.pk, "location_code": "HZ", "quantity": 7}]}]
    assert call(wh, "get", f"/receipts?purchase_order_id={po_id}").json()["count"] == 1
    assert call(wh, "get", f"/receipts/{receipt['id']}").status_code == 200

    payables = call(fin, "get", f"/payables?supplier_id={supplier_id}").json()
    assert payables["count"] == 1 and payables["items"][0]["outstanding_fen"] == 4000
    payable_id = receipt["payable_id"]
    r = call(fin, "post", f"/payables/{payable_id}/payments", {"amount_fen": 1500, "reference": "B-1"})
    assert r.status_code == 201 and r.json()["payable"]["outstanding_fen"] == 2500
    summary = call(fin, "get", "/payables/by-supplier").json()
    assert (summary["outstanding_fen"], summary["overdue_fen"]) == (2500, 0)
    assert summary["suppliers"][0]["supplier_code"] == "NEW"
    assert call(fin, "get", f"/payables/{payable_id}").json()["paid_fen"] == 1500
    assert [p["reference"] for p in call(fin, "get", f"/payables/{payable_id}/payments").json()] == ["B-1"]

    r = call(op, "post", f"/purchase-orders/{po_id}/close", {"reason": "余下不要了"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    history = call(op, "get", f"/purchase-orders/{po_id}/history").json()
    assert [h["to_state"] for h in history] == ["draft", "draft", "confirmed", "partly_received", "closed"]


def test_refusals_are_4xx_with_codes_and_change_nothing(buying, clients):
    op, wh, fin = clients["operator"], clients["warehouse"], clients["finance"]
    po = buying.po((buying.sku_a.pk, 10))
    url = f"/purchase-orders/{po.pk}/receipts"
    r = call(wh, "post", url, {"lines": [{"sku_id": buying.sku_a.pk, "quantity": 11}]})
    assert r.status_code == 409 and r.json()["code"] == "over_receipt"
    assert r.json()["detail"]["lines"][0]["over_by"] == 1 and "lines[0].quantity" in r.json()["detail"]["fields"]
    r = call(wh, "post", url, {"lines": [{"sku_id": buying.sku_a.pk, "quantity": 0}]})
    assert r.status_code == 422 and "lines[0].quantity" in r.json()["detail"]["fields"]
    r = call(wh, "post", url, {"lines": []})
    assert r.status_code == 422
    assert not Receipt.objects.exists() and not StockMovement.objects.exists()

    r = call(wh, "post", url, {"lines": [{"sku_id": buying.sku_a.pk, "quantity": 11}], "allow_over": True})
    assert r.status_code == 201
    payable_id = r.json()["payable_id"]
    r = call(fin, "post", f"/payables/{payable_id}/payments", {"amount_fen": 11_001})
    assert r.status_code == 409 and r.json()["code"] == "payment_exceeds_outstanding"
    assert call(fin, "post", f"/payables/{payable_id}/payments", {"amount_fen": 0}).status_code == 422
    assert not SupplierPayment.objects.exists() and Payable.objects.get().paid_fen == 0

    r = call(op, "post", f"/purchase-orders/{po.pk}/cancel", {"reason": "x"})
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    assert call(op, "post", f"/purchase-orders/{po.pk}/cancel", {"reason": ""}).status_code == 422
    assert call(op, "get", "/purchase-orders/999999").status_code == 404
    assert call(fin, "post", "/payables/999999/payments", {"amount_fen": 1}).status_code == 404
    r = call(op, "post", "/purchase-orders", {"supplier_id": buying.supplier.pk, "location_id": buying.wh1.pk,
                                              "lines": [{"sku_id": 999999, "quantity": 1}]})
    assert r.status_code == 422 and "lines[0].sku_id" in r.json()["detail"]["fields"]
    assert call(op, "post", "/suppliers", {"code": "ACME", "name": "again"}).status_code == 409
    assert PurchaseOrder.objects.count() == 1 and Supplier.objects.count() == 1


def test_reorder_suggestions_and_drafts(buying, clients):
    from huitong.inventory import services as inventory

    op = clients["operator"]
    buying.stock(buying.sku_a, buying.wh1, 2)
    inventory.set_safety_stock(sku_id=buying.sku_a.pk, location_id=buying.wh1.pk, safety_stock=10)
    r = call(op, "get", "/reorder-suggestions?cover_days=7&recent_weight=0.5")
    assert r.status_code == 200
    [s] = r.json()
    assert (s["sku_id"], s["suggested_quantity"], s["reorder_point"], s["recent_weight"]) == (
        buying.sku_a.pk, 8, 10, "0.5")
    assert s["daily_velocity"] == "0.000" and s["days_of_cover"] is None
    r = call(op, "post", "/reorder-suggestions/draft-purchase-orders",
             {"picks": [{"sku_id": buying.sku_a.pk, "location_id": buying.wh1.pk}]})
    assert r.status_code == 201
    [po] = r.json()
    assert (po["status"], po["supplier_code"], po["lines"][0]["quantity"]) == ("draft", "ACME", 8)
    r = call(op, "post", "/reorder-suggestions/draft-purchase-orders",
             {"picks": [{"sku_id": buying.sku_b.pk, "location_id": buying.wh1.pk}]})
    assert r.status_code == 422 and r.json()["code"] == "invalid_suggestion_pick"
    assert call(op, "get", "/reorder-suggestions?recent_weight=2").status_code == 422


# (method, url, body) → roles allowed (admin always is). Everything else gets 403.
def _matrix(b, po_id, payable_id):
    return [
        ("post", "/suppliers", {"code": "Z", "name": "Z"}, {"operator"}),
        ("patch", f"/suppliers/{b.supplier.pk}", {"note": "n"}, {"operator"}),
        ("put", f"/suppliers/{b.supplier.pk}/prices/{b.sku_a.pk}", {"cost_fen": 1}, {"operator"}),
        ("get", "/suppliers", None, {"operator", "warehouse", "finance", "customer_service"}),
        ("post", "/purchase-orders", {"supplier_id": b.supplier.pk, "location_id": b.wh1.pk,
                                      "lines": [{"sku_id": b.sku_a.pk, "quantity": 1}]}, {"operator"}),
        ("post", f"/purchase-orders/{po_id}/confirm", {}, {"operator"}),
        ("get", f"/purchase-orders/{po_id}", None, {"operator", "warehouse", "finance", "customer_service"}),
        ("post", f"/purchase-orders/{po_id}/receipts", {"lines": [{"sku_id": b.sku_a.pk, "quantity": 1}]},
         {"warehouse"}),
        ("get", "/in-transit", None, {"operator", "warehouse", "finance", "customer_service"}),
        ("get", "/payables", None, {"finance"}),
        ("get", "/payables/by-supplier", None, {"finance"}),
        ("post", f"/payables/{payable_id}/payments", {"amount_fen": 1}, {"finance"}),
        ("get", f"/payables/{payable_id}/payments", None, {"finance"}),
        ("get", "/reorder-suggestions", None, {"operator"}),
        ("post", "/reorder-suggestions/draft-purchase-orders",
         {"picks": [{"sku_id": b.sku_a.pk, "location_id": b.wh1.pk, "quantity": 1}]}, {"operator"}),
    ]


def test_permission_matrix(buying, api_client):
    receipt_po = buying.po((buying.sku_a.pk, 100))
    payable = buying.receive(receipt_po, (buying.sku_a.pk, 1)).receipt.payable
    draft = buying.po((buying.sku_a.pk, 1), confirm=False)
    roles = ("operator", "warehouse", "finance", "customer_service", "admin")
    clients = {role: api_client(role) for role in roles}
    for method, url, body, allowed in _matrix(buying, draft.pk, payable.pk):
        for role in roles:
            url_now = url.replace(f"/purchase-orders/{draft.pk}/receipts", f"/purchase-orders/{receipt_po.pk}/receipts")
            status = call(clients[role], method, url_now, body).status_code
            if role in allowed or role == "admin":
                assert status != 403 and status < 500, (method, url, role, status)
            else:
                assert status == 403, (method, url, role, status)
    assert call(api_client(), "post", "/suppliers", {"code": "Q", "name": "Q"}).status_code == 403  # no role
    assert call(Client(), "get", "/suppliers").status_code == 401  # no token
