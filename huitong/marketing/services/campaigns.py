"""Campaigns: issue a coupon template to a member segment in batches (once per member, however often
it runs), and report what they brought in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huitong.core import audit
from huitong.core.actors import Actor
from huitong.core.errors import InvalidInput
from huitong.core.states import transition
from huitong.marketing.errors import (
    CampaignNotFound,
    CampaignRunning,
    CouponLimitReached,
    CouponsExhausted,
    InvalidCampaign,
)
from huitong.marketing.models import Campaign, CampaignStatus, Coupon, CouponTemplate
from huitong.marketing.services import common
from huitong.marketing.services.coupons import issue_to_member
from huitong.marketing.states import CAMPAIGN_LIFECYCLE

Progress = Callable[[int, int], None]  # (members done, members in the segment)


@dataclass(frozen=True)
class CampaignRun:
    campaign_id: int
    members: int
    issued: int  # in this run
    already_had: int  # members holding this campaign's coupon from an earlier run
    skipped: int  # at the template's per-member limit
    exhausted: bool  # the template ran out before the end of the segment


@transaction.atomic
def create_campaign(*, name: str, template_id: int, segment: str, actor: Actor) -> Campaign:
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("请填写名称")
    if not (segment or "").strip() or len(segment.strip()) > 40:
        errors["segment"] = _("请填写会员分群编码(不超过 40 个字符)")
    else:
        try:
            common.segment_customer_ids(segment.strip())
        except InvalidInput:
            errors["segment"] = _("未知的会员分群: {segment}").format(segment=segment)
    if not CouponTemplate.objects.filter(pk=template_id).exists():
        errors["template_id"] = _("优惠券模板不存在")
    if errors:
        raise InvalidCampaign.for_fields(errors)
    campaign = Campaign.objects.create(name=name.strip(), template_id=template_id, segment=segment.strip())
    audit.record(actor=actor, obj=campaign, to_state=CampaignStatus.DRAFT, reason="创建营销活动")
    return campaign


def _start(campaign_id: int, actor: Actor) -> Campaign:
    with transaction.atomic():
        campaign = (
            Campaign.objects.select_for_update().select_related("template").filter(pk=campaign_id).first()
        )
        if campaign is None:
            raise CampaignNotFound()
        if campaign.status == CampaignStatus.RUNNING:
            raise CampaignRunning()
        transition(
            campaign, CampaignStatus.RUNNING, lifecycle=CAMPAIGN_LIFECYCLE, actor=actor, reason="开始发放"
        )
        return campaign


def _issue_batch(campaign: Campaign, template: CouponTemplate, customer_ids: list[int], actor: Actor):
    """One batch in one transaction; returns (issued, already had, skipped, exhausted)."""
    issued = had = skipped = 0
    now = timezone.now()
    with transaction.atomic():
        keys = {f"campaign:{campaign.pk}:{cid}": cid for cid in customer_ids}
        existing = set(Coupon.objects.filter(issue_key__in=keys).values_list("issue_key", flat=True))
        for key, customer_id in keys.items():
            if key in existing:
                had += 1
                continue
            try:
                issue_to_member(
                    template,
                    customer_id=customer_id,
                    now=now,
                    actor=actor,
                    campaign_id=campaign.pk,
                    issue_key=key,
                )
            except CouponLimitReached:
                skipped += 1
            except CouponsExhausted:
                return issued, had, skipped, True
            else:
                issued += 1
    return issued, had, skipped, False


def run_campaign(
    *, campaign_id: int, actor: Actor, batch_size: int = 500, progress: Progress | None = None
) -> CampaignRun:
    """Issue the campaign's coupon to every member of its segment, ``batch_size`` members per
    transaction, calling ``progress(done, total)`` after each batch. Members who already hold this
    campaign's coupon are left alone (unique issue key), so running again only reaches new members."""
    if not 1 <= batch_size <= 10_000:
        raise InvalidCampaign.for_fields({"batch_size": _("每批数量必须在 1 到 10000 之间")})
    campaign = _start(campaign_id, actor)
    template = campaign.template
    try:
        members = sorted(set(common.segment_customer_ids(campaign.segment)))
        issued = had = skipped = 0
        exhausted = False
        for start in range(0, len(members), batch_size):
            batch = members[start : start + batch_size]
            i, h, s, exhausted = _issue_batch(campaign, template, batch, actor)
            issued, had, skipped = issued + i, had + h, skipped + s
            if progress:
                progress(min(start + batch_size, len(members)), len(members))
            if exhausted:
                break
    finally:
        _finish(campaign.pk, actor)
    Campaign.objects.filter(pk=campaign.pk).update(
        issued_count=Coupon.objects.filter(campaign_id=campaign.pk).count(),
        skipped_count=skipped,
        note=_("优惠券已发完,部分会员未发放") if exhausted else "",
    )
    return CampaignRun(
        campaign_id=campaign.pk,
        members=len(members),
        issued=issued,
        already_had=had,
        skipped=skipped,
        exhausted=exhausted,
    )


def _finish(campaign_id: int, actor: Actor) -> None:
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        campaign.last_run_at = timezone.now()
        transition(
            campaign,
            CampaignStatus.COMPLETED,
            lifecycle=CAMPAIGN_LIFECYCLE,
            actor=actor,
            reason="发放结束",
            update_fields=["last_run_at"],
        )
