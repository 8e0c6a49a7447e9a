"""Operator-facing use cases for platform stores: mappings and rules that re-trigger holds and
stock pushes, store sync status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone

from huitong.channels import mappings, rules
from huitong.channels import selectors as channels
from huitong.channels.models import PublicationRule, SkuMapping
from huitong.core.actors import Actor
from huitong.core.models import OutboxMessage, OutboxStatus
from huitong.integrations import publication
from huitong.integrations.models import PullCursor, PullLog, PushLog
from huitong.orders import platform
from huitong.orders.models import Order, OrderLine
from huitong.orders.states import HOLDS_STOCK

RETRYABLE_HOLDS = (platform.UNMAPPED, platform.OUT_OF_STOCK)


def retry_held_orders(*, store_id: int | None = None, sku_ids: Sequence[int] | None = None, actor: Actor) -> int:
    """Try held orders again (after a mapping was made, or stock arrived). Returns how many were released."""
    qs = Order.objects.filter(status__in=HOLDS_STOCK).exclude(hold_reasons=[])  # the partial index orders_held_idx
    if store_id is not None:
        qs = qs.filter(store_id=store_id)
    if sku_ids is not None:  # from the held orders to their lines: constant however many orders the SKUs have
        qs = qs.filter(Exists(OrderLine.objects.filter(order_id=OuterRef("pk"), sku_id__in=list(sku_ids))))
    released = 0
    for order_id, holds in qs.values_list("pk", "hold_reasons")[:500]:
        if not any(h.get("code") in RETRYABLE_HOLDS for h in holds):
            continue
        order = platform.retry_holds(order_id=order_id, actor=actor)
        released += not any(h.get("code") in RETRYABLE_HOLDS for h in order.hold_reasons)
    return released


def map_listing(*, store_id: int, listing: mappings.Listing, components: Sequence[mappings.Component],
                actor: Actor) -> SkuMapping:
    mapping = mappings.set_mapping(store_id=store_id, listing=listing, components=components)
    retry_held_orders(store_id=store_id, actor=actor)
    publication.republish_store(store=channels.get_store(store_id))
    return mapping


def set_rule(*, store_id: int, **values) -> PublicationRule:
    rule = rules.set_publication_rule(store_id=store_id, **values)
    publication.republish_store(store=channels.get_store(store_id))
    return rule


@dataclass(frozen=True)
class StoreStatus:
    store_id: int
    code: str
    platform: str
    pulled_until: datetime | None
    lag_seconds: int | None
    last_pull_ok: bool | None
    last_pull_errors: list[str]
    held_orders: int
    unmapped_orders: int
    pending_pushes: int
    failed_pushes_24h: int


def store_status(*, store_id: int) -> StoreStatus:
    store = channels.get_store(store_id)
    cursor = PullCursor.objects.filter(store=store).first()
    last = PullLog.objects.filter(store=store).first()
    held = list(Order.objects.filter(store=store).exclude(hold_reasons=[]).values_list("hold_reasons", flat=True))
    now = timezone.now()
    return StoreStatus(
        store_id=store.pk, code=store.code, platform=store.platform,
        pulled_until=cursor.pulled_until if cursor else None,
        lag_seconds=int((now - cursor.pulled_until).total_seconds()) if cursor else None,
        last_pull_ok=last.ok if last else None, last_pull_errors=list(last.errors[-5:]) if last else [],
        held_orders=len(held), unmapped_orders=sum(any(h.get("code") == platform.UNMAPPED for h in hs) for hs in held),
        pending_pushes=OutboxMessage.objects.filter(topic=publication.PUSH_STOCK, status=OutboxStatus.PENDING,
                                                    key__startswith=f"{store.pk}:").count(),
        failed_pushes_24h=PushLog.objects.filter(store=store, ok=False,
                                                 at__gte=now - timezone.timedelta(days=1)).count(),
    )
