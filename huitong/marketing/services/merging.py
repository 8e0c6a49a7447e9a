"""The marketing merge participant: a merged member's coupons move to the member they merged into."""

from __future__ import annotations

from typing import Any

from django.db.models import Max

from huitong.marketing.models import Coupon

NAME = "marketing.coupons"


def move_coupons(from_customer_id: int, to_customer_id: int) -> dict[str, Any]:
    """Move every coupon of ``from`` to ``to``. Each keeps its template; its slot is renumbered after
    the target's own (the person now holds what both identities claimed). Returns the undo data."""
    moved = []
    coupons = (
        Coupon.objects.select_for_update().filter(customer_id=from_customer_id).order_by("template_id", "pk")
    )
    rows = list(coupons.values_list("pk", "template_id", "slot"))
    next_slot: dict[int, int] = {}
    for pk, template_id, slot in rows:
        if template_id not in next_slot:
            top = Coupon.objects.filter(customer_id=to_customer_id, template_id=template_id).aggregate(
                m=Max("slot")
            )
            next_slot[template_id] = (top["m"] or 0) + 1
        Coupon.objects.filter(pk=pk).update(customer_id=to_customer_id, slot=next_slot[template_id])
        next_slot[template_id] += 1
        moved.append([pk, slot])
    return {"from": from_customer_id, "to": to_customer_id, "coupons": moved}


def undo_move_coupons(data: dict[str, Any]) -> None:
    """Move exactly the coupons ``move_coupons`` moved back, with their original slots."""
    for pk, slot in data.get("coupons", []):
        Coupon.objects.filter(pk=pk, customer_id=data["to"]).update(customer_id=data["from"], slot=slot)
