"""Guards and readers for platform payloads (API answers, saved answers, push bodies) that several
connectors apply the same way: an object where one is expected, an id that must be there, a list of
objects, a JSON body, a line quantity.

What a platform's payload means stays in its ``mapping.py``; messages still name the platform, either
through ``platform`` or through the caller's own message (a literal template where it shows values).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from huitong.integrations.connectors.base import ConnectorError
from huitong.integrations.connectors.money import minor_units
from huitong.integrations.connectors.times import china_local, iso8601


# --- guards --------------------------------------------------------------------------------------
def require_object(value: Any, message: str) -> Mapping[str, Any]:
    """``value`` when it is an object (a Mapping); else ConnectorError(``message`` formatted with
    ``type``, the name of what came instead)."""
    if not isinstance(value, Mapping):
        raise ConnectorError(message.format(type=type(value).__name__))
    return value


def required_id(payload: Mapping[str, Any], what: str, *, platform: str, blank: tuple = (None, "")) -> str:
    """``payload["id"]`` as text; "<platform> <what> without id" when it is one of ``blank``."""
    value = payload.get("id")
    if value in blank:
        raise ConnectorError(f"{platform} {what} without id", payload=payload)
    return str(value)


def required_text(value: Any, message: str, *, payload: Any = None) -> str:
    """``value`` as trimmed text; ConnectorError(``message``, ``payload``) when that is empty."""
    found = text(value)
    if not found:
        raise ConnectorError(message, payload=payload)
    return found


def required_china_time(payload: Mapping[str, Any], key: str, where: str) -> datetime:
    """``payload[key]``, Beijing time text, which must be there: "<where>: missing <key>"."""
    moment = china_local(payload.get(key), field=f"{where} {key}")
    if moment is None:
        raise ConnectorError(f"{where}: missing {key}", payload=payload)
    return moment


def object_list(payload: Mapping[str, Any], key: str, *, platform: str) -> list[Mapping[str, Any]]:
    """``payload[key]`` (absent or empty: ``[]``), which must be a list of objects."""
    value = payload.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise ConnectorError(f"{platform} {key} must be a list of objects (order {payload.get('id')})")
    return value


def nonempty_list(payload: Mapping[str, Any], key: str, where: str) -> list[Any]:
    """``payload[key]``, which must be a list with at least one element."""
    items = payload.get(key)
    if not isinstance(items, list) or not items:
        raise ConnectorError(f"{where}: {key} missing or empty", payload=payload)
    return items


def numeric_id(value: Any, *, platform: str) -> str:
    """An id that goes into a URL path: digits only (surrounding spaces dropped)."""
    digits = str(value).strip()
    if not digits.isdigit():
        raise ConnectorError(f"not a {platform} id: {value!r}")
    return digits


# --- JSON ----------------------------------------------------------------------------------------
def parsed_json(payload: Any, what: str) -> Any:
    """A saved payload given as JSON text, parsed; anything else as it is."""
    if isinstance(payload, str):
        try:
            return json.loads(payload)
        except ValueError as exc:
            raise ConnectorError(f"{what} is not JSON: {exc}") from exc
    return payload


def answer_object(response: Any, what: str) -> Mapping[str, Any]:
    """The JSON object an HTTP answer carries (``response`` as ``requests`` gives it)."""
    try:
        body = response.json()
    except ValueError:
        raise ConnectorError(f"{what}: answer is not JSON: {response.text[:200]!r}") from None
    if not isinstance(body, Mapping):
        raise ConnectorError(f"{what}: answer is not an object", payload=body)
    return body


# --- values --------------------------------------------------------------------------------------
def text(value: Any) -> str:
    """A value as trimmed text; ``None`` is ""."""
    return "" if value is None else str(value).strip()


def wire_id(value: str) -> int | str:
    """An id as a JSON integer when it is all digits (platforms that type ids as int64 / Long)."""
    return int(value) if str(value).isdigit() else value


def amount_field(
    order: Mapping[str, Any], key: str, currency: str, order_id: str, *, platform: str, required: bool = False
) -> int:
    """``order[key]`` in minor units of ``currency``; absent is 0 unless ``required``."""
    if required and order.get(key) in (None, ""):
        raise ConnectorError(f"{platform} order {order_id}: no {key}")
    return minor_units(order.get(key), currency, field=f"order {order_id} {key}")


def iso_time_field(
    payload: Mapping[str, Any], key: str, owner: str, *, platform: str, required: bool = False
) -> datetime | None:
    """``payload[key]`` as an ISO 8601 time; absent is None unless ``required``."""
    value = iso8601(payload.get(key), field=f"{owner} {key}")
    if value is None and required:
        raise ConnectorError(f"{platform} {owner}: no {key}")
    return value


# --- quantities ----------------------------------------------------------------------------------
def parse_quantity(value: Any, message: str, *, payload: Any = None, **fields: Any) -> int:
    """``int(str(value))``: a whole number as a JSON number or text. Anything else raises
    ConnectorError(``message`` formatted with ``value`` and ``fields``)."""
    try:
        return int(str(value))
    except ValueError:
        raise ConnectorError(message.format(value=value, **fields), payload=payload) from None


def positive_quantity(value: Any, field: str) -> int:
    """A whole number above zero."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        raise ConnectorError(f"{field}: not a whole number: {value!r}") from None
    if number <= 0:
        raise ConnectorError(f"{field}: must be positive, got {number}")
    return number


def digit_quantity(value: Any, field: str) -> int:
    """A quantity given as an integer or a string of digits (zero allowed; signs and booleans not)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        raise ConnectorError(f"{field}: not a quantity: {value!r}")
    return int(value)


def sku_line_id(key: str, seen: dict[str, int]) -> str:
    """An id for a line that has none of its own: its SKU, ``sku#n`` for the n-th line of the same SKU
    (a gift of the same SKU, say). ``seen`` counts the SKUs of the order so far."""
    seen[key] = seen.get(key, 0) + 1
    return key if seen[key] == 1 else f"{key}#{seen[key]}"
