"""Moving-average cost (移动加权平均成本), pure. Average costs are exact Decimals until they become
money through the one rounding rule, ``core.money.round_fen`` (half up)."""

from __future__ import annotations

from decimal import Decimal

from huitong.core.money import round_fen


def moving_average_cost(*, on_hand_before: int, cost_before_fen: int, quantity: int, unit_cost_fen: int) -> int:
    """``round_fen((on_hand_before × cost_before + quantity × unit_cost) / (on_hand_before + quantity))``.

    Stock on hand before the receipt is never negative (the inventory invariant); with nothing on hand
    the new cost is simply the unit cost received."""
    if quantity <= 0:
        raise ValueError("a receipt adds a positive quantity")
    on_hand_before = max(on_hand_before, 0)
    value = Decimal(on_hand_before) * cost_before_fen + Decimal(quantity) * unit_cost_fen
    return round_fen(value / (on_hand_before + quantity))
