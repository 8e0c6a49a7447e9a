"""审单: the auto-review rules applied to every new paid order (any channel), and the review queue.

Review moves ``Order.review_status`` through ``REVIEW_LIFECYCLE`` (audited as ``orders.orderreview``, apart
from the order's own lifecycle) and writes its reasons into ``Order.hold_reasons``, the one hold mechanism:

* review reasons: what the rules found, the cool-down / review-window wait, finance review. A re-review
  replaces them; approve re-checks and passes when nothing is found, force-approve clears them.
* process holds (``HARD_HOLDS``: unmapped SKU, out of stock, refund in progress, allocation failed, ...):
  owned by the process that clears them (a mapping, allocation, after-sales). Review lists them when its
  rules find them, and never clears them; they keep blocking allocation and shipping.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from huitong.core import audit, crypto
from huitong.core.actors import Actor
from huitong.core.errors import DomainError, InvalidTransition
from huitong.core.states import transition
from huitong.core.transactions import joins_caller_transaction
from huitong.orders import services
from huitong.orders.errors import FinanceReviewPending, InvalidOrder, OrderNotFound, ReviewStillHeld
from huitong.orders.models import Order, OrderReview, OrderStatus, ReviewStatus, RuleKind
from huitong.orders.review_rules import REFUND_IN_PROGRESS, Context, findings, load, review_config
from huitong.orders.states import HOLDS_STOCK, REVIEW_LIFECYCLE

R = ReviewStatus
COOLING_DOWN, OUTSIDE_WINDOW = "cooling_down", "outside_review_window"
FINANCE_REVIEW, FINANCE_REJECTED = "finance_review", "finance_rejected"
CHANGED_AFTER_REVIEW, ALLOCATION_FAILED = "changed_after_review", "allocation_failed"
HARD_HOLDS = frozenset({"unmapped_sku", "out_of_stock", REFUND_IN_PROGRESS, "shipped_outside",
                        "closed_after_shipping", ALLOCATION_FAILED})
MANUAL_ONLY = frozenset({CHANGED_AFTER_REVIEW, FINANCE_REJECTED})  # automatic re-review keeps these
AUTO_RECHECK = frozenset({RuleKind.UNPAID_SIBLING})  # clear by themselves: re-checked periodically
RECEIVER_KINDS = frozenset({RuleKind.ADDRESS_INCOMPLETE, RuleKind.BLACKLISTED})
REVIEW_FIELDS = ("review_status", "hold_reasons", "review_due_at", "reviewed_at", "carrier_code",
                 "preferred_location_id", "province", "city", "district")


@dataclass(frozen=True)
class Mode:
    wait: bool = False  # respect the cool-down and the review window
    keep_manual: bool = False  # keep reasons only a person clears
    ignore_found: bool = False  # force-approve
    kinds: frozenset[str] | None = None  # check only these rule kinds (others' reasons stay)


AUTO, RECHECK, APPROVE, FORCE = Mode(wait=True, keep_manual=True), Mode(keep_manual=True), Mode(), \
    Mode(ignore_found=True)


# --- deciding and writing -------------------------------------------------------------------------

def _wait(order: Order, ctx: Context) -> tuple[datetime, dict] | None:
    s = ctx.settings
    due = (order.paid_at or ctx.now) + timedelta(minutes=s.cool_down_minutes)
    if s.cool_down_minutes and due > ctx.now:
        return due, {"code": COOLING_DOWN, "message": f"付款后 {s.cool_down_minutes} 分钟冷静期,到点自动审核"}
    if s.window_start is None or s.window_end is None:
        return None
    local = timezone.localtime(ctx.now)
    start, end, t = s.window_start, s.window_end, local.time()
    inside = start <= t < end if start < end else (t >= start or t < end)
    if inside:
        return None
    opens = local.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
    if opens <= local:
        opens += timedelta(days=1)
    return opens, {"code": OUTSIDE_WINDOW, "message": f"不在自动审核时间段 {start:%H:%M}-{end:%H:%M} 内"}


def _needs_finance(order: Order, ctx: Context) -> bool:
    s = ctx.settings
    return s.finance_review and order.total_fen >= s.finance_min_total_fen and order.review_status != R.APPROVED


def _decide(order: Order, ctx: Context, mode: Mode) -> tuple[str, list[dict], datetime | None]:
    hard = [h for h in order.hold_reasons if h["code"] in HARD_HOLDS]
    if mode.wait and order.review_status in (R.UNREVIEWED, R.WAITING) and (waiting := _wait(order, ctx)):
        return R.WAITING, [*hard, waiting[1]], waiting[0]
    found = findings(order, ctx, mode.kinds)
    hard += [f for f in found if f["code"] in HARD_HOLDS and all(h["code"] != f["code"] for h in hard)]
    soft = [] if mode.ignore_found else [f for f in found if f["code"] not in HARD_HOLDS]
    if mode.kinds is not None:  # a partial re-check keeps what the other rules said
        soft = [h for h in order.hold_reasons if h["code"] not in HARD_HOLDS and h["code"] not in mode.kinds] + soft
    elif mode.keep_manual:
        soft = [h for h in order.hold_reasons if h["code"] in MANUAL_ONLY] + soft
    if soft:
        recheck = all(h["code"] in AUTO_RECHECK for h in soft)
        due = ctx.now + timedelta(minutes=ctx.settings.unpaid_recheck_minutes) if recheck else None
        return R.HELD, [*hard, *soft], due
    if mode.kinds is not None and order.review_status in (R.APPROVED, R.FINANCE):
        keep = [h for h in order.hold_reasons if h["code"] == FINANCE_REVIEW]
        return order.review_status, [*hard, *keep], None
    if _needs_finance(order, ctx):
        return R.FINANCE, [*hard, {"code": FINANCE_REVIEW, "message": "金额达到财务复审标准,待财务审核"}], None
    return R.APPROVED, hard, None


def _move_to(order: OrderReview, target: str, *, actor: Actor, reason: str, reasons_before: list[dict]) -> None:
    """The one way review state changes: lifecycle check, save, audit (as orders.orderreview). Staying in
    the same state is audited only when the reasons changed."""
    fields = ["hold_reasons", "review_due_at", "reviewed_at", "carrier_code", "preferred_location", "province",
              "city", "district", "updated_at"]
    data = {"codes": [h["code"] for h in order.hold_reasons]}
    if target != order.review_status:
        transition(order, target, lifecycle=REVIEW_LIFECYCLE, actor=actor, reason=reason, field="review_status",
                   update_fields=fields, data=data)
        return
    order.save(update_fields=fields)
    if order.hold_reasons != reasons_before:
        audit.record(actor=actor, obj=order, from_state=target, to_state=target, reason=reason, data=data)


_COMPARED = [f for f in REVIEW_FIELDS if f != "reviewed_at"]


def _settle(order: Order, ctx: Context, mode: Mode) -> tuple[str, list[dict]] | None:
    """Put the decision on the instance (not saved): (target state, reasons before), or None when nothing
    it would save changed."""
    before = [getattr(order, f) for f in _COMPARED]
    reasons_before = list(order.hold_reasons)
    target, reasons, due = _decide(order, ctx, mode)
    order.hold_reasons, order.review_due_at = reasons, due
    if target != R.WAITING:
        order.reviewed_at = ctx.now
    if target != order.review_status or [getattr(order, f) for f in _COMPARED] != before:
        return target, reasons_before
    return None


def _apply(order: OrderReview, ctx: Context, mode: Mode, *, actor: Actor, reason: str) -> OrderReview:
    settled = _settle(order, ctx, mode)
    if settled is not None:
        _move_to(order, settled[0], actor=actor, reason=reason, reasons_before=settled[1])
    return order


def _lock(order_ids: Sequence[int]) -> list[OrderReview]:
    return list(OrderReview.objects.select_for_update().filter(pk__in=list(order_ids)).order_by("pk"))


def _lock_one(order_id: int) -> OrderReview:
    found = _lock([order_id])
    if not found:
        raise OrderNotFound(order_id=f"订单 {order_id} 不存在")
    return found[0]


# --- automatic review ---------------------------------------------------------------------------

def review_paid_orders(*, orders: Sequence[Order], actor: Actor, now: datetime | None = None) -> None:
    """Hook for every path where an order becomes paid (checkout payment, platform import or update): review
    the unreviewed ones in the caller's transaction (rows already locked) and copy the outcome onto the
    caller's instances."""
    todo = [o for o in orders if o.status == OrderStatus.PAID and o.review_status == R.UNREVIEWED]
    if not todo:
        return
    reviewed = {o.pk: o for o in review_orders(order_ids=[o.pk for o in todo], actor=actor, now=now)}
    for order in todo:
        for name in REVIEW_FIELDS:
            setattr(order, name, getattr(reviewed[order.pk], name))


