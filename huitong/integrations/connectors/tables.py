"""Lookups in a platform's code tables: ``ORDER_STATUS``, ``REFUND_STATUS`` (platform code → Huitong
state) and ``CARRIERS`` (Huitong carrier → the platform's carrier code).

The tables themselves stay in each platform's ``mapping.py``; what is shared is how a code the table
lacks is refused. The message is the platform's own: a literal template that names the platform and
the code, formatted with ``key`` (the code looked up) and the extra fields passed along.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from huitong.integrations.connectors.base import ConnectorError, UnknownStatus

K = TypeVar("K")
V = TypeVar("V")


def status_of(table: Mapping[K, V], key: K, unknown: str, *, payload: Any = None, **fields: Any) -> V:
    """``table[key]``; a code missing from the table raises ``UnknownStatus`` (``code=str(key)``)."""
    try:
        return table[key]
    except KeyError:
        raise UnknownStatus(unknown.format(key=key, **fields), code=str(key), payload=payload) from None


def carrier_of(table: Mapping[str, V], key: str, unknown: str, **fields: Any) -> V:
    """``table[key]`` for a Huitong carrier code; a carrier the platform has no code for raises
    ``ConnectorError`` with ``code="unknown_carrier"``."""
    try:
        return table[key]
    except KeyError:
        raise ConnectorError(unknown.format(key=key, **fields), code="unknown_carrier") from None
