"""The workflow API (/api/v1/orders/workflow/...): each endpoint, its error mapping, and who may call it."""

import json

import pytest

from huitong.orders.models import MergeGroup, Order, ReviewRule
from huitong.orders.tests.workflow_shop import WorkflowShop, world

pytestmark = pytest.mark.django_db
BASE = "/api/v1/orders/workflow"


@pytest.fixture
def shop(db):
    return WorkflowShop()


def call(client, method, url, body=None):
    kwargs = {"content_type": "application/json"}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    return getattr(client, method)(f"{BASE}{url}", **kwargs)


def test_rule_holds_then_queue_approve_and_force_approve(api_client, shop):
    op = api_client("operator")
    r = call(op, "post", "/review-rules", {"name": "有留言", "kind": "buyer_remark"})
    assert r.status_code == 201 and r.json()["kind_label"] == "有买家留言"
    held, clean = shop.paid(buyer_remark="送人"), shop.paid()
    queue = call(op, "get", "/review-queue").json()
    assert queue["count"] == 1 and queue["items"][0]["number"] == held.number
    assert queue["items"][0]["hold_reasons"][0]["code"] == "buyer_remark"
    assert call(op, "get", "/review-queue?code=buyer_remark").json()["count"] == 1
    assert call(op, "get", "/review-queue?code=out_of_stock").json()["count"] == 0
    assert call(op, "get", "/review-queue?review_status=approved").json()["count"] == 0
    results = call(op, "post", "/review/approve", {"order_ids": [held.pk, clean.pk]}).json()
    assert [(x["ok"], x["code"], x["review_status"]) for x in results] == [
        (False, "review_still_held", "held"), (True, "", "approved")]
    forced = call(op, "post", "/review/force-approve", {"order_ids": [held.pk], "note": "看过了"}).json()
    assert forced[0]["ok"] and forced[0]["hold_reasons"] == []
    assert call(op, "get", "/review-queue").json()["count"] == 0
    history = call(op, "get", f"/orders/{held.pk}/review-history").json()
    assert [(h["from_state"], h["to_state"]) for h in history] == [("unreviewed", "held"), ("held", "approved")]
    assert call(op, "post", "/review/run", {"order_ids": [held.pk, 999999]}).json()[1]["code"] == "order_not_found"


def test_finance_review_through_the_api(api_client, shop):
    op, fin = api_client("operator"), api_client("finance")
    r = call(op, "put", "/settings", {"finance_review": True, "finance_min_total_fen": 1000})
    assert r.status_code == 200 and r.json()["finance_review"] is True
    order = shop.paid()
    assert call(fin, "get", "/review-queue?review_status=finance").json()["count"] == 1
    refused = call(op, "post", "/review/approve", {"order_ids": [order.pk]}).json()[0]
    assert refused["code"] == "finance_review_pending"
    rejected = call(fin, "post", "/review/finance-reject", {"order_ids": [order.pk], "reason": "价格不对"}).json()
    assert rejected[0]["review_status"] == "held"
    call(op, "post", "/review/force-approve", {"order_ids": [order.pk]})
    approved = call(fin, "post", "/review/finance-approve", {"order_ids": [order.pk]}).json()[0]
    assert approved["ok"] and approved["review_status"] == "approved"


def test_edit_receivers_and_cancel_in_batches(api_client, shop):
    cs = api_client("customer_service")
    call(api_client("operator"), "post", "/review-rules", {"name": "地址", "kind": "address_incomplete"})
    from huitong.orders.services import Receiver

    bad = shop.paid(receiver=Receiver(name="王五", phone="13600000000", address="门口"))
    body = {"items": [{"order_id": bad.pk, "receiver": {"name": "王五", "phone": "13600000000",
                                                         "address": "江苏省南京市玄武区中山路 1 号"}},
                      {"order_id": 999999, "receiver": {}}]}
    results = call(cs, "post", "/review/edit-receiver", body).json()
    assert [(x["ok"], x["review_status"] or x["code"]) for x in results] == [(True, "approved"),
                                                                            (False, "order_not_found")]
    bad.refresh_from_db()
    assert (bad.province, bad.city, bad.district) == ("江苏省", "南京市", "玄武区")
    results = call(cs, "post", "/review/cancel", {"order_ids": [bad.pk], "reason": "客户取消"}).json()
    assert results[0]["ok"] and results[0]["status"] == "cancelled"
    assert call(cs, "post", "/review/cancel", {"order_ids": [bad.pk]}).status_code == 422