@joins_caller_transaction
def review_orders(*, order_ids: Sequence[int], actor: Actor, now: datetime | None = None) -> list[OrderReview]:
    """Automatic review of paid orders not yet approved: wait (cool-down, window), hold with every reason
    found, send to finance, or approve. Orders in other states are returned untouched."""
    orders = _lock(order_ids)
    todo = [o for o in orders if o.status == OrderStatus.PAID and o.review_status in (R.UNREVIEWED, R.WAITING, R.HELD)]
    ctx = load(todo, now or timezone.now())
    for order in todo:
        _apply(order, ctx, AUTO, actor=actor, reason="auto review")
    return orders


def needs_receiver() -> bool:
    """Whether an active rule reads the receiver's name, phone or address."""
    return any(rule.kind in RECEIVER_KINDS for rule in review_config()[1])


@dataclass(frozen=True)
class Decided:
    """An automatic review put on an order instance that its caller writes (see ``decide_paid_orders``)."""

    order: Order
    from_state: str
    to_state: str
    audited: bool  # a transition, or the same state with other reasons

    def audit_entry(self, reason: str = "auto review") -> tuple:
        """For ``audit.record_many``, once the order row has its primary key."""
        codes = [h["code"] for h in self.order.hold_reasons]
        subject = audit.Subject(OrderReview._meta.label_lower, self.order.pk)
        return subject, self.from_state, self.to_state, reason, {"codes": codes}


