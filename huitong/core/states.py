"""Lifecycles as tables. Each app's ``states.py`` declares ``ALLOWED_TRANSITIONS`` as a ``Lifecycle``;
its one ``_move_to()`` calls :func:`transition`, which checks, saves and audits in one go."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from huitong.core import audit, sql
from huitong.core.actors import Actor
from huitong.core.errors import InvalidTransition


class Lifecycle:
    def __init__(self, name: str, transitions: Mapping[str, Iterable[str]]):
        self.name = name
        self.transitions = {state: frozenset(targets) for state, targets in transitions.items()}

    def allows(self, from_state: str, to_state: str) -> bool:
        return to_state in self.transitions.get(from_state, frozenset())

    def check(self, from_state: str, to_state: str) -> None:
        if not self.allows(from_state, to_state):
            raise InvalidTransition(
                f"{self.name}: {from_state} → {to_state} 不允许",
                detail={"from_state": from_state, "to_state": to_state},
            )

    def states(self) -> set[str]:
        return set(self.transitions) | {t for targets in self.transitions.values() for t in targets}


def transition(
    obj: models.Model, to_state: str, *, lifecycle: Lifecycle, actor: Actor, reason: str = "",
    field: str = "status", update_fields: Iterable[str] = (), data: dict[str, Any] | None = None,
) -> str:
    """Move ``obj`` (already locked by the caller) to ``to_state``; returns the previous state."""
    from_state = getattr(obj, field)
    lifecycle.check(from_state, to_state)
    setattr(obj, field, to_state)
    sql.update(obj, [field, *update_fields])  # save(update_fields=...) without the ORM's query building
    audit.record(actor=actor, obj=obj, from_state=from_state, to_state=to_state, reason=reason, data=data)
    return from_state
