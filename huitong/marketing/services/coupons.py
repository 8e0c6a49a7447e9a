"""Coupon templates and coupons: issue and claim (total quantity by a conditional counter, the
per-member limit by a unique slot), lock, redeem (single use by a conditional UPDATE), release, void
and expire. Every coupon status change is audited."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from huitong.core import audit
from huitong.core.actors import Actor
from huitong.marketing.errors import (
    CouponAlreadyUsed,
    CouponLimitReached,
    CouponNotFound,
    CouponsExhausted,
    CouponTemplateClosed,
    CouponTemplateNotFound,
    CouponUnavailable,
    InvalidCouponTemplate,
)
from huitong.marketing.models import Coupon, CouponKind, CouponStatus, CouponTemplate
from huitong.marketing.rules import MAX_FEN
from huitong.marketing.services.common import clean_scope
from huitong.marketing.states import COUPON_LIFECYCLE
from huitong.members import selectors as members

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 12


def _fen(value, key: str, errors: dict, *, low: int, optional: bool = False):
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_FEN:
        errors[key] = _("必须是不小于 {low} 的整数(分)").format(low=low)
    return value


def _check_value(
    kind: str,
    value_fen: int,
    pay_percent: int | None,
    cap_fen: int | None,
    threshold_fen: int,
    errors: dict[str, str],
) -> None:
    if kind == CouponKind.FIXED:
        _fen(value_fen, "value_fen", errors, low=1)
        if pay_percent is not None:
            errors["pay_percent"] = _("满减券不设折扣")
        if cap_fen is not None:
            errors["cap_fen"] = _("满减券不设封顶")
        if not errors and isinstance(threshold_fen, int) and threshold_fen and value_fen > threshold_fen:
            errors["value_fen"] = _("面额不能超过使用门槛")
    elif kind == CouponKind.PERCENT:
        if isinstance(pay_percent, bool) or not isinstance(pay_percent, int) or not 1 <= pay_percent <= 99:
            errors["pay_percent"] = _("折扣为实付百分比,1 到 99(如 90 即 9 折)")
        if value_fen:
            errors["value_fen"] = _("折扣券不设面额")
        _fen(cap_fen, "cap_fen", errors, low=1, optional=True)
    else:
        errors["kind"] = _("类型必须是 fixed 或 percent")


def _clean_template(
    *,
    name: str,
    kind: str,
    value_fen: int,
    pay_percent: int | None,
    cap_fen: int | None,
    threshold_fen: int,
    scope: Any,
    valid_from: datetime | None,
    valid_until: datetime | None,
    valid_days: int | None,
    per_member_limit: int,
    total_quantity: int | None,
) -> dict:
    errors: dict[str, str] = {}
    if not (name or "").strip():
        errors["name"] = _("请填写名称")
    _check_value(kind, value_fen, pay_percent, cap_fen, threshold_fen, errors)
    _fen(threshold_fen, "threshold_fen", errors, low=0)
    if valid_until is None and not valid_days:
        errors["valid_until"] = _("请设置失效时间或领取后有效天数")
    if valid_days is not None and (
        isinstance(valid_days, bool) or not isinstance(valid_days, int) or not 1 <= valid_days <= 3650
    ):
        errors["valid_days"] = _("有效天数必须在 1 到 3650 之间")
    if valid_from and valid_until and valid_until <= valid_from:
        errors["valid_until"] = _("失效时间必须晚于生效时间")
    if (
        isinstance(per_member_limit, bool)
        or not isinstance(per_member_limit, int)
        or not 1 <= per_member_limit <= 100
    ):
        errors["per_member_limit"] = _("每人限领必须在 1 到 100 之间")
    if total_quantity is not None and (
        isinstance(total_quantity, bool)
        or not isinstance(total_quantity, int)
        or not 1 <= total_quantity <= 10**8
    ):
        errors["total_quantity"] = _("发放总量必须在 1 到 100000000 之间")
    clean = clean_scope(scope, errors)
    if errors:
        raise InvalidCouponTemplate.for_fields(errors)
    return {
        "name": name.strip(),
        "kind": kind,
        "value_fen": value_fen or 0,
        "pay_percent": pay_percent,
        "cap_fen": cap_fen,
        "threshold_fen": threshold_fen,
        "scope": clean,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "valid_days": valid_days,
        "per_member_limit": per_member_limit,
        "total_quantity": total_quantity,
    }


@transaction.atomic
def create_coupon_template(
    *,
    name: str,
    kind: str,
    value_fen: int = 0,
    pay_percent: int | None = None,
    cap_fen: int | None = None,
    threshold_fen: int = 0,
    scope: dict[str, Any] | None = None,
    exclusive_group: str = "",
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    valid_days: int | None = None,
    per_member_limit: int = 1,
    total_quantity: int | None = None,
    actor: Actor,
) -> CouponTemplate:
    data = _clean_template(
        name=name,
        kind=kind,
        value_fen=value_fen,
        pay_percent=pay_percent,
        cap_fen=cap_fen,
        threshold_fen=threshold_fen,
        scope=scope,
        valid_from=valid_from,
        valid_until=valid_until,
        valid_days=valid_days,
        per_member_limit=per_member_limit,
        total_quantity=total_quantity,
    )
    template = CouponTemplate.objects.create(**data, exclusive_group=(exclusive_group or "").strip()[:40])
    audit.record(actor=actor, obj=template, reason="创建优惠券模板")
    return template


@transaction.atomic
def set_coupon_template_active(*, template_id: int, is_active: bool, actor: Actor) -> CouponTemplate:
    """Stop (or resume) issuing a template's coupons; coupons already held stay usable."""
    template = CouponTemplate.objects.select_for_update().filter(pk=template_id).first()
    if template is None:
        raise CouponTemplateNotFound()
    if template.is_active != is_active:
        template.is_active = is_active
        template.save(update_fields=["is_active"])
        audit.record(
            actor=actor,
            obj=template,
            from_state=str(not is_active).lower(),
            to_state=str(is_active).lower(),
            reason="恢复发放" if is_active else "停止发放",
        )
    return template