def decide_paid_orders(*, orders: Sequence[Order], now: datetime | None = None,
                       lines: Sequence[Sequence] | None = None, unpaid: Sequence[Order] = ()) -> list[Decided]:
    """The automatic review of orders becoming paid in the caller's transaction, decided on the caller's
    instances and not saved: the caller writes each order row once, the review columns (``REVIEW_FIELDS``)
    with the payment or the import, and audits the returned decisions (``Decided.audit_entry``) — the same
    rows as ``review_paid_orders``, without reading and writing the orders again. For orders not inserted
    yet, ``lines`` gives each order's lines and ``unpaid`` the pending orders written with them."""
    todo = [(i, o) for i, o in enumerate(orders) if o.review_status == R.UNREVIEWED]
    if not todo:
        return []
    ctx = load([o for _, o in todo], now or timezone.now(),
               lines=None if lines is None else [lines[i] for i, _ in todo], unpaid=unpaid)
    decided = []
    for _, order in todo:
        was = order.review_status
        settled = _settle(order, ctx, AUTO)
        if settled is None:
            continue
        target, reasons_before = settled
        if target != was:
            REVIEW_LIFECYCLE.check(was, target)
            order.review_status = target
        decided.append(Decided(order, was, target, target != was or order.hold_reasons != reasons_before))
    return decided


def review_order(*, order_id: int, actor: Actor, now: datetime | None = None) -> OrderReview:
    found = review_orders(order_ids=[order_id], actor=actor, now=now)
    if not found:
        raise OrderNotFound(order_id=f"订单 {order_id} 不存在")
    return found[0]


