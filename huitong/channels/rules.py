"""Stock publication rules (data; the computation and pushing live in integrations.publication)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from huitong.catalog import selectors as catalog
from huitong.channels.errors import InvalidMapping, StoreNotFound
from huitong.channels.models import ChannelStore, PublicationRule


@transaction.atomic
def set_publication_rule(
    *, store_id: int, sku_id: int | None = None, location_ids: Sequence[int] = (), percent: int = 100,
    plus: int = 0, minimum: int = 0, maximum: int | None = None, delist_below_minimum: bool = False, locked: int = 0,
) -> PublicationRule:
    if not ChannelStore.objects.filter(pk=store_id).exists():
        raise StoreNotFound(store_id=str(store_id))
    errors = {}
    if not 0 <= percent <= 1000:
        errors["percent"] = "比例须在 0–1000 之间"
    if minimum < 0 or locked < 0:
        errors["minimum" if minimum < 0 else "locked"] = "不能为负"
    if maximum is not None and maximum < minimum:
        errors["maximum"] = "最大值不能小于最小值"
    if locked and sku_id is None:
        errors["locked"] = "活动锁定需指定 SKU"
    if errors:
        raise InvalidMapping.for_fields(errors)
    if sku_id is not None:
        catalog.get_sku(sku_id)
    rule, _ = PublicationRule.objects.update_or_create(
        store_id=store_id, sku_id=sku_id,
        defaults={"location_ids": list(location_ids), "percent": percent, "plus": plus, "minimum": minimum,
                  "maximum": maximum, "delist_below_minimum": delist_below_minimum, "locked": locked},
    )
    return rule
