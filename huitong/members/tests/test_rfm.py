"""RFM quintile scores on a known data set, segments, and the segment audience."""

from datetime import timedelta

import pytest

from huitong.members import selectors, services
from huitong.members.errors import InvalidMemberInput
from huitong.members.models import MemberRfm, Purchase
from huitong.members.services.rfm import quintile_scores, segment_of
from huitong.members.tests.conftest import at

NOW = at(2026, 11, 26, 12)


def test_quintile_scores():
    assert quintile_scores(list(range(10))) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert quintile_scores([50, 10, 40, 20, 30]) == [5, 1, 4, 2, 3]
    assert quintile_scores([7, 7, 7]) == [1, 1, 1]  # ties score alike
    assert quintile_scores([1, 1, 2, 2, 9]) == [1, 1, 3, 3, 5]
    assert quintile_scores(list(range(10)), higher_is_better=False) == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert quintile_scores([3], higher_is_better=False) == [1]


def test_segments():
    assert segment_of(5, 5, 5) == "champions"
    assert segment_of(3, 4, 1) == "loyal"
    assert segment_of(5, 1, 1) == "new"
    assert segment_of(3, 2, 5) == "potential"
    assert segment_of(1, 4, 1) == "at_risk"
    assert segment_of(2, 1, 1) == "hibernating"


@pytest.mark.django_db
def test_recompute_rfm_on_a_known_data_set():
    # Member i (0..9) last bought i*30 days ago, bought i+1 times... reversed for money: 10-i yuan per order.
    members = [services.identify_member(openid=f"o-{i}") for i in range(10)]
    purchases = []
    for i, member in enumerate(members):
        for n in range(10 - i):  # member 0 buys most often
            purchases.append(
                Purchase(
                    customer_id=member,
                    reference=f"P{i}-{n}",
                    store_id=1,
                    amount_fen=(i + 1) * 100,
                    at=NOW - timedelta(days=i * 30 + n),
                )
            )
    old = services.identify_member(openid="o-old")
    purchases.append(
        Purchase(customer_id=old, reference="OLD", store_id=1, amount_fen=100, at=NOW - timedelta(days=366))
    )
    Purchase.objects.bulk_create(purchases)
    run = services.recompute_rfm(now=NOW)
    assert run.scored == 10
    rows = {r.customer_id: r for r in MemberRfm.objects.all()}
    assert old not in rows
    # recency: member 0 most recent; frequency: member 0 most; monetary = (10-i)*(i+1)*100
    assert [rows[m].recency_days for m in members] == [i * 30 for i in range(10)]
    assert [rows[m].r_score for m in members] == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert [rows[m].f_score for m in members] == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    monetary = [
        (10 - i) * (i + 1) * 100 for i in range(10)
    ]  # 1000 1800 2400 2800 3000 3000 2800 2400 1800 1000
    assert [rows[m].monetary_fen for m in members] == monetary
    assert [rows[m].m_score for m in members] == [1, 2, 3, 4, 5, 5, 4, 3, 2, 1]
    assert [rows[m].segment for m in members] == [
        "loyal",
        "loyal",
        "loyal",
        "champions",
        "potential",
        "potential",
        "at_risk",
        "at_risk",
        "hibernating",
        "hibernating",
    ]  # (r, f, m) 554 → loyal (m too low), 444 → champions, 224 → at_risk
    assert run.segments == {
        "champions": 1,
        "loyal": 3,
        "potential": 2,
        "new": 0,
        "at_risk": 2,
        "hibernating": 2,
    }
    assert selectors.segment_customer_ids(segment="loyal") == members[:3]
    counts = {c.code: (c.label, c.count) for c in selectors.segment_counts()}
    assert counts["champions"] == ("重要价值", 1) and counts["hibernating"] == ("沉睡", 2)

    # a year on, nobody bought in the window: scores go
    assert services.recompute_rfm(now=NOW + timedelta(days=400)).scored == 0
    assert MemberRfm.objects.count() == 0


@pytest.mark.django_db
def test_refunds_count_against_monetary_and_merged_members_leave_segments(system_actor):
    a, b = services.identify_member(openid="a"), services.identify_member(openid="b")
    services.record_purchase(
        customer_id=a, reference="A", store_id=1, amount_fen=1000, at=NOW - timedelta(days=1)
    )
    services.record_purchase(
        customer_id=b, reference="B", store_id=1, amount_fen=500, at=NOW - timedelta(days=1)
    )
    services.record_refund(reference="A", amount_fen=800)
    services.recompute_rfm(now=NOW)
    assert MemberRfm.objects.get(customer_id=a).monetary_fen == 200
    services.merge_members(source_id=b, target_id=a, actor=system_actor, reason="同一人")
    services.recompute_rfm(now=NOW + timedelta(seconds=1))
    assert list(MemberRfm.objects.values_list("customer_id", "frequency", "monetary_fen")) == [(a, 2, 700)]


@pytest.mark.django_db
def test_an_unknown_segment_is_a_field_error():
    with pytest.raises(InvalidMemberInput) as err:
        selectors.segment_customer_ids(segment="vip")
    assert "segment" in err.value.detail["fields"]
