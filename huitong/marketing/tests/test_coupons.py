"""Coupon templates, claims, lock/redeem/release, void and expiry: each refusal leaves nothing changed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from huitong.core.audit import history
from huitong.core.errors import InvalidTransition
from huitong.marketing import selectors, services
from huitong.marketing.errors import (
    CouponAlreadyUsed,
    CouponLimitReached,
    CouponNotFound,
    CouponsExhausted,
    CouponTemplateClosed,
    CouponUnavailable,
    InvalidCouponTemplate,
)
from huitong.marketing.models import Coupon, CouponTemplate

pytestmark = pytest.mark.django_db


def test_template_field_errors_create_nothing(shop):
    with pytest.raises(InvalidCouponTemplate) as exc:
        services.create_coupon_template(
            name="",
            kind="percent",
            value_fen=100,
            pay_percent=100,
            cap_fen=0,
            threshold_fen=-1,
            per_member_limit=0,
            total_quantity=0,
            scope={"sku_ids": [999999], "platforms": ["mars"], "colour": 1},
            actor=shop.actor,
        )
    assert set(exc.value.detail["fields"]) == {
        "name",
        "pay_percent",
        "value_fen",
        "cap_fen",
        "threshold_fen",
        "valid_until",
        "per_member_limit",
        "total_quantity",
        "scope.sku_ids",
        "scope.platforms",
        "scope.colour",
    }
    with pytest.raises(InvalidCouponTemplate) as exc:
        services.create_coupon_template(
            name="x", kind="fixed", value_fen=2000, threshold_fen=1000, valid_days=7, actor=shop.actor
        )
    assert exc.value.detail["fields"] == {"value_fen": "面额不能超过使用门槛"}
    assert CouponTemplate.objects.count() == 0


def test_claim_respects_the_per_member_limit_and_the_total(shop):
    template = shop.template(per_member_limit=2, total_quantity=3)
    first = services.claim_coupon(template_id=template.pk, customer_id=shop.alice.pk)
    second = services.claim_coupon(template_id=template.pk, customer_id=shop.alice.pk)
    assert (first.slot, second.slot) == (1, 2) and first.code != second.code and len(first.code) == 12
    with pytest.raises(CouponLimitReached):
        services.claim_coupon(template_id=template.pk, customer_id=shop.alice.pk)
    assert CouponTemplate.objects.get(pk=template.pk).issued_count == 2  # the refused claim took nothing
    services.claim_coupon(template_id=template.pk, customer_id=shop.bob.pk)
    with pytest.raises(CouponsExhausted):
        services.claim_coupon(template_id=template.pk, customer_id=shop.bob.pk)
    assert Coupon.objects.count() == 3 and CouponTemplate.objects.get(pk=template.pk).issued_count == 3


def test_validity_days_after_claim_within_the_window(shop):
    until = timezone.now() + timedelta(days=3)
    coupon = services.claim_coupon(
        template_id=shop.template(valid_days=30, valid_until=until).pk, customer_id=shop.bob.pk
    )
    assert coupon.valid_until == until
    coupon = services.claim_coupon(template_id=shop.template(valid_days=7).pk, customer_id=shop.bob.pk)
    assert timedelta(days=7) - timedelta(seconds=5) < coupon.valid_until - timezone.now() <= timedelta(days=7)


def test_closed_templates_issue_nothing(shop):
    template = shop.template()
    services.set_coupon_template_active(template_id=template.pk, is_active=False, actor=shop.actor)
    with pytest.raises(CouponTemplateClosed):
        services.claim_coupon(template_id=template.pk, customer_id=shop.bob.pk)
    assert Coupon.objects.count() == 0


def test_redeem_once_then_conflict_and_nothing_changes(shop):
    coupon = services.claim_coupon(template_id=shop.template().pk, customer_id=shop.alice.pk)
    ids = services.redeem_coupons(
        codes=[coupon.code],
        customer_id=shop.alice.pk,
        reference="SO-1",
        actor=shop.actor,
        discount_fen_by_code={coupon.code: 1000},
        order_total_fen=15000,
    )
    assert ids == [coupon.pk]
    used = Coupon.objects.get(pk=coupon.pk)
    assert (used.status, used.used_reference, used.discount_fen, used.order_total_fen) == (
        "used",
        "SO-1",
        1000,
        15000,
    )
    with pytest.raises(CouponAlreadyUsed):
        services.redeem_coupons(
            codes=[coupon.code], customer_id=shop.alice.pk, reference="SO-2", actor=shop.actor
        )
    assert Coupon.objects.get(pk=coupon.pk).used_reference == "SO-1"
    assert [(h.from_state, h.to_state) for h in history(used)] == [("", "issued"), ("issued", "used")]


def test_redeem_is_all_or_nothing(shop):
    template = shop.template(per_member_limit=2)
    good = services.claim_coupon(template_id=template.pk, customer_id=shop.alice.pk)
    bobs = services.claim_coupon(template_id=template.pk, customer_id=shop.bob.pk)
    with pytest.raises(CouponUnavailable) as exc:
        services.redeem_coupons(
            codes=[good.code, bobs.code], customer_id=shop.alice.pk, reference="SO-1", actor=shop.actor
        )
    assert exc.value.message == "该优惠券不属于当前会员"
    assert set(Coupon.objects.values_list("status", flat=True)) == {"issued"}
    with pytest.raises(CouponNotFound):
        services.redeem_coupons(codes=["NOSUCHCODE"], customer_id=None, reference="SO-1", actor=shop.actor)


def test_lock_then_redeem_by_the_same_order_only(shop):
    coupon = services.claim_coupon(template_id=shop.template().pk, customer_id=shop.alice.pk)
    services.lock_coupons(codes=[coupon.code], customer_id=shop.alice.pk, reference="SO-1", actor=shop.actor)
    with pytest.raises(CouponUnavailable) as exc:
        services.redeem_coupons(
            codes=[coupon.code], customer_id=shop.alice.pk, reference="SO-2", actor=shop.actor
        )
    assert exc.value.message == "优惠券已被其他订单锁定"
    services.redeem_coupons(
        codes=[coupon.code], customer_id=shop.alice.pk, reference="SO-1", actor=shop.actor
    )
    assert Coupon.objects.get(pk=coupon.pk).status == "used"


def test_release_returns_coupons_of_a_cancelled_order_once(shop):
    template = shop.template(per_member_limit=2)
    a = services.claim_coupon(template_id=template.pk, customer_id=shop.alice.pk)
    b = services.claim_coupon(template_id=template.pk, customer_id=shop.alice.pk)
    services.redeem_coupons(
        codes=[a.code, b.code],
        customer_id=shop.alice.pk,
        reference="SO-9",
        actor=shop.actor,
        discount_fen_by_code={a.code: 1000, b.code: 1000},
        order_total_fen=30000,
    )
    Coupon.objects.filter(pk=b.pk).update(
        valid_until=timezone.now() - timedelta(seconds=1), valid_from=timezone.now() - timedelta(days=1)
    )
    assert services.release_coupons(reference="SO-9", actor=shop.actor) == 2
    assert services.release_coupons(reference="SO-9", actor=shop.actor) == 0
    rows = {c.pk: (c.status, c.used_reference, c.discount_fen) for c in Coupon.objects.all()}
    assert rows == {a.pk: ("issued", "", 0), b.pk: ("expired", "", 0)}
    services.redeem_coupons(codes=[a.code], customer_id=shop.alice.pk, reference="SO-10", actor=shop.actor)


def test_anonymous_codes_are_single_use_by_anyone(shop):
    template = shop.template(total_quantity=3)
    codes = services.issue_codes(template_id=template.pk, count=2, actor=shop.actor)
    assert len({c.code for c in codes}) == 2 and all(c.customer_id is None for c in codes)
    services.redeem_coupons(codes=[codes[0].code], customer_id=None, reference="POS-1", actor=shop.actor)
    services.redeem_coupons(
        codes=[codes[1].code], customer_id=shop.bob.pk, reference="SO-1", actor=shop.actor
    )
    with pytest.raises(CouponsExhausted):
        services.issue_codes(template_id=template.pk, count=2, actor=shop.actor)
    assert Coupon.objects.count() == 2


def test_void_and_expire(shop):
    template = shop.template(per_member_limit=3)
    a, b, c = (services.claim_coupon(template_id=template.pk, customer_id=shop.alice.pk) for _ in range(3))
    services.void_coupon(code=a.code, reason="误发", actor=shop.actor)
    with pytest.raises(InvalidTransition):
        services.void_coupon(code=a.code, reason="再作废", actor=shop.actor)
    services.redeem_coupons(codes=[c.code], customer_id=shop.alice.pk, reference="SO-1", actor=shop.actor)
    with pytest.raises(InvalidTransition):
        services.void_coupon(code=c.code, reason="已用", actor=shop.actor)
    assert services.expire_coupons(now=timezone.now() + timedelta(days=31)) == 1
    statuses = dict(Coupon.objects.values_list("pk", "status"))
    assert statuses == {a.pk: "void", b.pk: "expired", c.pk: "used"}
    assert selectors.get_coupon_by_code(b.code.lower()).pk == b.pk
