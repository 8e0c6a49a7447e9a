"""The audit log: every state change leaves one entry (who, when, object, from, to, why)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models

from huitong.core import batch, bulkinsert
from huitong.core.actors import Actor
from huitong.core.models import AuditEntry


def record(
    *, actor: Actor, obj: models.Model, from_state: str = "", to_state: str = "", reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.user_id,
        actor_label=actor.label,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        from_state=from_state,
        to_state=to_state,
        reason=reason[:500],
        data=data or {},
    )
    open_batch = batch.current()
    if open_batch is not None:
        open_batch.audit.append(entry)  # written at the end of the service's batch (core.batch)
    else:
        entry.save(force_insert=True)
    return entry


def history(obj: models.Model):
    """Audit entries of one object, oldest first."""
    return AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("at", "id")


@dataclass(frozen=True)
class Subject:
    """An audited object named by its type label and primary key, for ``record_many`` callers that have no
    instance of that model at hand (building one costs more than the audit row)."""

    object_type: str  # the model's label_lower, e.g. "orders.orderreview"
    object_id: Any


_ROW = ["actor_id", "actor_label", "object_type", "object_id", "from_state", "to_state", "reason", "data"]


def record_many(*, actor: Actor, entries: list[tuple]) -> None:
    """Several audit rows in one insert: (object or Subject, from_state, to_state, reason[, data]) each."""
    rows = [(actor.user_id, actor.label, *_subject(obj), from_state, to_state, reason[:500],
             (more[0] if more else None) or {})
            for obj, from_state, to_state, reason, *more in entries]
    open_batch = batch.current()
    if open_batch is not None:
        open_batch.audit.extend(AuditEntry(**dict(zip(_ROW, row, strict=True))) for row in rows)
    else:
        bulkinsert.insert_rows(AuditEntry, _ROW, rows)


def _subject(obj) -> tuple[str, str]:
    if isinstance(obj, Subject):
        return obj.object_type, str(obj.object_id)
    return obj._meta.label_lower, str(obj.pk)
