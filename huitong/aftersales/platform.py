"""Refunds that arrive from a platform store (淘宝/京东/拼多多 ... 退款单) become ordinary after-sales
requests: one per (order, platform refund id), created on first sight and moved along as the
platform's state changes. The platform moves the money; Huitong records it as settled there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from huitong.aftersales import selectors, services
from huitong.aftersales.errors import InvalidRequest
from huitong.aftersales.models import AfterSalesRequest, RequestKind, RequestReason, RequestStatus
from huitong.aftersales.states import path_to
from huitong.core import audit
from huitong.core.actors import Actor
from huitong.orders.models import Order

S = RequestStatus
# The platform's refund states (as the connectors normalise them) onto ours.
PLATFORM_STATES = {
    "requested": S.REQUESTED,
    "approved": S.APPROVED,
    "refunded": S.REFUNDED,
    "rejected": S.REJECTED,
    "cancelled": S.CANCELLED,
}


@dataclass(frozen=True)
class PlatformLineRef:
    """A platform sub-order (or merchant code) being refunded; ``quantity`` None = all of it."""

    ref: str
    quantity: int | None = None


def _reason(text: str) -> tuple[str, str]:
    """A platform reason (our code, our label, or free text) → (reason code, note for free text)."""
    text = (text or "").strip()
    if text in RequestReason.values:
        return text, ""
    for value, label in RequestReason.choices:
        if text == str(label):
            return value, ""
    return RequestReason.OTHER, text


def _lines(order: Order, line_refs: Sequence[str | PlatformLineRef]) -> list[services.LineRequest]:
    """Order lines for the referenced platform lines (by platform line id, else merchant code); none = the
    whole order. A bundle's platform line maps to several order lines: a partial quantity of a bundle is
    taken as the whole line (components cannot be split from the platform's count alone)."""
    allowances = selectors.line_allowances(order.pk)
    if not line_refs:
        return [services.LineRequest(a.order_line_id, a.returnable_quantity)
                for a in allowances.values() if a.returnable_quantity]
    rows = list(order.lines.order_by("line_no").values("pk", "platform_line_id", "merchant_code", "quantity"))
    result: dict[int, int] = {}
    for i, raw in enumerate(line_refs):
        ref = raw if isinstance(raw, PlatformLineRef) else PlatformLineRef(str(raw))
        matched = ([r for r in rows if ref.ref and r["platform_line_id"] == ref.ref]
                   or [r for r in rows if ref.ref and r["merchant_code"] == ref.ref])
        if not matched:
            raise InvalidRequest.for_fields({f"line_refs[{i}]": f"订单 {order.number} 没有平台子订单 {ref.ref}"})
        for row in matched:
            whole = ref.quantity is None or len(matched) > 1
            result[row["pk"]] = result.get(row["pk"], 0) + (
                allowances[row["pk"]].returnable_quantity if whole else ref.quantity)
    return [services.LineRequest(pk, quantity) for pk, quantity in result.items()]


def _settle_on_platform(request: AfterSalesRequest) -> None:
    request.settled_on_platform, request.refunded_fen, request.refunded_at = True, request.refund_fen, timezone.now()


def _step(request: AfterSalesRequest, order: Order, status: str, actor: Actor, note: str) -> None:
    reason = f"platform: {note}"
    if status == S.APPROVED:
        request.approved_at = timezone.now()
        services._move_to(request, status, actor=actor, reason=reason, fields=("approved_at",))
    elif status == S.REFUNDED:
        _settle_on_platform(request)
        services._move_to(request, status, actor=actor, reason=reason,
                          fields=("settled_on_platform", "refunded_fen", "refunded_at"),
                          data={"settled_on_platform": True})
        services._cancel_if_all_refunded(order, request, actor)
    else:
        request.closed_at = timezone.now()
        services._move_to(request, status, actor=actor, reason=reason, fields=("closed_at",))


def _follow(request: AfterSalesRequest, order: Order, target: str, actor: Actor, note: str) -> None:
    """Walk the request to the platform's state without passing through goods received (only our
    warehouse can say that). A return refunded on the platform before its goods arrived is marked
    settled and moves to refunded when the warehouse records the receipt; one rejected after approval is
    cancelled. Older states (a replay, a late snapshot) are ignored."""
    avoid = frozenset({S.GOODS_RECEIVED})
    route = path_to(request.kind, request.status, target, avoid=avoid)
    if route is None and target == S.REJECTED:  # refused after we agreed: the claim is withdrawn
        route = path_to(request.kind, request.status, S.CANCELLED, avoid=avoid)
    if route is None:
        if target == S.REFUNDED and request.kind == RequestKind.RETURN_REFUND and not request.settled_on_platform \
                and request.status in (S.REQUESTED, S.APPROVED):
            if request.status == S.REQUESTED:
                _step(request, order, S.APPROVED, actor, note)
            _settle_on_platform(request)
            request.save(update_fields=["settled_on_platform", "refunded_fen", "refunded_at", "updated_at"])
            audit.record(actor=actor, obj=request, reason="refunded on platform; waiting for the goods")
        return
    for status in route:
        _step(request, order, status, actor, note)


@transaction.atomic
def open_platform_request(
    *, order_id: int, platform_refund_id: str, line_refs: Sequence[str | PlatformLineRef], amount_fen: int,
    reason: str, state: str, kind: str = RequestKind.REFUND_ONLY, actor: Actor | None = None,
) -> AfterSalesRequest:
    """Create or update the request for a platform refund. Idempotent per (order, platform refund id):
    a replay changes nothing; a later platform state moves the request on; a changed amount is applied
    while the request is still open. Limits are those of any request (units, what was paid)."""
    actor = actor or Actor.system("platform")
    errors = {}
    if not platform_refund_id.strip():
        errors["platform_refund_id"] = "缺少平台退款单号"
    if state not in PLATFORM_STATES:
        errors["state"] = f"未知的平台退款状态 {state}"
    if errors:
        raise InvalidRequest.for_fields(errors)
    target = PLATFORM_STATES[state]
    order = services._lock_order(order_id)
    request = (AfterSalesRequest.objects.select_for_update()
               .filter(order_id=order.pk, platform_refund_id=platform_refund_id).first())
    note = f"{platform_refund_id} {state}"
    if request is None:
        code, text = _reason(reason)
        spec = services.NewRequest(order_id=order.pk, kind=kind, reason=code, lines=_lines(order, line_refs),
                                   refund_fen=None if kind == RequestKind.EXCHANGE else amount_fen,
                                   evidence_note=text)
        services._validate(spec)
        request = services._open(order, spec, actor, platform_refund_id=platform_refund_id)
    elif (request.status in (S.REQUESTED, S.APPROVED) and kind != RequestKind.EXCHANGE
          and amount_fen != request.refund_fen and not request.settled_on_platform):
        services._set_refund(request, order, amount_fen)
        request.save(update_fields=["refund_fen", "updated_at"])
        audit.record(actor=actor, obj=request, reason=f"platform amount changed: {note}",
                     data={"refund_fen": amount_fen})
    _follow(request, order, target, actor, note)
    return request