def review_due_orders(*, now: datetime | None = None, limit: int = 500) -> int:
    """The periodic job: review paid orders whose wait is over or whose recheck is due (and any paid order
    left unreviewed), each in its own transaction. Returns how many changed state."""
    now = now or timezone.now()
    due = Q(review_status__in=[R.WAITING, R.HELD], review_due_at__lte=now) | Q(review_status=R.UNREVIEWED)
    ids = list(Order.objects.filter(due, status=OrderStatus.PAID).order_by("review_due_at", "pk")
               .values_list("pk", flat=True)[:limit])
    actor = Actor.system("auto-review")
    moved = 0
    for order_id in ids:
        before = Order.objects.filter(pk=order_id).values_list("review_status", flat=True).first()
        for order in review_orders(order_ids=[order_id], actor=actor, now=now):
            moved += order.review_status != before
    return moved


# --- the review queue: people's decisions ----------------------------------------------------------

def _reviewable(order: OrderReview) -> None:
    if order.status not in (OrderStatus.PAID, OrderStatus.ALLOCATED):
        raise InvalidTransition(f"{order.get_status_display()}的订单不能审核", detail={"status": order.status})
    if order.review_status == R.FINANCE:
        raise FinanceReviewPending(detail={"order_id": order.pk})


@transaction.atomic
def approve_order(*, order_id: int, actor: Actor, force: bool = False, note: str = "") -> OrderReview:
    """Approve: re-check every rule and pass when none matches (else stay held with the new reasons).
    Force-approve: pass despite what the rules find. Process holds stay either way."""
    order = _lock_one(order_id)
    _reviewable(order)
    if order.review_status == R.APPROVED and all(h["code"] in HARD_HOLDS for h in order.hold_reasons):
        return order  # nothing for review to clear (a platform change after review would be listed)
    mode = FORCE if force else APPROVE
    reason = f"{'force-approved' if force else 'approved'}{': ' + note if note else ''}"
    return _apply(order, load([order], timezone.now()), mode, actor=actor, reason=reason)


def _finance_order(order_id: int) -> OrderReview:
    order = _lock_one(order_id)
    REVIEW_LIFECYCLE.check(order.review_status, R.APPROVED if order.review_status == R.FINANCE else R.FINANCE)
    return order


@transaction.atomic
def finance_approve_order(*, order_id: int, actor: Actor, note: str = "") -> OrderReview:
    order = _finance_order(order_id)
    before = order.hold_reasons
    order.hold_reasons = [h for h in order.hold_reasons if h["code"] != FINANCE_REVIEW]
    order.reviewed_at = timezone.now()
    _move_to(order, R.APPROVED, actor=actor, reason=f"finance approved{': ' + note if note else ''}",
             reasons_before=before)
    return order


@transaction.atomic
def finance_reject_order(*, order_id: int, actor: Actor, reason: str) -> OrderReview:
    if not reason.strip():
        raise InvalidOrder.for_fields({"reason": "请填写驳回原因"})
    order = _finance_order(order_id)
    before = order.hold_reasons
    order.hold_reasons = [h for h in order.hold_reasons if h["code"] != FINANCE_REVIEW] + [
        {"code": FINANCE_REJECTED, "message": f"财务驳回: {reason.strip()[:100]}"}]
    order.reviewed_at = timezone.now()
    _move_to(order, R.HELD, actor=actor, reason=f"finance rejected: {reason}", reasons_before=before)
    return order


RECEIVER_FIELDS = ("receiver_name", "receiver_phone", "province", "city", "district", "address")