def test_batches_are_bounded(api_client, shop):
    r = call(api_client("operator"), "post", "/review/approve", {"order_ids": list(range(1, 502))})
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"
    assert call(api_client("operator"), "post", "/review/approve", {"order_ids": []}).status_code == 422


def test_rules_crud_and_errors(api_client, shop):
    op = api_client("operator")
    before = world()
    bad = call(op, "post", "/review-rules", {"name": "x", "kind": "amount_range", "min_value": 9, "max_value": 1})
    assert bad.status_code == 422 and "max_value" in bad.json()["detail"]["fields"]
    assert call(op, "post", "/review-rules", {"name": "x", "kind": "buyer_remark", "store_id": 9999}).status_code == 404
    assert world() == before
    rule = call(op, "post", "/review-rules", {"name": "大额", "kind": "amount_range", "min_value": 100000}).json()
    updated = call(op, "put", f"/review-rules/{rule['id']}", {"name": "大额", "kind": "amount_range",
                                                             "min_value": 50000, "is_active": False})
    assert updated.status_code == 200 and updated.json()["min_value"] == 50000
    assert call(op, "get", "/review-rules").json()[0]["is_active"] is False
    assert call(op, "delete", f"/review-rules/{rule['id']}").status_code == 204
    assert call(op, "delete", f"/review-rules/{rule['id']}").json()["code"] == "review_rule_not_found"
    assert not ReviewRule.objects.exists()


def test_settings_defaults_and_validation(api_client, shop):
    op = api_client("operator")
    got = call(op, "get", "/settings").json()
    assert got["strategies"] == ["single_location", "nearest", "priority", "split"] and got["cool_down_minutes"] == 0
    bad = call(op, "put", "/settings", {"strategies": ["nearest"]})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_workflow_settings"
    ok = call(op, "put", "/settings", {"cool_down_minutes": 15, "window_start": "09:00", "window_end": "21:30"})
    assert ok.json()["window_end"] == "21:30:00"


def test_blacklist_and_floor_prices(api_client, shop):
    cs, op = api_client("customer_service"), api_client("operator")
    r = call(cs, "post", "/blacklist", {"kind": "phone", "value": "13800138000", "note": "恶意退款"})
    assert r.status_code == 201 and r.json()["label"] == "138****8000"
    assert call(cs, "post", "/blacklist", {"kind": "phone", "value": " 13800138000 "}).status_code == 409
    assert call(cs, "post", "/blacklist", {"kind": "email", "value": "x"}).status_code == 422
    listed = call(cs, "get", "/blacklist?kind=phone").json()
    assert listed["count"] == 1 and "13800138000" not in json.dumps(listed)
    assert call(cs, "delete", f"/blacklist/{r.json()['id']}").status_code == 204
    assert call(cs, "delete", f"/blacklist/{r.json()['id']}").status_code == 404
    put = call(op, "put", f"/floor-prices/{shop.sku_a.pk}", {"floor_price_fen": 2500})
    assert put.status_code == 200 and put.json() == {"sku_id": shop.sku_a.pk, "sku_code": shop.sku_a.code,
                                                     "floor_price_fen": 2500}
    assert call(op, "get", "/floor-prices").json()[0]["floor_price_fen"] == 2500
    assert call(op, "put", f"/floor-prices/{shop.sku_a.pk}", {"floor_price_fen": None}).status_code == 204
    assert call(op, "put", "/floor-prices/999999", {"floor_price_fen": 1}).status_code == 404
    assert call(op, "put", f"/floor-prices/{shop.sku_a.pk}", {"floor_price_fen": -1}).status_code == 422


