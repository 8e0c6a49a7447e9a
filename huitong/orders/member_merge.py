"""Orders' part in merging members: a member's orders move to the member they are merged into, and
exactly those orders move back when the merge is undone."""

from __future__ import annotations

from typing import Any

from huitong.members.merging import MergeParticipant, register_merge_participant
from huitong.orders.models import Order


def move_orders(from_customer_id: int, to_customer_id: int) -> dict[str, Any]:
    order_ids = list(
        Order.objects.filter(customer_id=from_customer_id).order_by("pk").values_list("pk", flat=True)
    )
    Order.objects.filter(pk__in=order_ids).update(customer_id=to_customer_id)
    return {"from": from_customer_id, "to": to_customer_id, "order_ids": order_ids}


def undo_move_orders(data: dict[str, Any]) -> None:
    Order.objects.filter(pk__in=data["order_ids"], customer_id=data["to"]).update(customer_id=data["from"])


ORDERS_PARTICIPANT = MergeParticipant(name="orders", move=move_orders, undo=undo_move_orders)


def register() -> None:
    register_merge_participant(ORDERS_PARTICIPANT)
