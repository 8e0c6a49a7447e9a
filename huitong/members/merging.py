"""Member merge participants: apps above members (orders, loyalty, marketing) register how to move
their rows from one member to another, so merging never imports upward. The members work builds
``merge_members`` / ``unmerge_members`` on top of this registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MergeParticipant:
    name: str
    # (from_customer_id, to_customer_id) -> JSON-serialisable undo data; runs inside the merge transaction.
    move: Callable[[int, int], dict[str, Any]]
    # undo data -> None; moves exactly those rows back, inside the unmerge transaction.
    undo: Callable[[dict[str, Any]], None]


_PARTICIPANTS: dict[str, MergeParticipant] = {}


def register_merge_participant(participant: MergeParticipant) -> None:
    existing = _PARTICIPANTS.get(participant.name)
    if existing is not None and existing != participant:
        raise ValueError(f"merge participant {participant.name!r} already registered")
    _PARTICIPANTS[participant.name] = participant


def merge_participants() -> list[MergeParticipant]:
    return [_PARTICIPANTS[name] for name in sorted(_PARTICIPANTS)]
