"""Stock publication (库存同步): how much each platform listing shows, pushed when stock changes.

Flow, all through the outbox (at least once, retried, visible when stuck):
1. every stock change writes ``inventory.stock_changed`` (SKUs) in its own transaction;
2. ``fan_out`` turns it into one ``channels.push_stock`` message per affected (store, listing) —
   skipped while one is already pending for that key, so a burst of changes coalesces;
3. ``push_listing`` computes the number *at delivery time* (the latest), pushes it if it differs
   from what the platform last got, and logs the rule and numbers behind it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from huitong.channels.models import OWN_CHANNELS, ChannelStore, MappingComponent, PublicationRule, SkuMapping
from huitong.core import outbox
from huitong.core.models import OutboxMessage
from huitong.integrations.connectors.base import StockUpdate
from huitong.integrations.models import ListingStock, PushLog
from huitong.inventory import selectors as inventory

PUSH_STOCK = "channels.push_stock"
DEFAULT_RULE = PublicationRule(percent=100, plus=0, minimum=0, maximum=None, locked=0)


@dataclass(frozen=True)
class Publication:
    quantity: int
    delisted: bool
    basis: int  # sellable units before percent/plus/clamp
    available: int
    safety: int
    others_locked: int
    percent: int
    plus: int
    minimum: int
    maximum: int | None


def _rules(store_id: int, sku_ids: list[int]) -> tuple[dict[int | None, PublicationRule], dict[int, int]]:
    """The store's rules for these SKUs and its store-wide rule, and what other stores locked of each SKU
    (campaign quantities), in one query."""
    rows = PublicationRule.objects.filter(Q(store_id=store_id, sku_id__in=sku_ids) | Q(store_id=store_id, sku__isnull=True)
                                          | (Q(sku_id__in=sku_ids, locked__gt=0) & ~Q(store_id=store_id)))
    own, others = {}, dict.fromkeys(sku_ids, 0)
    for rule in rows:
        if rule.store_id == store_id:
            own[rule.sku_id] = rule
        else:
            others[rule.sku_id] += rule.locked
    return own, others


def compute(*, mapping: SkuMapping) -> Publication:
    """The number to publish for one listing: per component, available − safety − what other
    stores locked, at the rule's locations; a bundle is the minimum over components of
    floor(component units / quantity per bundle); then the store's percent, plus and clamps."""
    components = list(mapping.components.all())
    rules, locked_elsewhere = _rules(mapping.store_id, [c.sku_id for c in components])
    store_rule = rules.get(None, DEFAULT_RULE)
    rule = rules.get(components[0].sku_id, store_rule) if len(components) == 1 else store_rule
    basis, totals = None, {"available": 0, "safety": 0, "others_locked": 0}
    for component in components:
        component_rule = rules.get(component.sku_id, store_rule)
        wanted = set(component_rule.location_ids or [])
        levels = [lv for lv in inventory.stock_of_sku(component.sku_id) if not wanted or lv.location_id in wanted]
        available = sum(lv.available for lv in levels)
        safety = sum(lv.safety_stock for lv in levels)
        others = locked_elsewhere[component.sku_id]
        units = max(0, available - safety - others) // component.quantity
        basis = units if basis is None else min(basis, units)
        totals["available"] += available
        totals["safety"] += safety
        totals["others_locked"] += others
    basis = basis or 0
    quantity = max(0, basis * rule.percent // 100 + rule.plus)
    if rule.maximum is not None:
        quantity = min(quantity, rule.maximum)
    below = quantity < rule.minimum
    return Publication(quantity=0 if below else quantity, delisted=below and rule.delist_below_minimum,
                       basis=basis, percent=rule.percent, plus=rule.plus, minimum=rule.minimum,
                       maximum=rule.maximum, **totals)


def fan_out(message: OutboxMessage) -> None:
    """``inventory.stock_changed`` → one pending push per affected (platform store, listing); held
    platform orders waiting for these SKUs get another try first."""
    from huitong.core.actors import Actor
    from huitong.integrations.services import retry_held_orders

    sku_ids = message.payload.get("sku_ids", [])
    retry_held_orders(sku_ids=sku_ids, actor=Actor.system("stock-arrived"))
    mapping_ids = (MappingComponent.objects.filter(sku_id__in=sku_ids, mapping__store__is_active=True)
                   .exclude(mapping__store__platform__in=OWN_CHANNELS)
                   .values_list("mapping_id", "mapping__store_id").distinct())
    keys = {f"{store_id}:{mapping_id}": mapping_id for mapping_id, store_id in mapping_ids}
    # The pushes of one change: one look-up of those already waiting, one transaction, one insert.
    with transaction.atomic():
        waiting = outbox.waiting_keys(PUSH_STOCK, keys)
        outbox.emit_many(topic=PUSH_STOCK, messages=[(key, {"mapping_id": mapping_id})
                                                     for key, mapping_id in keys.items() if key not in waiting])


def push_listing(message: OutboxMessage) -> None:
    """Push one listing's current number to its platform (raises → the outbox retries later). Reads, then
    the HTTP call outside any transaction, then what it did in one transaction (one commit per push)."""
    from huitong.integrations.ingest import adapter_of

    mapping = SkuMapping.objects.select_related("store").filter(pk=message.payload["mapping_id"]).first()
    if mapping is None:
        outbox.settle_duplicates(message)
        return
    publication = compute(mapping=mapping)
    last = ListingStock.objects.filter(mapping=mapping).first()
    if last and last.quantity == publication.quantity and last.delisted == publication.delisted:
        outbox.settle_duplicates(message)
        return
    update = StockUpdate(item_id=mapping.platform_item_id, sku_id=mapping.platform_sku_id,
                         merchant_code=mapping.merchant_code, quantity=publication.quantity)
    reference = mapping.merchant_code or f"{mapping.platform_item_id}/{mapping.platform_sku_id}"
    try:
        adapter_of(mapping.store).push_stock([update])
    except Exception as exc:
        PushLog.objects.create(store=mapping.store, kind=PushLog.Kind.STOCK, reference=reference,
                               quantity=publication.quantity, ok=False, error=f"{type(exc).__name__}: {exc}"[:2000],
                               details=asdict(publication))
        raise
    with transaction.atomic():
        outbox.settle_duplicates(message)  # this push carried the latest number: earlier queued ones are covered
        state = {"quantity": publication.quantity, "delisted": publication.delisted, "pushed_at": timezone.now()}
        if last is None or not ListingStock.objects.filter(pk=last.pk).update(**state):
            ListingStock.objects.update_or_create(mapping=mapping, defaults=state)  # the first push of a listing
        PushLog.objects.create(store=mapping.store, kind=PushLog.Kind.STOCK, reference=reference,
                               quantity=publication.quantity, ok=True, details=asdict(publication))


def republish_store(*, store: ChannelStore) -> int:
    """Queue a push of every mapped listing of a store (after a rule change, or to resync)."""
    keys = {f"{store.pk}:{mapping_id}": mapping_id
            for mapping_id in SkuMapping.objects.filter(store=store).values_list("pk", flat=True)}
    waiting = outbox.waiting_keys(PUSH_STOCK, keys)
    messages = [(key, {"mapping_id": mapping_id}) for key, mapping_id in keys.items() if key not in waiting]
    outbox.emit_many(topic=PUSH_STOCK, messages=messages)
    return len(messages)
