"""Platform money to fen, exactly, through core.money's one conversion: yuan strings ("88.80"),
yuan numbers that JSON parsed as float (88.8 — taken through their shortest repr, never by float
arithmetic), integer fen (Douyin, some Pinduoduo fields). Sub-fen values are refused. Amounts in
other currencies (Shopify, WooCommerce) become integer minor units of their currency the same way."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

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


# ISO 4217 minor-unit exponents that are not 2 (the default).
CURRENCY_EXPONENT: dict[str, int] = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
}


def minor_units(value: Any, currency: str, *, field: str) -> int:
    """An amount ("19.99", 88.8, "1000" for JPY) in integer minor units of ``currency``, exactly."""
    exponent = CURRENCY_EXPONENT.get((currency or "").upper(), 2)
    if exponent == 2 or value is None or value == "":
        return yuan_to_fen(value, field=field)
    try:
        amount = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation as exc:
        raise ConnectorError(f"{field}: not an amount: {value!r}") from exc
    return yuan_to_fen(amount.scaleb(exponent - 2), field=field)
