"""Moving-average cost arithmetic, without the database."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huitong.core.money import round_fen
from huitong.purchasing.costing import moving_average_cost


@pytest.mark.parametrize(
    ("on_hand", "cost", "quantity", "unit_cost", "expected"),
    [
        (0, 0, 10, 1234, 1234),            # nothing on hand: the unit cost received
        (10, 1000, 10, 2000, 1500),         # exact
        (1, 100, 1, 101, 101),              # 100.5 → 101: half up
        (3, 100, 1, 102, 101),              # 100.5 → 101: half up
        (2, 100, 1, 101, 100),              # 100.333… → 100
        (1, 100, 2, 101, 101),              # 100.666… → 101
        (7, 999, 3, 1, 700),                # 699.6 → 700
        (1, 0, 1, 1, 1),                    # 0.5 → 1: half up, not to even
        (3, 0, 1, 2, 1),                    # 0.5 → 1
        (5, 0, 1, 2, 0),                    # 0.333… → 0
    ],
)
def test_moving_average(on_hand, cost, quantity, unit_cost, expected):
    assert moving_average_cost(on_hand_before=on_hand, cost_before_fen=cost, quantity=quantity,
                               unit_cost_fen=unit_cost) == expected


@given(on_hand=st.integers(0, 10**6), cost=st.integers(0, 10**7), quantity=st.integers(1, 10**6),
       unit_cost=st.integers(0, 10**7))
def test_average_lies_between_the_two_costs_and_matches_round_fen(on_hand, cost, quantity, unit_cost):
    result = moving_average_cost(on_hand_before=on_hand, cost_before_fen=cost, quantity=quantity,
                                 unit_cost_fen=unit_cost)
    low, high = (min(cost, unit_cost), max(cost, unit_cost)) if on_hand else (unit_cost, unit_cost)
    assert low <= result <= high
    exact = (Decimal(on_hand) * cost + Decimal(quantity) * unit_cost) / (on_hand + quantity)
    assert result == round_fen(exact) and abs(result - exact) <= Decimal("0.5")


def test_a_receipt_must_add_something():
    with pytest.raises(ValueError):
        moving_average_cost(on_hand_before=1, cost_before_fen=1, quantity=0, unit_cost_fen=1)
