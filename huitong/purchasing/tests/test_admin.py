"""The console screens open with data in them; the actions call the services."""

import pytest
from django.urls import reverse

from huitong.purchasing import services
from huitong.purchasing.models import Payable, PurchaseOrder, Receipt, Supplier, SupplierPayment

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(buying):
    po = buying.po((buying.sku_a.pk, 10), (buying.sku_b.pk, 2))
    payable = buying.receive(po, (buying.sku_a.pk, 4)).receipt.payable
    services.record_supplier_payment(payable_id=payable.pk, amount_fen=100, actor=buying.actor)
    return buying


def test_every_purchasing_screen_opens(filled, admin_client):
    for model in (Supplier, PurchaseOrder, Receipt, Payable):
        meta = model._meta
        response = admin_client.get(reverse(f"admin:purchasing_{meta.model_name}_changelist"))
        assert response.status_code == 200, meta.model_name
        row = model.objects.first()
        response = admin_client.get(reverse(f"admin:purchasing_{meta.model_name}_change", args=[row.pk]))
        assert response.status_code == 200, meta.model_name
    page = admin_client.get(reverse("admin:purchasing_supplier_changelist")).content.decode()
    assert "138****0000" in page and "13800000000" not in page
    assert SupplierPayment.objects.count() == 1


def test_confirm_action_calls_the_service(filled, admin_client):
    draft = filled.po((filled.sku_a.pk, 3), confirm=False)
    url = reverse("admin:purchasing_purchaseorder_changelist")
    response = admin_client.post(url, {"action": "confirm_orders", "_selected_action": [draft.pk]}, follow=True)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == "confirmed"
