"""Who is this buyer? Identities (phone, WeChat, platform buyer id / nick) → one member."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from huitong.core import audit
from huitong.core.actors import Actor
from huitong.members.errors import CustomerMerged, IdentityTaken, InvalidMemberInput
from huitong.members.models import Customer, CustomerIdentity, CustomerStatus, IdentityKind
from huitong.members.phones import normalise_phone, phone_hash
from huitong.members.services.merge import merge_locked_members
from huitong.members.services.tiers import base_tier_id

WECHAT = "wechat"
SAME_PHONE = "same phone"
# (kind, platform, value); the phone's value is its keyed hash.
Key = tuple[str, str, str]


def identify_buyers(*, platform: str, buyers: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """(buyer id, nick) pairs → customer ids, creating customers for buyers never seen. Masked or
    empty values identify nobody. A buyer id seen with a nick that another customer holds keeps its own
    customer (merging is a members decision, not an ingest side effect)."""
    pairs = [(b or "", n or "") for b, n in buyers]
    wanted = {(IdentityKind.BUYER_ID, b) for b, _n in pairs if _usable(b)} | {
        (IdentityKind.NICK, n) for _b, n in pairs if _usable(n)
    }
    known = {
        (kind, value): customer
        for kind, value, customer in CustomerIdentity.objects.filter(
            platform=platform, value__in=[v for _k, v in wanted]
        ).values_list("kind", "value", "customer_id")
        if (kind, value) in wanted
    }
    result: dict[tuple[str, str], int] = {}
    for buyer_id, nick in sorted(dict.fromkeys(pairs)):  # new identities in one order: concurrent pages queue
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
            customer = Customer.objects.create(display_name=nick[:100], tier_id=base_tier_id())
            CustomerIdentity.objects.bulk_create(
                CustomerIdentity(customer=customer, kind=kind, platform=platform, value=value[:150])
                for kind, value in keys
            )
            return customer.pk
    except IntegrityError:  # created concurrently: use theirs
        kind, value = keys[0]
        return CustomerIdentity.objects.get(kind=kind, platform=platform, value=value).customer_id


# --- identify_member --------------------------------------------------------------------------------


def identify_member(
    *,
    phone: str = "",
    openid: str = "",
    unionid: str = "",
    platform: str = "",
    buyer_id: str = "",
    nick: str = "",
    name: str = "",
) -> int:
    """The member these identities belong to, created when none does. A phone presented with a nick,
    buyer id or WeChat id held by a member without a phone merges that member into the phone's member
    (audited, reason "same phone"); a key held by a member with another phone stays where it is."""
    e164 = normalise_phone(phone) if phone.strip() else ""
    keys = _member_keys(
        e164=e164, openid=openid, unionid=unionid, platform=platform, buyer_id=buyer_id, nick=nick
    )
    attempts = 5
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                return _identify(keys, e164=e164, name=name.strip()[:100] or nick.strip()[:100])
        except (IntegrityError, CustomerMerged):  # a concurrent call got there first: look again
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _member_keys(
    *, e164: str, openid: str, unionid: str, platform: str, buyer_id: str, nick: str
) -> list[Key]:
    errors: dict[str, str] = {}
    platform, buyer_id, nick = platform.strip(), buyer_id.strip(), nick.strip()
    if (buyer_id or nick) and not platform:
        errors["platform"] = _("提供平台买家 ID 或昵称时必须提供平台")
    for field, value, limit in (
        ("openid", openid, 150),
        ("unionid", unionid, 150),
        ("buyer_id", buyer_id, 150),
        ("nick", nick, 150),
        ("platform", platform, 30),
    ):
        if len(value.strip()) > limit:
            errors[field] = _("不能超过 %(n)s 个字符") % {"n": limit}
    keys: list[Key] = [(IdentityKind.PHONE, "", phone_hash(e164))] if e164 else []
    keys += [(IdentityKind.UNIONID, WECHAT, unionid.strip())] if unionid.strip() else []
    keys += [(IdentityKind.OPENID, WECHAT, openid.strip())] if openid.strip() else []
    keys += [(IdentityKind.BUYER_ID, platform, buyer_id)] if _usable(buyer_id) else []
    keys += [(IdentityKind.NICK, platform, nick)] if _usable(nick) else []
    if not keys and not errors:
        errors["phone"] = _("至少提供一种身份：手机号、微信 openid/unionid、平台买家 ID 或昵称")
    if errors:
        raise InvalidMemberInput.for_fields(errors)
    return keys


def _owners(keys: list[Key]) -> dict[Key, int]:
    rows = CustomerIdentity.objects.filter(value__in=[v for _k, _p, v in keys]).values_list(
        "kind", "platform", "value", "customer_id"
    )
    wanted = set(keys)
    return {(k, p, v): c for k, p, v, c in rows if (k, p, v) in wanted}


def _has_phone(customer_id: int) -> bool:
    return CustomerIdentity.objects.filter(customer_id=customer_id, kind=IdentityKind.PHONE).exists()


def _identify(keys: list[Key], *, e164: str, name: str) -> int:
    owners = _owners(keys)
    phone_key = keys[0] if e164 else None
    ordered = list(dict.fromkeys(owners[k] for k in keys if k in owners))
    if phone_key is not None and phone_key in owners:
        target = owners[phone_key]
    elif phone_key is not None:  # a new phone: it belongs to the first phone-less member it names
        target = next((c for c in ordered if not _has_phone(c)), None)
    else:
        target = ordered[0] if ordered else None
    if target is None:  # keys another member holds stay with that member
        return _create_member([k for k in keys if k not in owners], e164=e164, name=name)
    if phone_key is not None:
        for other in ordered:
            if other != target and not _has_phone(other):
                merge_locked_members(
                    source_id=other,
                    target_id=target,
                    actor=Actor.system("identify_member"),
                    reason=SAME_PHONE,
                )
                owners.update({k: target for k, c in owners.items() if c == other})
    _attach(target, [k for k in keys if k not in owners], e164=e164)
    _fill_profile(target, e164=e164, name=name)
    return target


def _create_member(keys: list[Key], *, e164: str, name: str) -> int:
    customer = Customer.objects.create(
        display_name=name, phone=e164, phone_hash=phone_hash(e164) if e164 else "", tier_id=base_tier_id()
    )
    _attach(customer.pk, keys, e164=e164)
    audit.record(
        actor=Actor.system("identify_member"),
        obj=customer,
        to_state=CustomerStatus.ACTIVE,
        reason="identified",
        data={"kinds": [k for k, _p, _v in keys]},
    )
    return customer.pk


def _attach(customer_id: int, keys: list[Key], *, e164: str) -> None:
    CustomerIdentity.objects.bulk_create(
        CustomerIdentity(
            customer_id=customer_id,
            kind=kind,
            platform=platform,
            value=value[:150],
            phone=e164 if kind == IdentityKind.PHONE else "",
        )
        for kind, platform, value in keys
    )


def _fill_profile(customer_id: int, *, e164: str, name: str) -> None:
    """A phone-less member gets the phone it was identified with; a nameless one the name."""
    active = Customer.objects.filter(pk=customer_id, status=CustomerStatus.ACTIVE)
    if not active.exists():
        raise CustomerMerged()
    if e164:
        active.filter(phone_hash="").update(phone=e164, phone_hash=phone_hash(e164))  # the field encrypts
    if name:
        active.filter(display_name="").update(display_name=name)


# --- staff ------------------------------------------------------------------------------------------


@transaction.atomic
def create_member(*, phone: str, name: str = "", actor: Actor) -> Customer:
    """A member registered by staff with their phone (409 when the phone already has a member)."""
    e164 = normalise_phone(phone)
    key: Key = (IdentityKind.PHONE, "", phone_hash(e164))
    if _owners([key]):
        raise IdentityTaken(detail={"fields": {"phone": _("该手机号已注册会员")}})
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                display_name=name.strip()[:100], phone=e164, phone_hash=key[2], tier_id=base_tier_id()
            )
            _attach(customer.pk, [key], e164=e164)
    except IntegrityError as exc:
        raise IdentityTaken(detail={"fields": {"phone": _("该手机号已注册会员")}}) from exc
    audit.record(actor=actor, obj=customer, to_state=CustomerStatus.ACTIVE, reason="created by staff")
    return customer
