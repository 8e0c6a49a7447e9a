"""Every admin screen opens for a superuser (changelist, and the change form of one row where any)."""

import pytest
from django.contrib import admin
from django.urls import reverse

from huitong.demo.seed import seed_demo


@pytest.fixture
def seeded(db):
    seed_demo(days=2, orders_per_day=6)  # inside the test's transaction: rolled back afterwards


@pytest.mark.django_db
def test_every_admin_changelist_and_change_form_opens(seeded, admin_client):
    opened = 0
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        response = admin_client.get(url)
        assert response.status_code == 200, url
        row = model_admin.get_queryset(response.wsgi_request).first()
        if row is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk])
            assert admin_client.get(change).status_code == 200, change
        opened += 1
    assert opened >= 20
