"""Orders' merge participant: a merged member's orders move to the target and exactly those come back."""

import pytest

from huitong.members import services as members
from huitong.orders.models import Order

pytestmark = pytest.mark.django_db


def test_orders_follow_a_member_merge_and_come_back_on_undo(shop, system_actor):
    source = members.identify_member(platform="taobao", nick="茶友")
    target = members.identify_member(phone="13800000000")
    mine = [shop.order((shop.sku_a.pk, 1), customer_id=source).order.pk for _ in range(2)]
    theirs = shop.order((shop.sku_b.pk, 1), customer_id=target).order.pk
    merge = members.merge_members(source_id=source, target_id=target, actor=system_actor, reason="同一人")
    assert merge.moved["orders"] == {"from": source, "to": target, "order_ids": sorted(mine)}
    assert set(Order.objects.filter(customer_id=target).values_list("pk", flat=True)) == {*mine, theirs}
    later = shop.order((shop.sku_a.pk, 1), customer_id=target).order.pk
    members.unmerge_members(merge_id=merge.pk, actor=system_actor, reason="分开")
    assert set(Order.objects.filter(customer_id=source).values_list("pk", flat=True)) == set(mine)
    assert set(Order.objects.filter(customer_id=target).values_list("pk", flat=True)) == {theirs, later}


def test_a_phone_shown_on_an_order_merges_the_nick_members_orders(shop):
    nick_member = members.identify_member(platform="taobao", nick="茶友")
    order = shop.order((shop.sku_a.pk, 1), customer_id=nick_member).order
    phone_member = members.identify_member(phone="13800000000")
    assert members.identify_member(phone="13800000000", platform="taobao", nick="茶友") == phone_member
    assert Order.objects.get(pk=order.pk).customer_id == phone_member
