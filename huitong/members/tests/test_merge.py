"""merge_members / unmerge_members: a round trip with a participant registered here, the members'
own rows, and every refusal changing nothing."""

import pytest

from huitong.core.models import AuditEntry
from huitong.members import merging, services
from huitong.members.auth import issue_member_token, member_for_token
from huitong.members.errors import (
    CustomerMerged,
    CustomerNotFound,
    InvalidMemberInput,
    MergeAlreadyUndone,
    MergeNotFound,
    UnmergeNotAllowed,
)
from huitong.members.merging import MergeParticipant
from huitong.members.models import Customer, CustomerIdentity, MemberMerge, Purchase
from huitong.members.tests.conftest import at

pytestmark = pytest.mark.django_db


class Coupons:
    """A stand-in for an app above members: rows owned by customer ids, moved by id."""

    def __init__(self):
        self.owner: dict[int, int] = {}

    def move(self, from_id, to_id):
        moved = sorted(k for k, v in self.owner.items() if v == from_id)
        for key in moved:
            self.owner[key] = to_id
        return {"from": from_id, "to": to_id, "ids": moved}

    def undo(self, data):
        for key in data["ids"]:
            if self.owner[key] == data["to"]:
                self.owner[key] = data["from"]


@pytest.fixture
def coupons(monkeypatch):
    store = Coupons()
    monkeypatch.setattr(merging, "_PARTICIPANTS", dict(merging._PARTICIPANTS))
    merging.register_merge_participant(
        MergeParticipant(name="test_coupons", move=store.move, undo=store.undo)
    )
    return store


@pytest.fixture
def pair():
    """A phone member and a nick-only member with identities, a purchase and a token."""
    target = services.identify_member(phone="13800000000", name="张三")
    source = services.identify_member(platform="taobao", nick="茶友", buyer_id="B1")
    services.record_purchase(
        customer_id=source, reference="T-1", store_id=1, amount_fen=150_000, at=at(2026, 11, 1)
    )
    token = issue_member_token(customer_id=source)
    return source, target, token


def test_merge_then_unmerge_restores_exactly_what_moved(pair, coupons, system_actor):
    source, target, token = pair
    coupons.owner.update({1: source, 2: source, 3: target})
    merge = services.merge_members(source_id=source, target_id=target, actor=system_actor, reason="同一人")
    assert merge.moved["test_coupons"] == {"from": source, "to": target, "ids": [1, 2]}
    assert coupons.owner == {1: target, 2: target, 3: target}
    assert set(CustomerIdentity.objects.filter(customer_id=target).values_list("kind", flat=True)) == {
        "phone",
        "nick",
        "buyer_id",
    }
    assert Purchase.objects.get(reference="T-1").customer_id == target and member_for_token(token) == target
    merged = Customer.objects.get(pk=source)
    assert (merged.status, merged.merged_into_id) == ("merged", target)
    target_row = Customer.objects.get(pk=target)
    assert (target_row.tier.code, target_row.spend_12m_fen) == ("silver", 150_000)

    coupons.owner[4] = target  # arrived after the merge: stays with the target
    undone = services.unmerge_members(merge_id=merge.pk, actor=system_actor, reason="客户要求分开")
    assert (undone.status, undone.undo_reason) == ("undone", "客户要求分开") and undone.undone_at
    assert coupons.owner == {1: source, 2: source, 3: target, 4: target}
    assert set(CustomerIdentity.objects.filter(customer_id=source).values_list("kind", flat=True)) == {
        "nick",
        "buyer_id",
    }
    assert set(CustomerIdentity.objects.filter(customer_id=target).values_list("kind", flat=True)) == {
        "phone"
    }
    assert Purchase.objects.get(reference="T-1").customer_id == source and member_for_token(token) == source
    source_row, target_row = Customer.objects.get(pk=source), Customer.objects.get(pk=target)
    assert (source_row.status, source_row.merged_into_id, source_row.tier.code) == ("active", None, "silver")
    assert (target_row.tier.code, target_row.spend_12m_fen) == ("normal", 0)
    steps = list(
        AuditEntry.objects.filter(
            object_type="members.customer", object_id=str(source), from_state__in=["active", "merged"]
        )
        .order_by("at", "id")
        .values_list("from_state", "to_state", "reason")
    )
    assert steps == [("active", "merged", "同一人"), ("merged", "active", "客户要求分开")]
    assert list(
        AuditEntry.objects.filter(object_type="members.membermerge")
        .order_by("id")
        .values_list("to_state", flat=True)
    ) == ["merged", "undone"]

    again = services.merge_members(
        source_id=source, target_id=target, actor=system_actor, reason="又确认是同一人"
    )
    assert again.pk != merge.pk and coupons.owner == {1: target, 2: target, 3: target, 4: target}


