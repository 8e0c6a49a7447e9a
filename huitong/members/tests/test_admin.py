"""The members console screens open with data in them (phones masked); undo calls the service."""

import pytest
from django.urls import reverse

from huitong.members import services
from huitong.members.models import Customer, MemberMerge, MemberRfm, Tier
from huitong.members.tests.conftest import at

pytestmark = pytest.mark.django_db


def test_every_members_screen_opens_with_phones_masked(admin_client, system_actor):
    member = services.identify_member(phone="13800000000", name="张三")
    nick = services.identify_member(platform="taobao", nick="茶友")
    services.record_purchase(
        customer_id=member, reference="T-1", store_id=1, amount_fen=100, at=at(2026, 11, 20)
    )
    services.recompute_rfm(now=at(2026, 11, 26))
    services.merge_members(source_id=nick, target_id=member, actor=system_actor, reason="同一人")
    for model in (Customer, Tier, MemberMerge, MemberRfm):
        name = model._meta.model_name
        assert admin_client.get(reverse(f"admin:members_{name}_changelist")).status_code == 200, name
        row = model.objects.first()
        assert admin_client.get(reverse(f"admin:members_{name}_change", args=[row.pk])).status_code == 200, (
            name
        )
    for url in (
        reverse("admin:members_customer_changelist"),
        reverse("admin:members_customer_change", args=[member]),
    ):
        page = admin_client.get(url).content.decode()
        assert "138****0000" in page and "13800000000" not in page


def test_the_undo_action_calls_the_service(admin_client, system_actor):
    a, b = services.identify_member(openid="a"), services.identify_member(openid="b")
    merge = services.merge_members(source_id=a, target_id=b, actor=system_actor, reason="同一人")
    url = reverse("admin:members_membermerge_changelist")
    response = admin_client.post(url, {"action": "undo_merges", "_selected_action": [merge.pk]}, follow=True)
    assert response.status_code == 200
    assert MemberMerge.objects.get().status == "undone" and Customer.objects.get(pk=a).status == "active"


def test_tasks_call_the_services():
    from huitong.members import tasks

    member = services.identify_member(openid="a")
    services.record_purchase(
        customer_id=member, reference="T-1", store_id=1, amount_fen=200_000, at=at(2025, 12, 1)
    )
    assert tasks.recompute_rfm_task.delay(at(2026, 11, 26).isoformat()).get() == {
        "scored": 1,
        "segments": {"champions": 0, "loyal": 0, "potential": 0, "new": 0, "at_risk": 0, "hibernating": 1},
    }
    assert tasks.recompute_tiers_task.delay(at(2026, 12, 2).isoformat()).get() == 1
    assert Customer.objects.get(pk=member).tier.code == "normal"
