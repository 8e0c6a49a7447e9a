"""Input checks shared by the purchasing services: integers in range, collected per field path."""

from __future__ import annotations

MAX_QUANTITY = 10**9
MAX_FEN = 10**13  # 1000 亿元: far beyond any purchase, well inside a BigIntegerField


def check_int(value, path: str, errors: dict[str, str], *, minimum: int = 0, maximum: int = MAX_FEN) -> None:
    """Record an error for ``path`` unless ``value`` is an int (not a bool) within [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, int):
        errors[path] = "必须为整数"
    elif value < minimum:
        errors[path] = "必须为正整数" if minimum > 0 else "必须为非负整数"
    elif value > maximum:
        errors[path] = f"不能超过 {maximum}"
