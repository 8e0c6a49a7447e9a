"""Who did something: a staff user, a customer, or the system (a scheduler, a connector)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(user_id=None, label=f"system:{name}")

    @classmethod
    def of_user(cls, user) -> Actor:
        return cls(user_id=user.pk, label=user.get_username())
