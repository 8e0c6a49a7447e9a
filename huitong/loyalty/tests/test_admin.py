"""Every loyalty console screen opens with data in it; none can add, change or delete, and the PIN hash
never shows."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from huitong.loyalty import services
from huitong.loyalty.admin import ReadOnlyAdmin
from huitong.loyalty.models import (
    EarnRule,
    GiftCard,
    GiftCardBatch,
    GiftCardEntry,
    PointsAccount,
    PointsEntry,
    PointsLot,
    RedeemConfig,
    StoredValueAccount,
    StoredValueEntry,
)
from huitong.loyalty.tests.conftest import ACTOR

pytestmark = pytest.mark.django_db
MODELS = (
    PointsAccount,
    PointsEntry,
    PointsLot,
    EarnRule,
    RedeemConfig,
    StoredValueAccount,
    StoredValueEntry,
    GiftCardBatch,
    GiftCard,
    GiftCardEntry,
)


def test_every_loyalty_screen_opens_read_only(admin_client, customer, store):
    from decimal import Decimal

    services.earn_points(
        customer_id=customer.pk,
        reference="SO1",
        store_id=store.pk,
        paid_fen=10000,
        at=timezone.now(),
        actor=ACTOR,
    )
    services.create_earn_rule(name="默认", points_per_yuan=Decimal("1"), actor=ACTOR)
    services.update_redeem_config(points_per_yuan=100, max_share_percent=50, step=100, actor=ACTOR)
    services.top_up_stored_value(customer_id=customer.pk, amount_fen=100, reference="TU", actor=ACTOR)
    services.issue_gift_cards(
        name="卡", face_value_fen=100, quantity=1, expires_at=timezone.now() + timedelta(days=1), actor=ACTOR
    )
    card = GiftCard.objects.get()
    for model in MODELS:
        name = model._meta.model_name
        assert admin_client.get(reverse(f"admin:loyalty_{name}_changelist")).status_code == 200, name
        row = model.objects.first()
        page = admin_client.get(reverse(f"admin:loyalty_{name}_change", args=[row.pk]))
        assert page.status_code == 200, name
        assert card.pin_hash not in page.content.decode()
        assert admin_client.get(reverse(f"admin:loyalty_{name}_add")).status_code == 403, name


def test_the_admin_never_writes():
    from django.contrib import admin

    for model in MODELS:
        model_admin = admin.site._registry[model]
        assert isinstance(model_admin, ReadOnlyAdmin)
        assert not model_admin.has_add_permission(None)
        assert not model_admin.has_change_permission(None)
        assert not model_admin.has_delete_permission(None)