@transaction.atomic
def edit_receiver(*, order_id: int, receiver: services.Receiver, actor: Actor) -> OrderReview:
    """Correct the receiver of an unshipped order, then re-check: a held order is reviewed again; an
    approved one is checked against the address and blacklist rules only."""
    order = _lock_one(order_id)
    if order.status not in (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID):
        raise InvalidTransition(f"{order.get_status_display()}的订单不能修改收货信息", detail={"status": order.status})
    errors = {f: "过长" for f, limit in (("name", 50), ("phone", 30), ("address", 200))
              if len(getattr(receiver, f)) > limit}
    if errors:
        raise InvalidOrder.for_fields(errors)
    values = dict(zip(RECEIVER_FIELDS, (receiver.name.strip(), receiver.phone.strip(), receiver.province.strip(),
                                        receiver.city.strip(), receiver.district.strip(), receiver.address.strip()),
                      strict=True))
    changed = sorted(k for k, v in values.items() if getattr(order, k) != v)
    if not changed:
        return order
    for name, value in values.items():
        setattr(order, name, value)
    order.receiver_phone_hash = crypto.lookup_hash(order.receiver_phone)
    order.save(update_fields=[*RECEIVER_FIELDS, "receiver_phone_hash", "updated_at"])
    audit.record(actor=actor, obj=Order(pk=order.pk), reason="receiver edited", data={"fields": changed})
    if order.status == OrderStatus.PAID and order.review_status != R.WAITING:
        partial = order.review_status in (R.APPROVED, R.FINANCE)
        mode = replace(RECHECK, kinds=RECEIVER_KINDS) if partial else RECHECK
        _apply(order, load([order], timezone.now(), mode.kinds), mode, actor=actor, reason="re-check after edit")
    return order


@transaction.atomic
def set_refund_hold(*, order_id: int, active: bool, actor: Actor, note: str = "") -> OrderReview:
    """After-sales in progress on an unshipped order holds it (审单: refund in progress); closing it releases."""
    order = _lock_one(order_id)
    if order.status not in HOLDS_STOCK:
        return order
    present = any(h["code"] == REFUND_IN_PROGRESS for h in order.hold_reasons)
    if active == present:
        return order
    if active:
        order.hold_reasons = [*order.hold_reasons, {"code": REFUND_IN_PROGRESS, "message": note or "售后处理中"}]
    else:
        order.hold_reasons = [h for h in order.hold_reasons if h["code"] != REFUND_IN_PROGRESS]
    order.save(update_fields=["hold_reasons", "updated_at"])
    audit.record(actor=actor, obj=Order(pk=order.pk), reason=f"refund hold {'set' if active else 'released'}",
                 data={"note": note[:200]})
    return order


# --- batches ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BatchResult:
    order_id: int
    ok: bool
    order: Order | None = None
    code: str = ""
    message: str = ""
    detail: dict = field(default_factory=dict)


def run_batch(order_ids: Sequence[int], action: Callable[[int], Order],
              check: Callable[[Order], DomainError | None] = lambda order: None) -> list[BatchResult]:
    """Apply ``action`` to each order in its own transaction; one result per distinct id, in order."""
    results = []
    for order_id in dict.fromkeys(order_ids):
        try:
            order = action(order_id)
        except DomainError as exc:
            results.append(BatchResult(order_id, False, None, exc.code, exc.message, exc.detail))
            continue
        problem = check(order)
        if problem is not None:
            results.append(BatchResult(order_id, False, order, problem.code, problem.message, problem.detail))
        else:
            results.append(BatchResult(order_id, True, order))
    return results


def still_held(order: Order) -> DomainError | None:
    if order.review_status == R.HELD:
        return ReviewStillHeld(detail={"hold_reasons": order.hold_reasons})
    return None


def approve_orders(*, order_ids: Sequence[int], actor: Actor, force: bool = False, note: str = "") -> list[BatchResult]:
    return run_batch(order_ids, lambda oid: approve_order(order_id=oid, actor=actor, force=force, note=note),
                     still_held)


def cancel_orders(*, order_ids: Sequence[int], actor: Actor, reason: str) -> list[BatchResult]:
    return run_batch(order_ids, lambda oid: services.cancel_order(order_id=oid, actor=actor, reason=reason))
