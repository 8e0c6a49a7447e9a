"""RFM: recency, frequency and monetary scores (1–5 by quintile over the last 365 days) and segments."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, F, Max, Sum
from django.utils import timezone

from huitong.members.models import CustomerStatus, MemberRfm, Purchase, Segment

WINDOW = timedelta(days=365)


def quintile_scores(values: list[int], *, higher_is_better: bool = True) -> list[int]:
    """Score each value 1–5 by its quintile among ``values``: 1 + ⌊5 × (values strictly worse) / n⌋.
    Equal values score the same."""
    ordered = sorted(values)
    n = len(values)
    if higher_is_better:
        return [1 + (5 * bisect_left(ordered, v)) // n for v in values]
    return [1 + (5 * (n - bisect_right(ordered, v))) // n for v in values]


def segment_of(r: int, f: int, m: int) -> str:
    if r >= 4 and f >= 4 and m >= 4:
        return Segment.CHAMPIONS
    if f >= 4 and r >= 3:
        return Segment.LOYAL
    if r >= 4 and f <= 2:
        return Segment.NEW
    if r >= 3:
        return Segment.POTENTIAL
    if f >= 3 or m >= 3:
        return Segment.AT_RISK
    return Segment.HIBERNATING


@dataclass(frozen=True)
class RfmRun:
    scored: int
    segments: dict[str, int]


@transaction.atomic
def recompute_rfm(*, now: datetime | None = None) -> RfmRun:
    """Score every active member who bought in the last 365 days and store scores and segment;
    members without purchases in the window lose their scores."""
    now = now or timezone.now()
    rows = list(
        Purchase.objects.filter(at__gt=now - WINDOW, at__lte=now, customer__status=CustomerStatus.ACTIVE)
        .values("customer_id")
        .annotate(last=Max("at"), count=Count("id"), net=Sum(F("amount_fen") - F("refunded_fen")))
        .order_by("customer_id")
        .values_list("customer_id", "last", "count", "net")
    )
    recency = [max(0, (now - last).days) for _c, last, _n, _m in rows]
    r_scores = quintile_scores(recency, higher_is_better=False) if rows else []
    f_scores = quintile_scores([count for _c, _l, count, _m in rows]) if rows else []
    m_scores = quintile_scores([int(net or 0) for _c, _l, _n, net in rows]) if rows else []
    records = [
        MemberRfm(
            customer_id=customer_id,
            recency_days=recency[i],
            frequency=count,
            monetary_fen=int(net or 0),
            r_score=r_scores[i],
            f_score=f_scores[i],
            m_score=m_scores[i],
            segment=segment_of(r_scores[i], f_scores[i], m_scores[i]),
            computed_at=now,
        )
        for i, (customer_id, _last, count, net) in enumerate(rows)
    ]
    MemberRfm.objects.bulk_create(
        records,
        update_conflicts=True,
        unique_fields=["customer"],
        update_fields=[
            "recency_days",
            "frequency",
            "monetary_fen",
            "r_score",
            "f_score",
            "m_score",
            "segment",
            "computed_at",
        ],
        batch_size=1000,
    )
    # Whoever was not scored now (no purchase in the window, or merged away) loses the old scores.
    MemberRfm.objects.exclude(computed_at=now).delete()
    MemberRfm.objects.exclude(customer__status=CustomerStatus.ACTIVE).delete()
    segments = {code: 0 for code in Segment.values}
    for record in records:
        segments[record.segment] += 1
    return RfmRun(scored=len(records), segments=segments)