def test_merge_split_allocate_through_the_api(api_client, shop):
    wh = api_client("warehouse")
    first, second = shop.paid(buyer_nick="茶友"), shop.paid((shop.sku_b.pk, 1), buyer_nick="茶友")
    other = shop.paid(buyer_nick="别人")
    assert [o["id"] for o in call(wh, "get", f"/orders/{first.pk}/merge-candidates").json()] == [second.pk]
    assert [o["id"] for o in call(wh, "get", f"/orders/{first.pk}/unmerged-siblings").json()] == [second.pk]
    refused = call(wh, "post", "/merges", {"order_ids": [first.pk, other.pk]})
    assert refused.status_code == 409 and refused.json()["code"] == "orders_not_mergeable"
    merged = call(wh, "post", "/merges", {"order_ids": [first.pk, second.pk]})
    assert merged.status_code == 201 and merged.json()["order_ids"] == [first.pk, second.pk]
    gid = merged.json()["id"]
    assert call(wh, "get", "/merges?status=active").json()["count"] == 1
    assert call(wh, "post", f"/merges/{gid}/undo", {"reason": "分开寄"}).json()["status"] == "undone"
    assert call(wh, "post", f"/merges/{gid}/undo", {}).status_code == 409
    assert call(wh, "post", "/merges/999999/undo", {}).status_code == 404

    big = shop.paid((shop.sku_a.pk, 3))
    assert call(wh, "post", f"/orders/{big.pk}/split", {"lines": [{"line_no": 1, "quantity": 3}]}).status_code == 422
    split = call(wh, "post", f"/orders/{big.pk}/split", {"lines": [{"line_no": 1, "quantity": 1}]})
    assert split.status_code == 201
    assert (split.json()["original"]["lines"][0]["quantity"], split.json()["new"]["lines"][0]["quantity"]) == (2, 1)
    assert call(wh, "post", "/orders/999999/split", {"lines": [{"line_no": 1, "quantity": 1}]}).status_code == 404

    plan = call(wh, "get", f"/orders/{big.pk}/allocation-plan").json()
    assert plan["strategy"] == "single_location" and plan["placements"][0]["location_id"] == shop.wh1.pk
    results = call(wh, "post", "/allocations", {"order_ids": [big.pk, first.pk, 999999]}).json()
    assert [(x["ok"], x["status"] or x["code"]) for x in results] == [
        (True, "allocated"), (True, "allocated"), (False, "order_not_found")]
    assert MergeGroup.objects.count() == 1 and Order.objects.filter(status="allocated").count() == 2


