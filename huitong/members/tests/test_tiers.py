"""Purchase facts, tier thresholds, the rolling 12-month window, member_tier and tier updates."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest

from huitong.members import selectors, services
from huitong.members.errors import CustomerMerged, CustomerNotFound, InvalidMemberInput, TierNotFound
from huitong.members.models import Customer, Purchase, Tier
from huitong.members.selectors import DEFAULT_TIER, TierInfo
from huitong.members.services.tiers import window_start
from huitong.members.tests.conftest import at

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 26, 12)


@pytest.fixture
def member():
    return services.identify_member(phone="13800000000")


def buy(customer_id, reference, amount_fen, when=None):
    return services.record_purchase(
        customer_id=customer_id,
        reference=reference,
        store_id=1,
        amount_fen=amount_fen,
        at=when or NOW - timedelta(days=1),
    )


def tier_code(customer_id):
    return Customer.objects.select_related("tier").get(pk=customer_id).tier.code


def test_seeded_tiers():
    rows = list(
        Tier.objects.order_by("rank").values_list(
            "code", "name", "min_spend_fen", "points_multiplier", "member_discount_percent"
        )
    )
    assert rows == [
        ("normal", "普通会员", 0, Decimal("1"), 100),
        ("silver", "银卡", 100_000, Decimal("1.2"), 98),
        ("gold", "金卡", 500_000, Decimal("1.5"), 95),
        ("black", "黑金", 2_000_000, Decimal("2"), 90),
    ]


@pytest.mark.parametrize(
    ("spend", "code"),
    [
        (0, "normal"),
        (99_999, "normal"),
        (100_000, "silver"),
        (499_999, "silver"),
        (500_000, "gold"),
        (1_999_999, "gold"),
        (2_000_000, "black"),
    ],
)
def test_tier_boundaries(member, spend, code):
    assert buy(member, "A", spend) is True
    assert tier_code(member) == code
    assert selectors.member_tier(member).code == code


def test_record_purchase_is_idempotent_per_reference(member):
    assert buy(member, "A", 60_000) is True
    assert buy(member, "A", 60_000) is False
    assert Purchase.objects.count() == 1 and Customer.objects.get(pk=member).spend_12m_fen == 60_000
    assert buy(member, "B", 40_000) is True and tier_code(member) == "silver"


def test_refunds_lower_the_tier_and_stop_at_the_amount(member):
    buy(member, "A", 120_000)
    assert tier_code(member) == "silver"
    services.record_refund(reference="A", amount_fen=30_000)
    assert (tier_code(member), Customer.objects.get(pk=member).spend_12m_fen) == ("normal", 90_000)
    services.record_refund(reference="A", amount_fen=500_000)
    assert Purchase.objects.get(reference="A").refunded_fen == 120_000
    services.record_refund(reference="NEVER-RECORDED", amount_fen=100)  # an order without a member
    assert Purchase.objects.count() == 1


def test_purchase_and_refund_refusals_change_nothing(member, system_actor, unchanged):
    cases = [
        (dict(customer_id=member, reference="", amount_fen=1, at=NOW), InvalidMemberInput, "reference"),
        (dict(customer_id=member, reference="A", amount_fen=-1, at=NOW), InvalidMemberInput, "amount_fen"),
        (
            dict(customer_id=member, reference="A", amount_fen=1, at=NOW.replace(tzinfo=None)),
            InvalidMemberInput,
            "at",
        ),
        (dict(customer_id=999_999, reference="A", amount_fen=1, at=NOW), CustomerNotFound, None),
    ]
    for kwargs, error, field in cases:
        with unchanged(), pytest.raises(error) as err:
            services.record_purchase(**kwargs, store_id=1)
        assert field is None or field in err.value.detail["fields"]
    other = services.identify_member(openid="o-1")
    services.merge_members(source_id=other, target_id=member, actor=system_actor, reason="同一人")
    with unchanged(), pytest.raises(CustomerMerged):
        buy(other, "B", 100)
    buy(member, "C", 100)
    with unchanged(), pytest.raises(InvalidMemberInput):
        services.record_refund(reference="C", amount_fen=0)


def test_purchases_leave_the_rolling_window_as_time_passes(member):
    bought = at(2025, 12, 1, 10)
    buy(member, "A", 600_000, when=bought)
    with mock.patch("django.utils.timezone.now", return_value=at(2025, 12, 2)):
        buy(member, "B", 1, when=at(2025, 12, 2))
    assert tier_code(member) == "gold"
    assert services.recompute_tiers(now=at(2026, 12, 1, 9)) == 0 and tier_code(member) == "gold"
    assert services.recompute_tiers(now=at(2026, 12, 1, 10)) == 1  # exactly a year later: out
    assert (tier_code(member), Customer.objects.get(pk=member).spend_12m_fen) == ("normal", 1)
    assert services.recompute_tiers(now=at(2026, 12, 1, 10)) == 0


def test_the_window_of_a_leap_day():
    assert window_start(at(2028, 2, 29, 8)) == at(2027, 2, 28, 8)
    assert window_start(at(2026, 11, 26)) == at(2025, 11, 26)


def test_recompute_tiers_moves_everyone_up_and_down():
    members = [services.identify_member(openid=f"o-{i}") for i in range(3)]
    Purchase.objects.bulk_create(
        [
            Purchase(
                customer_id=members[0],
                reference="X0",
                store_id=1,
                amount_fen=2_000_000,
                at=NOW - timedelta(days=10),
            ),
            Purchase(
                customer_id=members[1],
                reference="X1",
                store_id=1,
                amount_fen=100_000,
                at=NOW - timedelta(days=400),
            ),
        ]
    )
    Customer.objects.filter(pk=members[1]).update(tier=Tier.objects.get(code="gold"), spend_12m_fen=500_000)
    assert services.recompute_tiers(now=NOW) == 2  # normal → black; gold → normal; normal stays
    assert [tier_code(m) for m in members] == ["black", "normal", "normal"]


def test_member_tier_defaults():
    member = services.identify_member(openid="o-1")
    Customer.objects.filter(pk=member).update(tier=None)
    assert selectors.member_tier(member) == TierInfo("normal", "普通会员", Decimal("1"), 100)
    Customer.objects.update(tier=None)
    Tier.objects.all().delete()
    assert selectors.member_tier(member) == DEFAULT_TIER
    assert selectors.member_tier(999_999) == DEFAULT_TIER


def test_update_tier(system_actor, unchanged):
    silver = Tier.objects.get(code="silver")
    tier = services.update_tier(
        tier_id=silver.pk, min_spend_fen=200_000, points_multiplier=Decimal("1.25"), actor=system_actor
    )
    assert (tier.min_spend_fen, tier.points_multiplier, tier.member_discount_percent) == (
        200_000,
        Decimal("1.25"),
        98,
    )
    for kwargs, field in [
        (dict(min_spend_fen=600_000), "min_spend_fen"),
        (dict(min_spend_fen=0), "min_spend_fen"),
        (dict(member_discount_percent=0), "member_discount_percent"),
        (dict(points_multiplier=Decimal("0")), "points_multiplier"),
        (dict(name=" "), "name"),
    ]:
        with unchanged(), pytest.raises(InvalidMemberInput) as err:
            services.update_tier(tier_id=silver.pk, **kwargs, actor=system_actor)
        assert field in err.value.detail["fields"]
    assert Tier.objects.get(pk=silver.pk).min_spend_fen == 200_000
    with unchanged(), pytest.raises(TierNotFound):
        services.update_tier(tier_id=999, name="x", actor=system_actor)
