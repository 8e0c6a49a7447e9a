import json
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfReader

from huitong.fulfillment.api import router
from huitong.fulfillment.models import Pickup, Shipment, TrackingEvent
from huitong.fulfillment.tests.conftest import world
from huitong.orders.models import Order

pytestmark = pytest.mark.django_db
BASE = "/api/v1/fulfillment"


def post(client, url, body=None):
    return client.post(BASE + url, json.dumps(body or {}), content_type="application/json")


def get(client, url):
    return client.get(BASE + url)


def pdf_text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)


def test_the_warehouse_day_through_the_api(api_client, floor):
    wh, cs = api_client("warehouse"), api_client("customer_service")
    order = floor.allocated((floor.sku_a.pk, 2))
    queue = get(wh, "/queue/to-ship").json()
    assert [o["number"] for o in queue["items"]] == [order.number]
    r = post(wh, f"/orders/{order.pk}/shipments", {"carrier": "SF"})
    assert r.status_code == 201, r.json()
    shipment = r.json()["shipments"][0]
    assert (shipment["status"], shipment["carrier_name"], shipment["location_code"]) == ("created", "顺丰速运", "HZ")
    assert post(wh, f"/orders/{order.pk}/shipments", {}).status_code == 200  # replay
    assert get(wh, "/queue/to-ship").json()["count"] == 0
    sid = shipment["id"]
    r = post(wh, f"/shipments/{sid}/waybill", {"carrier": "SF", "waybill_no": "SF1234567890123"})
    assert r.status_code == 200 and r.json()["waybill_no"] == "SF1234567890123"
    assert post(wh, f"/shipments/{sid}/pick").json()["status"] == "picked"
    label = pdf_text(get(wh, f"/shipments/{sid}/label.pdf"))
    assert order.number in label and "SF1234567890123" in label and "李四" in label
    picking = pdf_text(post(wh, "/print/picking-list", {"shipment_ids": [sid]}))
    assert order.number in picking and "拣货单" in picking
    assert order.number in pdf_text(get(wh, f"/shipments/{sid}/picking-list.pdf"))
    assert "SF1234567890123" in pdf_text(post(wh, "/print/labels", {"shipment_ids": [sid]}))
    r = post(wh, f"/shipments/{sid}/ship", {})
    assert r.status_code == 200 and r.json()["order_shipped"] and r.json()["shipment"]["status"] == "shipped"
    assert Order.objects.get(pk=order.pk).status == "shipped"
    listed = get(cs, f"/shipments?search={order.number}").json()
    assert listed["count"] == 1 and get(cs, f"/shipments/{sid}").json()["number"] == shipment["number"]
    timeline = get(cs, f"/orders/{order.pk}/timeline").json()
    assert ("shipment", "shipped") in [(e["source"], e["event"]) for e in timeline]


def test_ship_warns_about_the_same_buyers_unshipped_order(api_client, floor):
    wh = api_client("warehouse")
    order = floor.allocated((floor.sku_a.pk, 1), buyer_nick="茶友")
    sibling = floor.paid((floor.sku_a.pk, 1), buyer_nick="茶友")
    sid = post(wh, f"/orders/{order.pk}/shipments", {"carrier": "SF"}).json()["shipments"][0]["id"]
    r = post(wh, f"/shipments/{sid}/ship", {"waybill_no": "SF1234567890123"})
    assert r.status_code == 200
    assert r.json()["warnings"] == [{"code": "unmerged_sibling_orders", "orders": [sibling.number],
                                     "message": f"同一买家还有未发货订单 {sibling.number},可考虑合单发货"}]