# --- issuing ----------------------------------------------------------------------------------------


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _window(template: CouponTemplate, now: datetime) -> tuple[datetime, datetime]:
    start = max(template.valid_from or now, now) if template.valid_days else (template.valid_from or now)
    end = start + timedelta(days=template.valid_days) if template.valid_days else template.valid_until
    if template.valid_days and template.valid_until:
        end = min(end, template.valid_until)
    return start, end


def _open_template(template_id: int, now: datetime) -> CouponTemplate:
    template = CouponTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise CouponTemplateNotFound()
    if not template.is_active or (template.valid_until and template.valid_until <= now):
        raise CouponTemplateClosed()
    return template


def _take_from_total(template: CouponTemplate, count: int = 1) -> None:
    """Count ``count`` more coupons as issued; CouponsExhausted when fewer are left (one conditional UPDATE)."""
    rows = CouponTemplate.objects.filter(pk=template.pk)
    if template.total_quantity is not None:
        rows = rows.filter(issued_count__lte=F("total_quantity") - count)
    if not rows.update(issued_count=F("issued_count") + count):
        raise CouponsExhausted()


def _insert(
    template: CouponTemplate,
    *,
    customer_id: int | None,
    slot: int | None,
    now: datetime,
    campaign_id: int | None = None,
    issue_key: str | None = None,
) -> Coupon:
    """Insert one coupon with a fresh random code (retrying the rare code collision). Raises
    IntegrityError when the slot or the issue key is taken."""
    valid_from, valid_until = _window(template, now)
    for _attempt in range(5):
        code = _new_code()
        if Coupon.objects.filter(code=code).exists():
            continue
        with transaction.atomic():
            return Coupon.objects.create(
                template=template,
                code=code,
                customer_id=customer_id,
                slot=slot,
                campaign_id=campaign_id,
                issue_key=issue_key,
                valid_from=valid_from,
                valid_until=valid_until,
            )
    raise RuntimeError("could not find a free coupon code")  # pragma: no cover - 32^12 codes


def issue_to_member(
    template: CouponTemplate,
    *,
    customer_id: int,
    now: datetime,
    actor: Actor,
    campaign_id: int | None = None,
    issue_key: str | None = None,
) -> Coupon:
    """One coupon for a member inside the caller's transaction: the first free slot up to the
    template's per-member limit (a unique (template, member, slot), never a count), then one off the
    total by a conditional UPDATE."""
    with transaction.atomic():
        for slot in range(1, template.per_member_limit + 1):
            try:
                coupon = _insert(
                    template,
                    customer_id=customer_id,
                    slot=slot,
                    now=now,
                    campaign_id=campaign_id,
                    issue_key=issue_key,
                )
            except IntegrityError:
                continue
            _take_from_total(template)  # CouponsExhausted rolls the insert back with this savepoint
            audit.record(
                actor=actor,
                obj=coupon,
                to_state=CouponStatus.ISSUED,
                reason="发放优惠券",
                data={"customer_id": customer_id, "campaign_id": campaign_id},
            )
            return coupon
        raise CouponLimitReached(detail={"per_member_limit": template.per_member_limit})


