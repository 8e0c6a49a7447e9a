"""Flash sales' part in merging members: a member's claims and buyer counters move to the member they
are merged into, sale by sale, where that member has none in the same sale (two counters in one sale
cannot become one row without renumbering claims; there the rows stay with their member, who keeps
their own limit). Exactly the moved rows move back when the merge is undone. Redis buyer counts are
not moved: the database counters decide, and ``load_into_redis`` re-reads them."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef

from huitong.flashsale.models import Claim, FlashSaleBuyer
from huitong.members.merging import MergeParticipant, register_merge_participant


def move_flash_sales(from_customer_id: int, to_customer_id: int) -> dict[str, Any]:
    theirs = FlashSaleBuyer.objects.filter(sale_id=OuterRef("sale_id"), customer_id=to_customer_id)
    buyers = FlashSaleBuyer.objects.filter(customer_id=from_customer_id).exclude(Exists(theirs))
    sale_ids = sorted(buyers.values_list("sale_id", flat=True))
    claim_ids = list(
        Claim.objects.filter(customer_id=from_customer_id, sale_id__in=sale_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    FlashSaleBuyer.objects.filter(customer_id=from_customer_id, sale_id__in=sale_ids).update(
        customer_id=to_customer_id
    )
    Claim.objects.filter(pk__in=claim_ids).update(customer_id=to_customer_id)
    return {"from": from_customer_id, "to": to_customer_id, "sale_ids": sale_ids, "claim_ids": claim_ids}


def undo_move_flash_sales(data: dict[str, Any]) -> None:
    FlashSaleBuyer.objects.filter(customer_id=data["to"], sale_id__in=data["sale_ids"]).update(
        customer_id=data["from"]
    )
    Claim.objects.filter(pk__in=data["claim_ids"], customer_id=data["to"]).update(customer_id=data["from"])


FLASH_SALE_PARTICIPANT = MergeParticipant(name="flashsale", move=move_flash_sales, undo=undo_move_flash_sales)


def register() -> None:
    register_merge_participant(FLASH_SALE_PARTICIPANT)
