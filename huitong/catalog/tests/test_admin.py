"""Admin pages render, and admin writes go through the services."""

import pytest
from django.urls import reverse

from huitong.catalog.models import Category, Product
from huitong.catalog.tests.factories import CategoryFactory, SkuFactory
from huitong.core.audit import history

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["brand", "category", "product", "sku"])
def test_changelists_and_change_pages_render(admin_client, model):
    sku = SkuFactory()
    obj = {"brand": sku.product.brand, "category": sku.product.category, "product": sku.product, "sku": sku}[
        model
    ]
    assert admin_client.get(reverse(f"admin:catalog_{model}_changelist"), {"q": "x"}).status_code == 200
    assert admin_client.get(reverse(f"admin:catalog_{model}_change", args=[obj.pk])).status_code == 200


def test_deactivate_action_calls_the_service(admin_client):
    sku = SkuFactory()
    response = admin_client.post(
        reverse("admin:catalog_product_changelist"),
        {"action": "deactivate_products", "_selected_action": [sku.product_id]},
    )
    assert response.status_code == 302
    product = Product.objects.get(pk=sku.product_id)
    assert product.is_active is False
    assert [(e.from_state, e.to_state) for e in history(product)] == [("active", "inactive")]


def test_add_category_sets_its_path(admin_client):
    parent = CategoryFactory(name="茶叶")
    response = admin_client.post(reverse("admin:catalog_category_add"), {"name": "绿茶", "parent": parent.pk})
    assert response.status_code == 302, response.content
    assert Category.objects.get(name="绿茶").path == "茶叶/绿茶"
