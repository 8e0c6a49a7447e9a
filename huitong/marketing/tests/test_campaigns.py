"""Campaigns issue a template to a segment in batches, once per member; the report adds up uses."""

import pytest

from huitong.core.audit import history
from huitong.marketing import selectors, services
from huitong.marketing.errors import InvalidCampaign
from huitong.marketing.models import Campaign, Coupon
from huitong.members.models import Customer

pytestmark = pytest.mark.django_db


def test_run_in_batches_with_progress_and_again_only_for_new_members(shop):
    members = [Customer.objects.create(display_name=f"m{i}").pk for i in range(5)]
    shop.segments["loyal"] = members[:4]
    template = shop.template(value_fen=500)
    campaign = services.create_campaign(
        name="老客回馈", template_id=template.pk, segment="loyal", actor=shop.actor
    )
    progress = []
    run = services.run_campaign(
        campaign_id=campaign.pk,
        actor=shop.actor,
        batch_size=3,
        progress=lambda done, total: progress.append((done, total)),
    )
    assert (run.members, run.issued, run.already_had, run.skipped, run.exhausted) == (4, 4, 0, 0, False)
    assert progress == [(3, 4), (4, 4)]
    shop.segments["loyal"] = members
    run = services.run_campaign(campaign_id=campaign.pk, actor=shop.actor)
    assert (run.issued, run.already_had) == (1, 4)
    assert sorted(Coupon.objects.filter(campaign=campaign).values_list("customer_id", flat=True)) == members
    campaign = Campaign.objects.get(pk=campaign.pk)
    assert (campaign.status, campaign.issued_count) == ("completed", 5)
    assert [h.to_state for h in history(campaign)] == [
        "draft",
        "running",
        "completed",
        "running",
        "completed",
    ]


def test_members_at_the_limit_are_skipped_and_the_total_stops_the_run(shop):
    members = [Customer.objects.create(display_name=f"m{i}").pk for i in range(4)]
    shop.segments["new"] = members
    template = shop.template(total_quantity=3)
    services.claim_coupon(template_id=template.pk, customer_id=members[0])
    campaign = services.create_campaign(name="新客", template_id=template.pk, segment="new", actor=shop.actor)
    run = services.run_campaign(campaign_id=campaign.pk, actor=shop.actor)
    assert (run.issued, run.skipped, run.exhausted) == (2, 1, True)  # m0 at its limit, m3 too late
    shop.segments["new"] = [*members, Customer.objects.create().pk]
    run = services.run_campaign(campaign_id=campaign.pk, actor=shop.actor)
    assert (run.issued, run.already_had, run.skipped, run.exhausted) == (0, 2, 1, True)
    assert Coupon.objects.count() == 3


def test_report_counts_uses_revenue_per_order_and_cost(shop):
    shop.segments["champions"] = [shop.alice.pk, shop.bob.pk]
    template = shop.template(value_fen=1000)
    campaign = services.create_campaign(
        name="高价值", template_id=template.pk, segment="champions", actor=shop.actor
    )
    services.run_campaign(campaign_id=campaign.pk, actor=shop.actor)
    coupon = Coupon.objects.get(campaign=campaign, customer=shop.alice)
    services.redeem_coupons(
        codes=[coupon.code],
        customer_id=shop.alice.pk,
        reference="SO-1",
        actor=shop.actor,
        discount_fen_by_code={coupon.code: 1000},
        order_total_fen=25000,
    )
    report = selectors.campaign_report(campaign.pk)
    assert (
        report.issued,
        report.used,
        report.orders,
        report.revenue_fen,
        report.cost_fen,
        report.use_rate_percent,
    ) == (2, 1, 1, 25000, 1000, 50)
    services.release_coupons(reference="SO-1", actor=shop.actor)
    assert selectors.campaign_report(campaign.pk).revenue_fen == 0


def test_campaign_field_errors(shop):
    with pytest.raises(InvalidCampaign) as exc:
        services.create_campaign(name="", template_id=999999, segment="vip-unknown", actor=shop.actor)
    assert set(exc.value.detail["fields"]) == {"name", "template_id", "segment"}
    assert Campaign.objects.count() == 0
