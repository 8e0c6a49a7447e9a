"""Platform money to fen, exactly, through core.money's one conversion: yuan strings ("88.80"),
yuan numbers that JSON parsed as float (88.8 — taken through their shortest repr, never by float
arithmetic), integer fen (Douyin, some Pinduoduo fields). Sub-fen values are refused."""

from __future__ import annotations

from decimal import Decimal

from huitong.core.money import MoneyError
from huitong.core.money import yuan_to_fen as exact_yuan_to_fen
from huitong.integrations.connectors.base import ConnectorError


def yuan_to_fen(value: str | int | float | Decimal | None, *, field: str = "amount") -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise ConnectorError(f"{field}: not an amount: {value!r}")
    try:
        return exact_yuan_to_fen(repr(value) if isinstance(value, float) else value)
    except MoneyError as exc:
        raise ConnectorError(f"{field}: {exc}") from exc


def fen(value: int | str | None, *, field: str = "amount") -> int:
    """An amount already in fen."""
    if value is None or value == "":
        return 0
    try:
        return int(str(value))
    except ValueError as exc:
        raise ConnectorError(f"{field}: not an integer amount in fen: {value!r}") from exc
