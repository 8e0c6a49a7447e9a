"""Transaction helpers for services.

``joins_caller_transaction``: a service that owns its transaction when called alone, and joins the
caller's transaction *without a savepoint* when nested. Only for services that raise every
``DomainError`` before their first write (validate, then write): such a service never leaves
partial writes behind when it refuses, so the savepoint would buy nothing but two round trips.
A service that may refuse after writing keeps plain ``transaction.atomic``.
"""

from __future__ import annotations

from functools import wraps

from django.db import connection, transaction


def joins_caller_transaction(func):
    @wraps(func)
    def wrapper(*args, **kwargs):
        if connection.in_atomic_block:
            return func(*args, **kwargs)
        with transaction.atomic():
            return func(*args, **kwargs)

    return wrapper
