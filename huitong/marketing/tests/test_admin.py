"""The console screens open with data in them; the void action calls the service."""

import pytest
from django.urls import reverse

from huitong.marketing import services
from huitong.marketing.models import Campaign, Coupon, CouponTemplate, MemberPrice, Promotion

pytestmark = pytest.mark.django_db


def test_every_marketing_screen_opens_and_void_goes_through_the_service(shop, admin_client):
    shop.promotion("second_item", {"pay_percent": 50})
    services.set_member_price(sku_id=shop.cup.pk, tier_code="gold", price_fen=2000, actor=shop.actor)
    template = shop.template()
    coupon = services.claim_coupon(template_id=template.pk, customer_id=shop.alice.pk)
    services.create_campaign(name="c", template_id=template.pk, segment="champions", actor=shop.actor)
    for model in (Promotion, MemberPrice, CouponTemplate, Coupon, Campaign):
        name = model._meta.model_name
        assert admin_client.get(reverse(f"admin:marketing_{name}_changelist")).status_code == 200, name
        row = model.objects.first()
        assert (
            admin_client.get(reverse(f"admin:marketing_{name}_change", args=[row.pk])).status_code == 200
        ), name
    url = reverse("admin:marketing_coupon_changelist")
    response = admin_client.post(
        url, {"action": "void_selected", "_selected_action": [coupon.pk]}, follow=True
    )
    assert response.status_code == 200 and Coupon.objects.get(pk=coupon.pk).status == "void"