def claim_coupon(*, template_id: int, customer_id: int, actor: Actor | None = None) -> Coupon:
    """A member claims (领取) one coupon of a template: CouponsExhausted when none are left,
    CouponLimitReached at the per-member limit, CouponTemplateClosed when it no longer issues."""
    now = timezone.now()
    members.get_customer(customer_id)  # CustomerNotFound (404) for an unknown member
    with transaction.atomic():
        template = _open_template(template_id, now)
        return issue_to_member(
            template, customer_id=customer_id, now=now, actor=actor or Actor.system(f"member:{customer_id}")
        )


def issue_coupon(*, template_id: int, customer_id: int, actor: Actor) -> Coupon:
    """Staff issue one coupon to a member (same limits as a claim)."""
    return claim_coupon(template_id=template_id, customer_id=customer_id, actor=actor)


@transaction.atomic
def issue_codes(*, template_id: int, count: int, actor: Actor) -> list[Coupon]:
    """``count`` anonymous single-use codes (for print, partners, live streams); they count towards the
    total quantity, not towards any member's limit."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 10_000:
        raise InvalidCouponTemplate.for_fields({"count": _("数量必须在 1 到 10000 之间")})
    now = timezone.now()
    template = _open_template(template_id, now)
    _take_from_total(template, count)
    coupons = [_insert(template, customer_id=None, slot=None, now=now) for _ in range(count)]
    audit.record_many(actor=actor, entries=[(c, "", CouponStatus.ISSUED, "生成券码") for c in coupons])
    return coupons


# --- using ------------------------------------------------------------------------------------------


def _unavailable(code: str, customer_id: int | None, now: datetime, reference: str = "") -> Exception:
    """The precise error for a code the conditional UPDATE did not match."""
    coupon = Coupon.objects.filter(code=code).first()
    if coupon is None:
        return CouponNotFound(detail={"code": code})
    detail = {"code": code, "status": coupon.status}
    if coupon.status == CouponStatus.USED:
        return CouponAlreadyUsed(detail=detail)
    if coupon.status == CouponStatus.LOCKED and coupon.used_reference != reference:
        return CouponUnavailable(_("优惠券已被其他订单锁定"), detail=detail)
    if coupon.status in (CouponStatus.EXPIRED, CouponStatus.VOID) or coupon.valid_until <= now:
        return CouponUnavailable(_("优惠券已过期或已作废"), detail=detail)
    if coupon.valid_from > now:
        return CouponUnavailable(_("优惠券尚未生效"), detail=detail)
    if coupon.customer_id is not None and coupon.customer_id != customer_id:
        return CouponUnavailable(_("该优惠券不属于当前会员"), detail=detail)
    return CouponUnavailable(detail=detail)  # pragma: no cover - changed between the two statements


def _usable(codes: Sequence[str], customer_id: int | None, now: datetime):
    holder = Q(customer__isnull=True) | (
        Q(customer_id=customer_id) if customer_id is not None else Q(pk__in=[])
    )
    return Coupon.objects.filter(holder, code__in=codes, valid_from__lte=now, valid_until__gt=now)


def _clean_codes(codes: Sequence[str]) -> list[str]:
    clean = sorted({(code or "").strip().upper() for code in codes} - {""})
    if not clean:
        raise CouponNotFound(detail={"codes": list(codes)})
    return clean


@transaction.atomic
def lock_coupons(*, codes: Sequence[str], customer_id: int | None, reference: str, actor: Actor) -> list[int]:
    """Hold coupons for an order awaiting payment (issued → locked under ``reference``); all or none."""
    now, ids = timezone.now(), []
    for code in _clean_codes(codes):
        coupon_id = (
            _usable([code], customer_id, now)
            .filter(status=CouponStatus.ISSUED)
            .values_list("pk", flat=True)
            .first()
        )
        if coupon_id is None or not Coupon.objects.filter(pk=coupon_id, status=CouponStatus.ISSUED).update(
            status=CouponStatus.LOCKED, used_reference=reference
        ):
            raise _unavailable(code, customer_id, now, reference)
        ids.append(coupon_id)
    _audit(ids, CouponStatus.ISSUED, CouponStatus.LOCKED, f"锁定 {reference}", actor)
    return ids


@transaction.atomic
def redeem_coupons(
    *,
    codes: Sequence[str],
    customer_id: int | None,
    reference: str,
    actor: Actor,
    discount_fen_by_code: Mapping[str, int] | None = None,
    order_total_fen: int = 0,
) -> list[int]:
    """Use coupons for the order ``reference``: each moves issued (or locked by this same reference) →
    used in one conditional UPDATE, so a coupon is used once however many try at the same time.
    All or none (CouponAlreadyUsed / CouponUnavailable 409, CouponNotFound 404). Records the discount
    each gave and the order total for the campaign reports. Returns the coupon ids."""
    if not (reference or "").strip():
        raise CouponUnavailable(_("缺少订单号"), detail={"reference": reference})
    discounts = {k.strip().upper(): v for k, v in (discount_fen_by_code or {}).items()}
    if (
        any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in discounts.values())
        or order_total_fen < 0
    ):
        raise CouponUnavailable(_("优惠金额有误"), detail={"discount_fen_by_code": dict(discounts)})
    now, ids, before = timezone.now(), [], {}
    for code in _clean_codes(codes):
        rows = _usable([code], customer_id, now).filter(
            Q(status=CouponStatus.ISSUED) | Q(status=CouponStatus.LOCKED, used_reference=reference)
        )
        coupon = rows.values_list("pk", "status").first()
        updated = coupon is not None and Coupon.objects.filter(pk=coupon[0], status=coupon[1]).filter(
            Q(status=CouponStatus.ISSUED) | Q(used_reference=reference)
        ).update(
            status=CouponStatus.USED,
            used_reference=reference,
            used_at=now,
            discount_fen=discounts.get(code, 0),
            order_total_fen=order_total_fen,
        )
        if not updated:
            raise _unavailable(code, customer_id, now, reference)
        ids.append(coupon[0])
        before[coupon[0]] = coupon[1]
    for coupon_id in ids:
        _audit([coupon_id], before[coupon_id], CouponStatus.USED, f"使用 {reference}", actor)
    return ids


@transaction.atomic
def release_coupons(*, reference: str, actor: Actor) -> int:
    """The order ``reference`` was cancelled: its locked or used coupons go back to issued (or to
    expired once their window has passed). Idempotent; returns how many were released."""
    now, count = timezone.now(), 0
    held = Q(used_reference=reference, status__in=[CouponStatus.USED, CouponStatus.LOCKED])
    for coupon_id, status, valid_until in (
        Coupon.objects.filter(held).order_by("pk").values_list("pk", "status", "valid_until")
    ):
        to_state = CouponStatus.ISSUED if valid_until > now else CouponStatus.EXPIRED
        COUPON_LIFECYCLE.check(status, to_state)
        if Coupon.objects.filter(held, pk=coupon_id).update(
            status=to_state, used_reference="", used_at=None, discount_fen=0, order_total_fen=0
        ):
            _audit([coupon_id], status, to_state, f"订单取消 {reference}", actor)
            count += 1
    return count


@transaction.atomic
def void_coupon(*, code: str, reason: str, actor: Actor) -> Coupon:
    """Cancel an unused coupon (issued or locked → void)."""
    if not (reason or "").strip():
        raise InvalidCouponTemplate.for_fields({"reason": _("请填写作废原因")})
    coupon = Coupon.objects.select_for_update().filter(code=(code or "").strip().upper()).first()
    if coupon is None:
        raise CouponNotFound(detail={"code": code})
    from_state = coupon.status
    COUPON_LIFECYCLE.check(from_state, CouponStatus.VOID)
    coupon.status, coupon.used_reference = CouponStatus.VOID, ""
    coupon.save(update_fields=["status", "used_reference"])
    audit.record(
        actor=actor, obj=coupon, from_state=from_state, to_state=CouponStatus.VOID, reason=reason.strip()
    )
    return coupon


def expire_coupons(*, now: datetime | None = None, actor: Actor | None = None) -> int:
    """Issued coupons whose window has passed → expired (locked ones wait for their order)."""
    now, total = now or timezone.now(), 0
    actor = actor or Actor.system("expire_coupons")
    while True:
        with transaction.atomic():
            moved = list(
                Coupon.objects.select_for_update(skip_locked=True)
                .filter(status=CouponStatus.ISSUED, valid_until__lte=now)
                .order_by("pk")
                .values_list("pk", flat=True)[:500]
            )
            if not moved:
                return total
            Coupon.objects.filter(pk__in=moved).update(status=CouponStatus.EXPIRED)
            _audit(moved, CouponStatus.ISSUED, CouponStatus.EXPIRED, "过期", actor)
            total += len(moved)


def _audit(ids: Sequence[int], from_state: str, to_state: str, reason: str, actor: Actor) -> None:
    COUPON_LIFECYCLE.check(from_state, to_state)
    audit.record_many(actor=actor, entries=[(Coupon(pk=pk), from_state, to_state, reason) for pk in ids])