ROLES = ["operator", "warehouse", "customer_service", "finance"]
ANY = set(ROLES)
ENDPOINTS = [
    ("get", "/review-queue", None, {"operator", "finance", "customer_service"}),
    ("post", "/review/run", {"order_ids": [1]}, {"operator"}),
    ("post", "/review/approve", {"order_ids": [1]}, {"operator"}),
    ("post", "/review/force-approve", {"order_ids": [1]}, {"operator"}),
    ("post", "/review/finance-approve", {"order_ids": [1]}, {"finance"}),
    ("post", "/review/finance-reject", {"order_ids": [1], "reason": "x"}, {"finance"}),
    ("post", "/review/edit-receiver", {"items": [{"order_id": 1, "receiver": {}}]}, {"operator", "customer_service"}),
    ("post", "/review/cancel", {"order_ids": [1], "reason": "x"}, {"operator", "customer_service"}),
    ("get", "/orders/1/review-history", None, ANY),
    ("get", "/review-rules", None, ANY),
    ("post", "/review-rules", {"name": "x", "kind": "buyer_remark"}, {"operator"}),
    ("put", "/review-rules/1", {"name": "x", "kind": "buyer_remark"}, {"operator"}),
    ("delete", "/review-rules/1", None, {"operator"}),
    ("get", "/settings", None, ANY),
    ("put", "/settings", {}, {"operator"}),
    ("get", "/blacklist", None, {"operator", "customer_service"}),
    ("post", "/blacklist", {"kind": "buyer", "value": "x"}, {"operator", "customer_service"}),
    ("delete", "/blacklist/1", None, {"operator", "customer_service"}),
    ("get", "/floor-prices", None, ANY),
    ("put", "/floor-prices/1", {"floor_price_fen": 1}, {"operator"}),
    ("get", "/orders/1/merge-candidates", None, {"operator", "warehouse"}),
    ("get", "/orders/1/unmerged-siblings", None, ANY),
    ("get", "/merges", None, ANY),
    ("post", "/merges", {"order_ids": [1, 2]}, {"operator", "warehouse"}),
    ("post", "/merges/1/undo", {}, {"operator", "warehouse"}),
    ("post", "/orders/1/split", {"lines": [{"line_no": 1, "quantity": 1}]}, {"operator", "warehouse"}),
    ("post", "/allocations", {"order_ids": [1]}, {"operator", "warehouse"}),
    ("get", "/orders/1/allocation-plan", None, ANY),
]


def test_permission_matrix(api_client, client, shop):
    clients = {role: api_client(role) for role in ROLES}
    for method, url, body, allowed in ENDPOINTS:
        assert call(client, method, url, body).status_code == 401, url
        for role, c in clients.items():
            status = call(c, method, url, body).status_code
            assert (status != 403) == (role in allowed), (method, url, role, status)


# --- the console (admin) screens: queues open with rows, actions go through the services ------------------

def test_review_and_allocation_queues_in_the_console(admin_client, shop):
    from django.urls import reverse

    from huitong.orders.models import AllocationQueueOrder, BlacklistEntry, OrderReview, WorkflowSettings

    shop.rule("buyer_remark")
    held, ready = shop.paid(buyer_remark="hi"), shop.paid()
    queue = reverse("admin:orders_orderreview_changelist")
    page = admin_client.get(queue)
    assert page.status_code == 200 and [o.pk for o in page.context["cl"].queryset] == [held.pk]
    assert admin_client.get(reverse("admin:orders_orderreview_change", args=[held.pk])).status_code == 200
    admin_client.post(queue, {"action": "force_approve_orders", "_selected_action": [held.pk]})
    assert OrderReview.objects.get(pk=held.pk).review_status == "approved"
    to_allocate = reverse("admin:orders_allocationqueueorder_changelist")
    assert {o.pk for o in admin_client.get(to_allocate).context["cl"].queryset} == {held.pk, ready.pk}
    admin_client.post(to_allocate, {"action": "allocate_orders", "_selected_action": [held.pk, ready.pk]})
    assert not AllocationQueueOrder.objects.filter(status="paid").exists()

    rules = reverse("admin:orders_reviewrule_add")
    bad = admin_client.post(rules, {"name": "x", "kind": "amount_range", "action": "hold", "position": 1,
                                    "keywords": "[]", "sku_codes": "[]", "min_value": 5, "max_value": 1})
    assert bad.status_code == 200 and "上限不能小于下限" in bad.content.decode()
    settings = reverse("admin:orders_workflowsettings_add")
    admin_client.post(settings, {"cool_down_minutes": 5, "finance_min_total_fen": 0, "unpaid_recheck_minutes": 10,
                                 "merge_gap_minutes": 60, "strategies": '["single_location", "split"]'})
    assert WorkflowSettings.objects.get().strategies == ["single_location", "split"]
    admin_client.post(reverse("admin:orders_blacklistentry_add"), {"kind": "phone", "value": "13800138000"})
    assert BlacklistEntry.objects.get().label == "138****8000"
