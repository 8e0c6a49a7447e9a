"""Money as integer minor units (fen). Yuan exist only at the edges; rounding happens only here.

- ``yuan_to_fen("88.80") == 8880``; sub-fen input (``"1.005"``) and floats are refused, not rounded.
- ``round_fen(Decimal)`` is the one place a computed amount (rate × amount, average cost) becomes fen:
  half up, away from zero for .5.
- ``allocate_fen(total, weights)`` splits an amount into parts that add up exactly (largest remainder).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN_PER_YUAN = 100
_CENT = Decimal("0.01")


class MoneyError(ValueError):
    """An amount that cannot be represented exactly in fen."""


def yuan_to_fen(value: str | int | Decimal) -> int:
    """Convert a yuan amount given as text, int or Decimal to fen, exactly."""
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError("yuan amounts must be text or Decimal, never float")
    try:
        amount = Decimal(str(value).strip().replace(",", "")) if not isinstance(value, Decimal) else value
    except InvalidOperation as exc:
        raise MoneyError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise MoneyError(f"not an amount: {value!r}")
    fen = amount * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise MoneyError(f"amount has more precision than a fen: {value!r}")
    return int(fen)


def fen_to_yuan(fen: int) -> Decimal:
    """Fen to a Decimal yuan with exactly two places (for display and platform APIs)."""
    return (Decimal(int(fen)) / FEN_PER_YUAN).quantize(_CENT)


def format_yuan(fen: int, symbol: str = "¥") -> str:
    amount = fen_to_yuan(fen)
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{abs(amount):,.2f}"


def round_fen(value: Decimal | int) -> int:
    """The single rounding rule: a Decimal count of fen to whole fen, half up."""
    if isinstance(value, float):
        raise MoneyError("round_fen takes Decimal, never float")
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def allocate_fen(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` fen over ``weights`` so the parts add up exactly to ``total``.

    Largest-remainder method: each part gets the floor of its exact share, and the fen left over go
    one each to the parts with the largest remainders (earlier parts first on ties). With weights
    that are line amounts and ``0 <= total <= sum(weights)``, no part exceeds its weight, so a
    discount spread this way never makes a line negative. All-zero weights split equally.
    """
    if total < 0:
        raise MoneyError("allocate_fen needs a non-negative total")
    if not weights:
        if total:
            raise MoneyError("cannot allocate a non-zero amount over no parts")
        return []
    if any(w < 0 for w in weights):
        raise MoneyError("weights must be non-negative")
    if total == 0 or len(weights) == 1:  # the common cases on every order line, without the arithmetic
        return [0] * len(weights) if total == 0 else [total]
    weights = list(weights) if sum(weights) else [1] * len(weights)
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    remainders = [(total * w) % whole for w in weights]
    left = total - sum(parts)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        parts[index] += 1
    return parts


def spread_discount(discount_fen: int, line_amounts_fen: Sequence[int]) -> list[int]:
    """Spread an order-level discount over lines in proportion to their amounts.

    Returns the discount per line; ``line - share`` is never negative and the shares add up exactly.
    """
    if discount_fen > sum(line_amounts_fen):
        raise MoneyError("discount exceeds the amount it applies to")
    return allocate_fen(discount_fen, line_amounts_fen)
