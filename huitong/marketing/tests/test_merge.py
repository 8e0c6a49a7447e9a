"""The merge participant: a merged member's coupons move to the target and back on undo."""

import pytest

from huitong.marketing import services
from huitong.marketing.models import Coupon
from huitong.marketing.services.merging import NAME, move_coupons, undo_move_coupons
from huitong.members.merging import merge_participants

pytestmark = pytest.mark.django_db


def test_registered():
    assert NAME in [p.name for p in merge_participants()]


def test_move_renumbers_slots_and_undo_restores_them(shop):
    template = shop.template(per_member_limit=1)
    other = shop.template(name="另一张")
    alices = services.claim_coupon(template_id=template.pk, customer_id=shop.alice.pk)
    bobs = services.claim_coupon(template_id=template.pk, customer_id=shop.bob.pk)
    bobs_other = services.claim_coupon(template_id=other.pk, customer_id=shop.bob.pk)
    data = move_coupons(shop.bob.pk, shop.alice.pk)
    rows = dict(Coupon.objects.values_list("pk", "customer_id"))
    assert rows == {alices.pk: shop.alice.pk, bobs.pk: shop.alice.pk, bobs_other.pk: shop.alice.pk}
    assert Coupon.objects.get(pk=bobs.pk).slot == 2 and Coupon.objects.get(pk=bobs_other.pk).slot == 1
    services.redeem_coupons(codes=[bobs.code], customer_id=shop.alice.pk, reference="SO-1", actor=shop.actor)
    undo_move_coupons(data)
    assert {c.pk: (c.customer_id, c.slot) for c in Coupon.objects.all()} == {
        alices.pk: (shop.alice.pk, 1),
        bobs.pk: (shop.bob.pk, 1),
        bobs_other.pk: (shop.bob.pk, 1),
    }


def test_through_members_merge(shop):
    from huitong.members import services as members

    coupon = services.claim_coupon(template_id=shop.template().pk, customer_id=shop.bob.pk)
    merge = members.merge_members(
        source_id=shop.bob.pk, target_id=shop.alice.pk, actor=shop.actor, reason="同一人"
    )
    assert Coupon.objects.get(pk=coupon.pk).customer_id == shop.alice.pk
    members.unmerge_members(merge_id=merge.pk, actor=shop.actor, reason="误合并")
    assert Coupon.objects.get(pk=coupon.pk).customer_id == shop.bob.pk
