"""Merging one member into another, and undoing it exactly. Members moves its own rows (identities,
purchases, tokens); apps above members move theirs through the participants registered in
``huitong.members.merging``. What moved is kept on the MemberMerge row, so undo moves exactly that back."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huitong.core import audit
from huitong.core.actors import Actor
from huitong.core.states import transition
from huitong.members.errors import (
    CustomerMerged,
    CustomerNotFound,
    InvalidMemberInput,
    MergeAlreadyUndone,
    MergeNotFound,
    UnmergeNotAllowed,
)
from huitong.members.merging import merge_participants
from huitong.members.models import (
    Customer,
    CustomerIdentity,
    CustomerStatus,
    MemberMerge,
    MemberToken,
    MergeStatus,
    Purchase,
)
from huitong.members.services.tiers import recompute_member_tier
from huitong.members.states import CUSTOMER_LIFECYCLE, MERGE_LIFECYCLE

OWN = "members"  # the key of members' own moved rows in MemberMerge.moved


@transaction.atomic
def merge_members(*, source_id: int, target_id: int, actor: Actor, reason: str) -> MemberMerge:
    """Merge ``source`` into ``target``: every identity, purchase, token and participant row of the
    source moves to the target; the source is marked merged (and can no longer be used)."""
    return merge_locked_members(source_id=source_id, target_id=target_id, actor=actor, reason=reason)


def merge_locked_members(*, source_id: int, target_id: int, actor: Actor, reason: str) -> MemberMerge:
    """``merge_members`` inside the caller's transaction (identify_member merges as part of its work)."""
    reason = reason.strip()
    errors = {}
    if not reason:
        errors["reason"] = _("请填写合并原因")
    if source_id == target_id:
        errors["target_id"] = _("不能把会员合并到自己")
    if errors:
        raise InvalidMemberInput.for_fields(errors)
    source, target = _lock_pair(source_id, target_id)
    for customer in (source, target):
        if customer.status != CustomerStatus.ACTIVE:
            raise CustomerMerged(detail={"customer_id": customer.pk, "merged_into": customer.merged_into_id})
    moved: dict[str, Any] = {OWN: _move_own_rows(source, target)}
    for participant in merge_participants():
        moved[participant.name] = participant.move(source.pk, target.pk)
    source.merged_into = target
    transition(
        source,
        CustomerStatus.MERGED,
        lifecycle=CUSTOMER_LIFECYCLE,
        actor=actor,
        reason=reason,
        update_fields=["merged_into"],
        data={"merged_into": target.pk},
    )
    merge = MemberMerge.objects.create(
        source=source, target=target, reason=reason[:200], actor_label=actor.label, moved=moved
    )
    audit.record(
        actor=actor,
        obj=merge,
        to_state=MergeStatus.MERGED,
        reason=reason,
        data={"source_id": source.pk, "target_id": target.pk},
    )
    recompute_member_tier(customer_id=target.pk)
    return merge


@transaction.atomic
def unmerge_members(*, merge_id: int, actor: Actor, reason: str) -> MemberMerge:
    """Undo a merge: exactly the rows that moved go back to the source, which becomes active again.
    A target merged on into a third member must be unmerged from it first."""
    reason = reason.strip()
    if not reason:
        raise InvalidMemberInput.for_fields({"reason": _("请填写撤销原因")})
    merge = MemberMerge.objects.select_for_update().filter(pk=merge_id).first()
    if merge is None:
        raise MergeNotFound(detail={"merge_id": merge_id})
    if merge.status != MergeStatus.MERGED:
        raise MergeAlreadyUndone(detail={"merge_id": merge_id})
    source, target = _lock_pair(merge.source_id, merge.target_id)
    if target.status != CustomerStatus.ACTIVE:
        raise UnmergeNotAllowed(
            _("目标会员已被合并到其他会员，请先撤销那次合并"),
            detail={"target_id": target.pk, "merged_into": target.merged_into_id},
        )
    participants = {p.name: p for p in merge_participants()}
    missing = sorted(set(merge.moved) - {OWN} - set(participants))
    if missing:
        raise UnmergeNotAllowed(_("缺少合并参与方，无法撤销"), detail={"missing": missing})
    for name in sorted(set(merge.moved) - {OWN}, reverse=True):
        participants[name].undo(merge.moved[name])
    _undo_own_rows(merge.moved[OWN], source, target)
    source.merged_into = None
    transition(
        source,
        CustomerStatus.ACTIVE,
        lifecycle=CUSTOMER_LIFECYCLE,
        actor=actor,
        reason=reason,
        update_fields=["merged_into"],
        data={"unmerged_from": target.pk, "merge_id": merge.pk},
    )
    merge.undone_at, merge.undo_reason = timezone.now(), reason[:200]
    transition(
        merge,
        MergeStatus.UNDONE,
        lifecycle=MERGE_LIFECYCLE,
        actor=actor,
        reason=reason,
        update_fields=["undone_at", "undo_reason"],
    )
    recompute_member_tier(customer_id=source.pk)
    recompute_member_tier(customer_id=target.pk)
    return merge


def _lock_pair(source_id: int, target_id: int) -> tuple[Customer, Customer]:
    """Both members locked in primary-key order (no deadlock between opposite merges)."""
    locked = {
        c.pk: c
        for c in Customer.objects.select_for_update().filter(pk__in=[source_id, target_id]).order_by("pk")
    }
    for customer_id in (source_id, target_id):
        if customer_id not in locked:
            raise CustomerNotFound(detail={"customer_id": customer_id})
    return locked[source_id], locked[target_id]


def _ids(queryset) -> list[int]:
    return list(queryset.order_by("pk").values_list("pk", flat=True))


def _move_own_rows(source: Customer, target: Customer) -> dict[str, Any]:
    moved = {
        "from": source.pk,
        "to": target.pk,
        "identity_ids": _ids(CustomerIdentity.objects.filter(customer=source)),
        "purchase_ids": _ids(Purchase.objects.filter(customer=source)),
        "token_ids": _ids(MemberToken.objects.filter(customer=source)),
        "phone_taken": bool(source.phone_hash) and not target.phone_hash,
        "name_taken": bool(source.display_name) and not target.display_name,
    }
    CustomerIdentity.objects.filter(pk__in=moved["identity_ids"]).update(customer=target)
    Purchase.objects.filter(pk__in=moved["purchase_ids"]).update(customer=target)
    MemberToken.objects.filter(pk__in=moved["token_ids"]).update(customer=target)
    if moved["phone_taken"]:
        target.phone, target.phone_hash = source.phone, source.phone_hash
    if moved["name_taken"]:
        target.display_name = source.display_name
    target.save(update_fields=["phone", "phone_hash", "display_name"])
    return moved


def _undo_own_rows(moved: dict[str, Any], source: Customer, target: Customer) -> None:
    CustomerIdentity.objects.filter(pk__in=moved["identity_ids"], customer=target).update(customer=source)
    Purchase.objects.filter(pk__in=moved["purchase_ids"], customer=target).update(customer=source)
    MemberToken.objects.filter(pk__in=moved["token_ids"], customer=target).update(customer=source)
    if moved["phone_taken"] and target.phone_hash == source.phone_hash:
        target.phone, target.phone_hash = "", ""
    if moved["name_taken"] and target.display_name == source.display_name:
        target.display_name = ""
    target.save(update_fields=["phone", "phone_hash", "display_name"])