def test_a_phone_less_target_takes_the_sources_phone_and_gives_it_back(system_actor):
    source = services.identify_member(phone="13800000000")
    target = services.identify_member(openid="o-1")
    merge = services.merge_members(source_id=source, target_id=target, actor=system_actor, reason="同一人")
    assert Customer.objects.get(pk=target).phone == "+8613800000000"
    assert services.identify_member(phone="13800000000") == target
    services.unmerge_members(merge_id=merge.pk, actor=system_actor, reason="分开")
    assert (
        Customer.objects.get(pk=target).phone == ""
        and services.identify_member(phone="13800000000") == source
    )


def test_merge_refusals_change_nothing(pair, coupons, system_actor, unchanged):
    source, target, _token = pair
    coupons.owner.update({1: source})
    cases = [
        (dict(source_id=source, target_id=source, reason="x"), InvalidMemberInput, "target_id"),
        (dict(source_id=source, target_id=target, reason="  "), InvalidMemberInput, "reason"),
        (dict(source_id=source, target_id=999_999, reason="x"), CustomerNotFound, None),
    ]
    for kwargs, error, field in cases:
        with unchanged(), pytest.raises(error) as err:
            services.merge_members(**kwargs, actor=system_actor)
        if field:
            assert field in err.value.detail["fields"]
    assert coupons.owner == {1: source}
    services.merge_members(source_id=source, target_id=target, actor=system_actor, reason="同一人")
    third = services.identify_member(openid="o-3")
    for kwargs in (dict(source_id=source, target_id=third), dict(source_id=third, target_id=source)):
        with unchanged(), pytest.raises(CustomerMerged) as err:
            services.merge_members(**kwargs, actor=system_actor, reason="x")
        assert err.value.status == 409 and err.value.code == "customer_merged"


def test_a_failing_participant_rolls_the_whole_merge_back(pair, monkeypatch, system_actor, unchanged):
    source, target, _token = pair
    monkeypatch.setattr(merging, "_PARTICIPANTS", dict(merging._PARTICIPANTS))

    def broken(from_id, to_id):
        raise RuntimeError("boom")

    merging.register_merge_participant(MergeParticipant(name="zz_broken", move=broken, undo=lambda d: None))
    with unchanged(), pytest.raises(RuntimeError):
        services.merge_members(source_id=source, target_id=target, actor=system_actor, reason="x")


def test_unmerge_refusals_change_nothing(pair, coupons, system_actor, unchanged):
    source, target, _token = pair
    with unchanged(), pytest.raises(MergeNotFound):
        services.unmerge_members(merge_id=999_999, actor=system_actor, reason="x")
    merge = services.merge_members(source_id=source, target_id=target, actor=system_actor, reason="同一人")
    with unchanged(), pytest.raises(InvalidMemberInput):
        services.unmerge_members(merge_id=merge.pk, actor=system_actor, reason=" ")
    third = services.identify_member(openid="o-3")
    onward = services.merge_members(source_id=target, target_id=third, actor=system_actor, reason="再合并")
    with unchanged(), pytest.raises(UnmergeNotAllowed) as err:
        services.unmerge_members(merge_id=merge.pk, actor=system_actor, reason="x")
    assert err.value.code == "member_unmerge_not_allowed"
    services.unmerge_members(merge_id=onward.pk, actor=system_actor, reason="撤销后一次")
    services.unmerge_members(merge_id=merge.pk, actor=system_actor, reason="撤销前一次")
    with unchanged(), pytest.raises(MergeAlreadyUndone):
        services.unmerge_members(merge_id=merge.pk, actor=system_actor, reason="x")
    assert set(Customer.objects.values_list("status", flat=True)) == {"active"}


def test_unmerge_needs_every_participant_that_moved_rows(pair, coupons, monkeypatch, system_actor, unchanged):
    source, target, _token = pair
    merge = services.merge_members(source_id=source, target_id=target, actor=system_actor, reason="同一人")
    monkeypatch.setattr(
        merging, "_PARTICIPANTS", {k: v for k, v in merging._PARTICIPANTS.items() if k != "test_coupons"}
    )
    with unchanged(), pytest.raises(UnmergeNotAllowed) as err:
        services.unmerge_members(merge_id=merge.pk, actor=system_actor, reason="x")
    assert err.value.detail["missing"] == ["test_coupons"]
    assert MemberMerge.objects.get().status == "merged"


def test_the_orders_participant_is_registered():
    assert "orders" in [p.name for p in merging.merge_participants()]
