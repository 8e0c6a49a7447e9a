"""Attach platform buyers to customer records (by platform buyer id first, else by nick)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from huitong.members.models import Customer, CustomerIdentity, IdentityKind


def identify_buyers(*, platform: str, buyers: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """(buyer id, nick) pairs → customer ids, creating customers for buyers never seen. Masked or
    empty values identify nobody. A buyer id seen with a nick that another customer holds keeps its own
    customer (merging is a members decision, not an ingest side effect)."""
    pairs = [(b or "", n or "") for b, n in buyers]
    wanted = {(IdentityKind.BUYER_ID, b) for b, _ in pairs if _usable(b)} | {
        (IdentityKind.NICK, n) for _, n in pairs if _usable(n)}
    known = {(kind, value): customer for kind, value, customer in CustomerIdentity.objects.filter(
        platform=platform, value__in=[v for _, v in wanted]).values_list("kind", "value", "customer_id")
        if (kind, value) in wanted}
    result: dict[tuple[str, str], int] = {}
    for buyer_id, nick in dict.fromkeys(pairs):
        keys = [(IdentityKind.BUYER_ID, buyer_id)] if _usable(buyer_id) else []
        keys += [(IdentityKind.NICK, nick)] if _usable(nick) else []
        if not keys:
            continue
        customer_id = next((known[k] for k in keys if k in known), None)
        if customer_id is None:
            customer_id = _create(platform, keys, nick)
        for key in keys:
            known.setdefault(key, customer_id)
        result[(buyer_id, nick)] = customer_id
    return result


def _usable(value: str) -> bool:
    return bool(value) and "*" not in value


def _create(platform: str, keys, nick: str) -> int:
    try:
        with transaction.atomic():
            customer = Customer.objects.create(display_name=nick[:100])
            CustomerIdentity.objects.bulk_create(
                CustomerIdentity(customer=customer, kind=kind, platform=platform, value=value[:150])
                for kind, value in keys)
            return customer.pk
    except IntegrityError:  # created concurrently: use theirs
        kind, value = keys[0]
        return CustomerIdentity.objects.get(kind=kind, platform=platform, value=value).customer_id