def test_bad_input_is_a_clear_4xx_and_nothing_changes(api_client, floor):
    wh = api_client("warehouse")
    order = floor.allocated((floor.sku_a.pk, 1))
    held = floor.allocated((floor.sku_a.pk, 1))
    sid = post(wh, f"/orders/{order.pk}/shipments", {"carrier": "SF"}).json()["shipments"][0]["id"]
    held_sid = post(wh, f"/orders/{held.pk}/shipments", {"carrier": "SF"}).json()["shipments"][0]["id"]
    Order.objects.filter(pk=held.pk).update(hold_reasons=[{"code": "refund_in_progress", "message": "退款中"}])
    before = world()
    r = post(wh, f"/shipments/{sid}/ship", {"waybill_no": "SF123"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_waybill" and "waybill_no" in r.json()["detail"]["fields"]
    r = post(wh, f"/shipments/{sid}/waybill", {"carrier": "UPS", "waybill_no": "1Z999"})
    assert r.status_code == 422 and r.json()["code"] == "unknown_carrier"
    r = post(wh, f"/shipments/{sid}/waybill", {"carrier": "SF"})
    assert r.status_code == 422 and "waybill_no" in r.json()["detail"]["fields"]
    r = post(wh, f"/shipments/{held_sid}/ship", {"waybill_no": "SF1234567890124"})
    assert r.status_code == 409 and r.json()["code"] == "order_on_hold"
    r = post(wh, f"/shipments/{sid}/ship", {})
    assert r.status_code == 422 and r.json()["detail"]["fields"]["waybill_no"] == "请填写运单号"
    r = get(wh, f"/shipments/{sid}/label.pdf")
    assert r.status_code == 409 and r.json()["code"] == "waybill_missing"
    assert post(wh, "/print/labels", {"shipment_ids": []}).status_code == 422
    assert post(wh, "/print/picking-list", {"shipment_ids": [999999]}).status_code == 404
    assert post(wh, "/shipments/999999/pick").status_code == 404
    assert post(wh, "/orders/999999/shipments", {}).json()["code"] == "order_not_found"
    assert post(wh, f"/shipments/{sid}/cancel", {"reason": ""}).status_code == 422
    assert world() == before


def test_tracking_webhook_needs_the_configured_secret(api_client, floor, client, settings):
    wh = api_client("warehouse")
    order = floor.allocated()
    sid = post(wh, f"/orders/{order.pk}/shipments", {"carrier": "SF", "waybill_no": "SF1234567890123"}).json()[
        "shipments"][0]["id"]
    post(wh, f"/shipments/{sid}/ship")
    body = json.dumps({"events": [{"carrier": "SF", "waybill_no": "SF1234567890123", "kind": "delivered",
                                   "occurred_at": timezone.now().isoformat()}]})

    def hook(secret=None):
        headers = {"X-Huitong-Tracking-Secret": secret} if secret else {}
        return client.post(BASE + "/tracking/webhook", body, content_type="application/json", headers=headers)

    settings.HUITONG_TRACKING_WEBHOOK_SECRET = None
    r = hook("anything")
    assert r.status_code == 503 and r.json()["code"] == "webhook_not_configured"
    settings.HUITONG_TRACKING_WEBHOOK_SECRET = "s3cret"
    for wrong in (None, "S3CRET", "s3cret "):
        r = hook(wrong)
        assert r.status_code == 401 and r.json()["code"] == "invalid_webhook_secret"
    assert TrackingEvent.objects.count() == 0
    r = hook("s3cret")
    assert r.status_code == 200 and (r.json()["recorded"], r.json()["duplicates"]) == (1, 0)
    assert r.json()["results"][0]["shipment_status"] == "delivered"
    r = hook("s3cret")
    assert (r.json()["recorded"], r.json()["duplicates"]) == (0, 1) and TrackingEvent.objects.count() == 1


def test_tracking_import_json_and_csv_with_row_errors(api_client, floor):
    wh = api_client("warehouse")
    order = floor.allocated()
    sid = post(wh, f"/orders/{order.pk}/shipments", {"carrier": "YD", "waybill_no": "4312345678901"}).json()[
        "shipments"][0]["id"]
    post(wh, f"/shipments/{sid}/ship")
    r = post(wh, "/tracking/import", {"events": [
        {"carrier": "YD", "waybill_no": "4312345678901", "kind": "collected", "occurred_at": "2026-01-01 09:00:00"},
        {"carrier": "YD", "waybill_no": "4312345678901", "kind": "teleported", "occurred_at": "2026-01-01 10:00"}]})
    assert r.status_code == 200
    assert (r.json()["recorded"], r.json()["errors"]) == (1, 1)
    assert r.json()["results"][1]["fields"] == {"kind": r.json()["results"][1]["fields"]["kind"]}
    csv_text = ("carrier,waybill_no,kind,occurred_at,place,description\n"
                "YD,4312345678901,运输中,2026-01-01 12:00:00,杭州,发往上海\n"
                "YD,4312345678901,collected,2026-01-01 09:00:00,,\n"
                "YD,0000000000000,delivered,2026-01-02 09:00:00,,\n")
    upload = SimpleUploadedFile("track.csv", csv_text.encode("utf-8-sig"), content_type="text/csv")
    r = wh.post(BASE + "/tracking/import-csv", {"file": upload})
    assert r.status_code == 200, r.json()
    assert [x["outcome"] for x in r.json()["results"]] == ["recorded", "duplicate", "error"]
    gbk = SimpleUploadedFile("track.csv", "carrier,waybill_no,kind,occurred_at\nYD,4312345678901,签收,2026-01-02 "
                             "09:00:00\n".encode("gbk"), content_type="text/csv")
    assert wh.post(BASE + "/tracking/import-csv", {"file": gbk}).json()["recorded"] == 1
    empty = SimpleUploadedFile("track.csv", b"carrier,waybill_no,kind,occurred_at\n", content_type="text/csv")
    assert wh.post(BASE + "/tracking/import-csv", {"file": empty}).status_code == 422
    assert Shipment.objects.get(pk=sid).status == "delivered"


def test_bopis_through_the_api(api_client, floor):
    cs, wh = api_client("customer_service"), api_client("warehouse")
    order = floor.paid((floor.sku_a.pk, 1))
    r = post(cs, f"/orders/{order.pk}/pickup", {"location_id": floor.store_loc.pk})
    assert r.status_code == 201 and r.json()["pickup"]["status"] == "ready"
    code = r.json()["code"]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    before = world()
    r = post(wh, "/pickups/verify", {"location_id": floor.store_loc.pk, "code": wrong})
    assert r.status_code == 422 and r.json()["code"] == "invalid_pickup_code" and world() == before
    r = post(wh, "/pickups/verify", {"location_id": floor.store_loc.pk, "code": code})
    assert r.status_code == 200 and r.json()["status"] == "picked_up"
    assert Order.objects.get(pk=order.pk).status == "completed"
    assert get(cs, f"/pickups?location_id={floor.store_loc.pk}").json()["count"] == 1


def test_pickup_point_run_through_the_api(api_client, floor):
    op, wh = api_client("operator"), api_client("warehouse")
    order = floor.paid((floor.sku_a.pk, 1))
    r = post(op, f"/orders/{order.pk}/pickup", {"location_id": floor.point.pk})
    pickup_id, code = r.json()["pickup"]["id"], r.json()["code"]
    code = post(op, f"/pickups/{pickup_id}/reissue-code").json()["code"]
    r = post(wh, "/delivery-runs", {"pickup_point_id": floor.point.pk, "run_date": "2026-01-15"})
    assert r.status_code == 201 and r.json()["order_numbers"] == [order.number]
    run_id = r.json()["id"]
    r = post(wh, "/pickups/verify", {"location_id": floor.point.pk, "code": code})
    assert r.status_code == 409 and r.json()["code"] == "pickup_not_ready"
    r = post(wh, f"/delivery-runs/{run_id}/dispatch")
    assert r.status_code == 200 and r.json()["run"]["status"] == "dispatched" and r.json()["left_behind"] == []
    assert post(wh, f"/delivery-runs/{run_id}/arrive").json()["status"] == "arrived"
    assert post(wh, f"/delivery-runs/{run_id}/arrive").status_code == 409
    assert post(wh, "/pickups/verify", {"location_id": floor.point.pk, "code": code}).json()["status"] == "picked_up"
    assert get(wh, f"/delivery-runs?pickup_point_id={floor.point.pk}").json()["count"] == 1
    assert get(wh, f"/delivery-runs/{run_id}").json()["number"].startswith("PS")
    assert post(wh, "/delivery-runs", {"pickup_point_id": floor.point.pk, "run_date": "2026-01-16"}).status_code == 409
    assert Pickup.objects.get(pk=pickup_id).status == "picked_up"


def test_interception_through_the_api(api_client, floor):
    op, wh = api_client("operator"), api_client("warehouse")
    order = floor.allocated()
    sid = post(wh, f"/orders/{order.pk}/shipments", {"carrier": "SF", "waybill_no": "SF1234567890123"}).json()[
        "shipments"][0]["id"]
    post(wh, f"/shipments/{sid}/ship")
    r = post(op, f"/orders/{order.pk}/intercept", {"reason": "地址错误"})
    assert r.status_code == 200 and r.json()[0]["status"] == "requested" and r.json()[0]["waybill_no"] == "SF1234567890123"
    iid = r.json()[0]["id"]
    assert get(op, "/interceptions?status=requested").json()["count"] == 1
    r = post(op, f"/interceptions/{iid}/resolve", {"succeeded": True, "note": "快递已拦截"})
    assert r.status_code == 200 and r.json()["status"] == "succeeded"
    assert get(op, f"/shipments/{sid}").json()["status"] == "intercepted"
    unshipped = floor.allocated()
    r = post(op, f"/orders/{unshipped.pk}/intercept", {"reason": "买家取消"})
    assert r.json()[0]["stage"] == "before_shipping" and Order.objects.get(pk=unshipped.pk).status == "cancelled"
    assert post(op, f"/orders/{unshipped.pk}/intercept", {"reason": "again"}).status_code == 409
    assert post(op, "/tracking/complete-delivered").json() == {"completed": 0}
    assert get(op, "/carriers").json()[0]["code"] == "SF"


# --- the permission matrix ------------------------------------------------------------------------

WH, OP, CS = "warehouse", "operator", "customer_service"
READERS, WAREHOUSE, PRINT, OPERATOR, DESK = {WH, OP, CS}, {WH, OP}, {WH}, {OP}, {OP, CS}
MATRIX = [
    ("GET", "/carriers", READERS), ("GET", "/queue/to-ship", WAREHOUSE),
    ("POST", "/orders/{id}/shipments", WAREHOUSE), ("GET", "/shipments", READERS),
    ("GET", "/shipments/{id}", READERS), ("POST", "/shipments/{id}/waybill", WAREHOUSE),
    ("POST", "/shipments/{id}/pick", WAREHOUSE), ("POST", "/shipments/{id}/ship", WAREHOUSE),
    ("POST", "/shipments/{id}/cancel", WAREHOUSE), ("GET", "/shipments/{id}/picking-list.pdf", PRINT),
    ("GET", "/shipments/{id}/label.pdf", PRINT), ("POST", "/print/picking-list", PRINT),
    ("POST", "/print/labels", PRINT), ("POST", "/tracking/import", WAREHOUSE),
    ("POST", "/tracking/import-csv", WAREHOUSE), ("GET", "/orders/{id}/timeline", READERS),
    ("POST", "/tracking/complete-delivered", OPERATOR), ("POST", "/orders/{id}/pickup", DESK),
    ("GET", "/pickups", READERS), ("POST", "/pickups/verify", WAREHOUSE),
    ("POST", "/pickups/{id}/reissue-code", DESK), ("POST", "/pickups/{id}/cancel", DESK),
    ("POST", "/delivery-runs", WAREHOUSE), ("GET", "/delivery-runs", READERS), ("GET", "/delivery-runs/{id}", READERS),
    ("POST", "/delivery-runs/{id}/dispatch", WAREHOUSE), ("POST", "/delivery-runs/{id}/arrive", WAREHOUSE),
    ("POST", "/delivery-runs/{id}/cancel", WAREHOUSE), ("POST", "/orders/{id}/intercept", OPERATOR),
    ("GET", "/interceptions", READERS), ("POST", "/interceptions/{id}/resolve", OPERATOR),
]


def test_the_matrix_lists_every_staff_endpoint():
    routes = {(method, path.replace("{order_id}", "{id}").replace("{shipment_id}", "{id}")
               .replace("{pickup_id}", "{id}").replace("{run_id}", "{id}").replace("{interception_id}", "{id}"))
              for path, view in router.path_operations.items() for op in view.operations for method in op.methods}
    assert routes - {(m, p) for m, p, _ in MATRIX} == {("POST", "/tracking/webhook")}


def test_permission_matrix(api_client, client):
    clients = {role: api_client(role) for role in (WH, OP, CS, "finance")}
    for method, path, allowed in MATRIX:
        url = BASE + path.replace("{id}", "999999")
        for role, c in clients.items():
            r = c.get(url) if method == "GET" else c.post(url, "{}", content_type="application/json")
            if role in allowed:
                assert r.status_code not in (401, 403), (method, path, role, r.status_code)
            else:
                assert r.status_code == 403 and r.json()["code"] == "permission_denied", (method, path, role)
        anonymous = client.get(url) if method == "GET" else client.post(url, "{}", content_type="application/json")
        assert anonymous.status_code == 401, (method, path)
