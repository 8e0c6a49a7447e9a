"""Reorder arithmetic (补货建议), pure: from a stock position to a suggested quantity and every number
behind it. Exact rational arithmetic (no floats, no rounding drift before a ceiling); the figures
shown are Decimals quantized for display only.

- sales velocity per day: ``w × sold_7d / 7 + (1 − w) × sold_30d / 30`` (``w`` = weight of the
  recent week, 0.6 by default: recent sales count more, the month smooths spikes);
- reorder point: ``ceil(velocity × lead time + safety stock)``;
- target stock: ``ceil(velocity × (lead time + cover days) + safety stock)``;
- projected stock: ``on hand − reserved + in transit``;
- reorder when projected stock is at or below the reorder point: the shortfall to the target,
  raised to the supplier's minimum order quantity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

RECENT_WEIGHT = Decimal("0.6")
DEFAULT_COVER_DAYS = 14
DEFAULT_LEAD_TIME_DAYS = 7
_VELOCITY_PLACES = Decimal("0.001")
_COVER_PLACES = Decimal("0.1")


@dataclass(frozen=True)
class StockPosition:
    sold_7d: int
    sold_30d: int
    on_hand: int
    reserved: int
    in_transit: int
    safety_stock: int
    lead_time_days: int
    cover_days: int = DEFAULT_COVER_DAYS
    min_order_quantity: int = 1
    recent_weight: Decimal = RECENT_WEIGHT


@dataclass(frozen=True)
class ReorderNumbers:
    velocity_7d: Decimal
    velocity_30d: Decimal
    daily_velocity: Decimal
    lead_time_demand: Decimal
    reorder_point: int
    target_stock: int
    projected_stock: int
    needs_reorder: bool
    shortfall: int
    suggested_quantity: int
    days_of_cover: Decimal | None


def _shown(value: Fraction, places: Decimal = _VELOCITY_PLACES) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(places)


def reorder_numbers(p: StockPosition) -> ReorderNumbers:
    if not Decimal(0) <= p.recent_weight <= Decimal(1):
        raise ValueError("recent_weight must be between 0 and 1")
    weight = Fraction(p.recent_weight)
    v7, v30 = Fraction(p.sold_7d, 7), Fraction(p.sold_30d, 30)
    velocity = weight * v7 + (1 - weight) * v30
    lead_time_demand = velocity * p.lead_time_days
    reorder_point = math.ceil(lead_time_demand + p.safety_stock)
    target = math.ceil(velocity * (p.lead_time_days + p.cover_days) + p.safety_stock)
    projected = p.on_hand - p.reserved + p.in_transit
    needs = projected <= reorder_point and target > projected
    shortfall = target - projected if needs else 0
    suggested = max(shortfall, p.min_order_quantity) if shortfall else 0
    cover = _shown(Fraction(projected) / velocity, _COVER_PLACES) if velocity else None
    return ReorderNumbers(
        velocity_7d=_shown(v7), velocity_30d=_shown(v30), daily_velocity=_shown(velocity),
        lead_time_demand=_shown(lead_time_demand), reorder_point=reorder_point, target_stock=target,
        projected_stock=projected, needs_reorder=needs, shortfall=shortfall, suggested_quantity=suggested,
        days_of_cover=cover,
    )
