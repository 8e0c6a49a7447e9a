"""How many orders the demo business gets, and when: weekdays, evenings, holiday ramps, noise.

Pure module (no database). Factors are floats because they shape counts of orders; money never
passes through here.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

# Gift-giving holidays: sales ramp up over the weeks before (tea, mooncakes and gift boxes).
GIFT_HOLIDAYS: dict[str, list[date]] = {
    "中秋节": [date(2024, 9, 17), date(2025, 10, 6), date(2026, 9, 25), date(2027, 9, 15), date(2028, 10, 3)],
    "春节": [date(2025, 1, 29), date(2026, 2, 17), date(2027, 2, 6), date(2028, 1, 26), date(2029, 2, 13)],
    "端午节": [date(2025, 5, 31), date(2026, 6, 19), date(2027, 6, 9), date(2028, 5, 28)],
}
GIFT_RAMP_DAYS = 21
GIFT_PEAK = 0.9  # +90 % on the last days before the holiday

# Online shopping festivals (web mall only): month, day → factor
SHOPPING_DAYS = {(11, 11): 3.0, (6, 18): 2.2, (12, 12): 1.6}
SHOPPING_WARMUP = {11: (1, 10, 1.25), 6: (1, 17, 1.2)}  # month → (first day, last day, factor)

WEEKDAY = [0.85, 0.85, 0.9, 0.95, 1.1, 1.35, 1.3]  # Monday … Sunday
STORE_WEEKEND_EXTRA = 1.15  # shops are busier than the web on weekends

# Relative orders per hour of day
WEB_HOURS = [2, 1, 1, 0.5, 0.5, 0.5, 1, 2, 4, 5, 6, 6, 8, 7, 5, 5, 5, 6, 7, 9, 12, 13, 10, 5]
STORE_HOURS = [0] * 10 + [3, 5, 6, 5, 6, 7, 8, 8, 9, 10, 8, 4] + [0] * 2  # open 10:00–21:59


def _days_to_next(day: date, holidays: list[date]) -> int | None:
    ahead = [(h - day).days for h in holidays if 0 <= (h - day).days <= GIFT_RAMP_DAYS]
    return min(ahead) if ahead else None


def gift_season(day: date) -> float:
    """0 outside a pre-holiday ramp, rising to 1 on the eve of a gift holiday."""
    best = 0.0
    for holidays in GIFT_HOLIDAYS.values():
        days = _days_to_next(day, holidays)
        if days is not None:
            best = max(best, (1 - days / GIFT_RAMP_DAYS) ** 2)
    return best


def _golden_week(day: date) -> bool:
    return day.month == 10 and 1 <= day.day <= 7


def day_factor(day: date, *, web: bool) -> float:
    """Expected orders on ``day`` relative to an average day, for the web mall or the shops."""
    factor = WEEKDAY[day.weekday()]
    if not web and day.weekday() >= 5:
        factor *= STORE_WEEKEND_EXTRA
    factor *= 1 + GIFT_PEAK * gift_season(day)
    if _golden_week(day):
        factor *= 0.75 if web else 1.3  # couriers slow down, tourists fill the shops
    if web:
        factor *= SHOPPING_DAYS.get((day.month, day.day), 1.0)
        first, last, warmup = SHOPPING_WARMUP.get(day.month, (0, -1, 1.0))
        if first <= day.day <= last:
            factor *= warmup
    return factor


def orders_on(day: date, *, web: bool, average: float, rng: random.Random) -> int:
    """A noisy order count around ``average × day_factor``."""
    expected = average * day_factor(day, web=web) * max(0.5, rng.gauss(1.0, 0.15))
    whole = int(expected)
    return whole + (1 if rng.random() < expected - whole else 0)


def moments(day: date, count: int, *, web: bool, rng: random.Random, tz) -> list[datetime]:
    """``count`` order times on ``day`` following the hourly pattern, sorted."""
    weights = WEB_HOURS if web else STORE_HOURS
    hours = rng.choices(range(24), weights=weights, k=count)
    start = datetime.combine(day, time.min, tzinfo=tz)
    return sorted(start + timedelta(hours=h, seconds=rng.randrange(3600)) for h in hours)
