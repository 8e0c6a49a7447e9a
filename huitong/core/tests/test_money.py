from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huitong.core.money import (
    MoneyError,
    allocate_fen,
    fen_to_yuan,
    format_yuan,
    round_fen,
    spread_discount,
    yuan_to_fen,
)


@pytest.mark.parametrize(
    ("text", "fen"),
    [("88.80", 8880), ("88.8", 8880), ("0", 0), ("0.01", 1), (" 1,234.50 ", 123450), (12, 1200),
     (Decimal("3.10"), 310), ("-5.00", -500), ("1.000", 100)],
)
def test_yuan_to_fen_is_exact(text, fen):
    assert yuan_to_fen(text) == fen


@pytest.mark.parametrize("bad", ["1.005", "abc", "", "NaN", "Infinity", 1.5, True])
def test_yuan_to_fen_refuses_sub_fen_floats_and_junk(bad):
    with pytest.raises(MoneyError):
        yuan_to_fen(bad)


def test_fen_to_yuan_and_format():
    assert fen_to_yuan(8880) == Decimal("88.80")
    assert format_yuan(123456) == "¥1,234.56"
    assert format_yuan(-5) == "-¥0.05"


@pytest.mark.parametrize(("value", "fen"), [("2.5", 3), ("2.4999", 2), ("-2.5", -3), ("0.5", 1), ("7", 7)])
def test_round_fen_is_half_up(value, fen):
    assert round_fen(Decimal(value)) == fen


def test_round_fen_refuses_float():
    with pytest.raises(MoneyError):
        round_fen(2.5)


def test_allocate_largest_remainder():
    assert allocate_fen(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate_fen(10, [0, 0]) == [5, 5]
    assert allocate_fen(0, [3, 4]) == [0, 0]
    assert allocate_fen(7, [2, 5]) == [2, 5]
    assert allocate_fen(7, [0]) == [7] and allocate_fen(7, [3]) == [7] and allocate_fen(0, [0, 0]) == [0, 0]
    assert spread_discount(1000, [2990, 5980, 990]) == [300, 601, 99]


def test_allocate_rejects_bad_input():
    with pytest.raises(MoneyError):
        allocate_fen(-1, [1])
    with pytest.raises(MoneyError):
        allocate_fen(1, [])
    with pytest.raises(MoneyError):
        allocate_fen(1, [1, -1])
    with pytest.raises(MoneyError):
        allocate_fen(0, [1, -1])
    with pytest.raises(MoneyError):
        spread_discount(101, [50, 50])


amounts = st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30)


@given(amounts, st.data())
def test_spread_discount_adds_up_and_never_makes_a_line_negative(lines, data):
    discount = data.draw(st.integers(min_value=0, max_value=sum(lines)))
    shares = spread_discount(discount, lines)
    assert sum(shares) == discount
    assert all(0 <= share <= line for share, line in zip(shares, lines, strict=True))
    assert spread_discount(discount, lines) == shares  # deterministic


@given(st.integers(min_value=0, max_value=10**12), st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20))
def test_allocate_fen_parts_sum_to_total(total, weights):
    parts = allocate_fen(total, weights)
    assert sum(parts) == total
    assert all(p >= 0 for p in parts)
