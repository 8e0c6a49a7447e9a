"""Pulling a time window page by page: cutting it into spans of at most ``max_window``, numbering the
pages of a pull, reading counted pages last to first, halving an over-full window and passing each
record version on once.

Each adapter still decides how its platform pages (offsets, cursors, counts, inclusive or exclusive
bounds); these are the pieces several of them do the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from huitong.integrations.connectors.base import ConnectorError, OrderPage, PlatformOrder

T = TypeVar("T")
Answer = TypeVar("Answer")


class Versioned(Protocol):
    @property
    def updated_at(self) -> datetime: ...


Record = TypeVar("Record", bound=Versioned)


# --- windows -------------------------------------------------------------------------------------
def split_window(
    start: datetime, end: datetime, size: timedelta, *, naive: str, refuse_backwards: bool = False
) -> list[tuple[datetime, datetime]]:
    """[start, end) as consecutive spans of at most ``size``; none when ``end <= start``.

    Naive datetimes are refused with the message ``naive``. With ``refuse_backwards`` an end before the
    start is refused too, instead of giving no spans."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ConnectorError(naive)
    if refuse_backwards and end < start:
        raise ConnectorError(f"window ends before it starts: {start.isoformat()} > {end.isoformat()}")
    spans = []
    while start < end:
        spans.append((start, min(start + size, end)))
        start = spans[-1][1]
    return spans


def unix_windows(start: datetime, end: datetime, size: timedelta, *, naive: str) -> Iterator[tuple[int, int]]:
    """[start, end) in whole unix seconds, cut into spans of at most ``size``. Bounds are floored: the
    fraction of a second left at the end is the start of the next pull. Naive datetimes are refused
    (when iterating) with the message ``naive``."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ConnectorError(naive)
    lo, hi, step = int(start.timestamp()), int(end.timestamp()), int(size.total_seconds())
    while lo < hi:
        yield lo, min(lo + step, hi)
        lo += step


# --- pages ---------------------------------------------------------------------------------------
def across_windows(
    windows: list[tuple[datetime, datetime]],
    pages_of: Callable[[datetime, datetime], Iterable[tuple[T, bool]]],
) -> Iterator[tuple[T, bool]]:
    """The pages of each window in turn, as (page, more_follow): more follow a page when its own window
    has a next page or another window is still to come (a following page may turn out empty)."""
    for index, (lower, upper) in enumerate(windows):
        last_window = index == len(windows) - 1
        for page, has_next in pages_of(lower, upper):
            yield page, has_next or not last_window


def numbered_pages(pages: Iterable[tuple[PlatformOrder, ...]]) -> Iterator[OrderPage]:
    """Non-empty pages numbered from 1 across the whole pull, ``has_more`` telling whether another
    page follows (one page of look-ahead); a pull with no orders gives one empty page."""
    pending = (page for page in pages if page)
    current = next(pending, None)
    if current is None:
        yield OrderPage((), 1, False)
        return
    number = 1
    while current is not None:
        following = next(pending, None)
        yield OrderPage(current, number, following is not None)
        current, number = following, number + 1


def halves(pages_of: Callable[[int, int], Iterable[T]], lo: int, hi: int) -> Iterator[T]:
    """The pages of [lo, hi) read as two windows, its halves: for a window holding more rows than
    the listing lets one page through."""
    middle = lo + (hi - lo) // 2
    yield from pages_of(lo, middle)
    yield from pages_of(middle, hi)


def pages_last_to_first(
    read: Callable[[int], Answer], total: Callable[[Answer], Any], page_size: int
) -> tuple[int, Iterator[tuple[int, Answer]]]:
    """Counted paging read backwards: (page count, (page number, answer) from the last page to the
    first). Page 1 is read once to count (``total`` gives the row count of an answer); with more than
    one page it is read again last, since the count may be stale by then. A record updated while we
    page leaves the window and shifts the rest towards page 1: reading backwards turns that into a
    repeat instead of a miss."""
    first = read(1)
    count = max(1, math.ceil(int(total(first) or 0) / page_size))
    if count == 1:
        return 1, iter([(1, first)])
    return count, ((page, read(page)) for page in range(count, 0, -1))


def row_count(value: Any, field: str) -> int:
    """A listing's total row count (``None`` or empty for none)."""
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        raise ConnectorError(f"{field}: not a number: {value!r}") from None


# --- versions ------------------------------------------------------------------------------------
def new_versions(
    items: Iterable[Record], seen: set[tuple[str, datetime]], *, id_of: Callable[[Record], str]
) -> list[Record]:
    """The items (orders or refunds) whose version, (id, ``updated_at``), is not in ``seen`` yet; they
    are added to it. Windows whose bounds are inclusive answer a record changed on a boundary twice:
    a pull passes each version on once."""
    fresh = [item for item in items if (id_of(item), item.updated_at) not in seen]
    seen.update((id_of(item), item.updated_at) for item in fresh)
    return fresh
