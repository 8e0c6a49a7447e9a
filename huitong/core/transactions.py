"""Transaction helpers for services.

``retry_deadlocks``: run a whole transaction again when PostgreSQL broke a deadlock by aborting it.

``joins_caller_transaction``: a service that owns its transaction when called alone, and joins the
caller's transaction *without a savepoint* when nested. Only for services that raise every
``DomainError`` before their first write (validate, then write): such a service never leaves
partial writes behind when it refuses, so the savepoint would buy nothing but two round trips.
A service that may refuse after writing keeps plain ``transaction.atomic``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.db import OperationalError, connection, transaction

T = TypeVar("T")


def joins_caller_transaction(func):
    @wraps(func)
    def wrapper(*args, **kwargs):
        if connection.in_atomic_block:
            return func(*args, **kwargs)
        with transaction.atomic():
            return func(*args, **kwargs)

    return wrapper


DEADLOCK_ATTEMPTS = 3
_RETRYABLE_SQLSTATES = ("40P01", "40001")  # deadlock detected, serialization failure (PostgreSQL)


def is_deadlock(exc: OperationalError) -> bool:
    return getattr(exc.__cause__, "sqlstate", None) in _RETRYABLE_SQLSTATES


def retry_deadlocks(run: Callable[[], T], attempts: int = DEADLOCK_ATTEMPTS) -> T:
    """Run a function that owns one whole transaction again when PostgreSQL aborted it to break a deadlock:
    the transaction rolled back entirely, so running it again is safe. Inside a caller's transaction the
    error goes up instead (only the outermost transaction can be run again)."""
    for attempt in range(attempts):
        try:
            return run()
        except OperationalError as exc:
            if connection.in_atomic_block or attempt == attempts - 1 or not is_deadlock(exc):
                raise
    raise AssertionError("unreachable")
