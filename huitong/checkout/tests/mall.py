"""A web mall with a member, a 满减 promotion, a coupon and 5,000 points: shared by checkout and after-sales tests."""

from datetime import timedelta

from django.utils import timezone

from huitong.checkout import services as checkout
from huitong.loyalty import services as loyalty
from huitong.marketing import services as marketing
from huitong.members import services as members
from huitong.orders.tests.conftest import Shop


def make_mall() -> Shop:
    shop = Shop(stock_a=20, stock_b=10)  # sku_a ¥29.90 at HZ, sku_b ¥59.80 at GZ
    shop.member = members.create_member(phone="13800138000", name="王芳", actor=shop.actor)
    now = timezone.now()
    marketing.create_promotion(name="满100减15", kind="threshold_off", params={"tiers": [[10000, 1500]]},
                               starts_at=now - timedelta(days=1), actor=shop.actor)
    template = marketing.create_coupon_template(name="10元券", kind="fixed", value_fen=1000, threshold_fen=5000,
                                                valid_days=30, actor=shop.actor)
    shop.coupon = marketing.issue_coupon(template_id=template.pk, customer_id=shop.member.pk, actor=shop.actor)
    loyalty.adjust_points(customer_id=shop.member.pk, points=5000, reason="开卡礼", reference="welcome-1",
                          actor=shop.actor)
    return shop


def _checkout(mall, **kwargs):
    lines = kwargs.pop("lines", [checkout.CheckoutLine(mall.sku_a.pk, 2), checkout.CheckoutLine(mall.sku_b.pk, 1)])
    return checkout.Checkout(store_id=mall.store.pk, lines=lines, customer_id=mall.member.pk, **kwargs)
