"""Audit rows and outbox messages of one service call, written together at its end.

A busy service writes several audit entries and outbox messages in one transaction (an order paid: the
payment's entry, the order's, the review's, the order event). Inside ``batched()`` — opened within the
service's transaction — ``audit.record`` and ``outbox.emit`` keep their rows and the block writes them with
one insert per table when it ends, still inside that transaction. Nothing else changes: the rows, their
order within each table, and the transaction they commit or roll back with.

Rows are kept only at the transaction depth where the block began: inside a savepoint opened later (which
may roll back on its own) they are written at once, as without a batch. When the block ends with an
exception its kept rows are dropped: they would have rolled back with the transaction. The returned
instances get their primary keys when the block ends; batched services do not use them before that.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

from django.db import connection

_state = threading.local()


class _Batch:
    def __init__(self, depth: int):
        self.depth = depth
        self.audit: list = []
        self.outbox: list = []


def _depth() -> int:
    """Savepoints open on the connection. An ``atomic(savepoint=False)`` block opens none (Django notes it as
    None): it cannot roll back on its own, so rows written inside it may wait for the batch too."""
    return sum(1 for sid in connection.savepoint_ids if sid is not None)


def current() -> _Batch | None:
    """The open batch, if rows written here may wait for its end."""
    batch = getattr(_state, "batch", None)
    if batch is None or not connection.in_atomic_block or _depth() != batch.depth:
        return None
    return batch


@contextmanager
def batched():
    """Keep audit rows and outbox messages until the block ends (see the module). Outside a transaction,
    or inside an open batch (the outer one writes), it changes nothing."""
    if getattr(_state, "batch", None) is not None or not connection.in_atomic_block:
        yield
        return
    batch = _Batch(_depth())
    _state.batch = batch
    try:
        yield
    except BaseException:
        _state.batch = None
        raise
    _state.batch = None
    _flush(batch)


def _flush(batch: _Batch) -> None:
    from huitong.core import bulkinsert, outbox

    if batch.audit:
        bulkinsert.insert(batch.audit)
    if batch.outbox:
        outbox.write_many(batch.outbox)
