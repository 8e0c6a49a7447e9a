"""The console screens open with data in them, and their actions go through the services."""

from datetime import date

import pytest
from django.urls import reverse

from huitong.fulfillment import services
from huitong.fulfillment.models import DeliveryRun, InterceptionRequest, Pickup, Shipment, ToShipOrder
from huitong.orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(floor, system_actor):
    queued = floor.allocated((floor.sku_a.pk, 1))
    order = floor.allocated((floor.sku_a.pk, 1))
    shipment = services.create_shipments(order_id=order.pk, carrier="SF", waybill_no="SF1234567890123",
                                         actor=system_actor).shipments[0]
    services.ship_shipment(shipment_id=shipment.pk, actor=system_actor)
    services.record_tracking_events(rows=[{"carrier": "SF", "waybill_no": "SF1234567890123", "kind": "collected",
                                           "occurred_at": "2026-01-01 09:00"}], source="import", actor=system_actor)
    services.intercept_order(order_id=order.pk, reason="地址错", actor=system_actor)
    point_order = floor.paid((floor.sku_a.pk, 1))
    services.arrange_pickup(order_id=point_order.pk, location_id=floor.point.pk, actor=system_actor)
    services.plan_delivery_run(pickup_point_id=floor.point.pk, run_date=date(2026, 1, 15), actor=system_actor)
    return queued


def test_every_fulfillment_screen_and_form_opens(busy, admin_client):
    for model in (ToShipOrder, Shipment, Pickup, DeliveryRun, InterceptionRequest):
        meta = model._meta
        response = admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        assert response.status_code == 200, model
        row = model.objects.filter(pk__in=response.context["cl"].queryset.values("pk")).first()
        assert row is not None, model
        change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk])
        assert admin_client.get(change).status_code == 200, change


def test_to_ship_queue_lists_only_orders_waiting_and_makes_their_shipments(busy, admin_client):
    url = reverse("admin:fulfillment_toshiporder_changelist")
    assert list(admin_client.get(url).context["cl"].queryset.values_list("pk", flat=True)) == [busy.pk]
    admin_client.post(url, {"action": "make_shipments", "_selected_action": [busy.pk]})
    assert Shipment.objects.filter(order_id=busy.pk, status="created").count() == 1
    assert Order.objects.get(pk=busy.pk).status == "allocated"


def test_shipment_actions_print_and_refuse_politely(busy, admin_client, system_actor):
    shipment = services.create_shipments(order_id=busy.pk, carrier="SF", actor=system_actor).shipments[0]
    url = reverse("admin:fulfillment_shipment_changelist")
    response = admin_client.post(url, {"action": "print_picking_list", "_selected_action": [shipment.pk]})
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    response = admin_client.post(url, {"action": "print_labels", "_selected_action": [shipment.pk]}, follow=True)
    assert "尚未分配运单号" in response.content.decode()  # no waybill yet: a message, no PDF
    admin_client.post(url, {"action": "mark_picked", "_selected_action": [shipment.pk]})
    assert Shipment.objects.get(pk=shipment.pk).status == "picked"


def test_run_and_interception_actions(busy, admin_client):
    run = DeliveryRun.objects.get()
    url = reverse("admin:fulfillment_deliveryrun_changelist")
    admin_client.post(url, {"action": "dispatch", "_selected_action": [run.pk]})
    admin_client.post(url, {"action": "confirm_arrival", "_selected_action": [run.pk]})
    assert DeliveryRun.objects.get().status == "arrived" and Pickup.objects.get().status == "ready"
    request = InterceptionRequest.objects.get()
    admin_client.post(reverse("admin:fulfillment_interceptionrequest_changelist"),
                      {"action": "mark_failed", "_selected_action": [request.pk]})
    assert InterceptionRequest.objects.get().status == "failed"

