"""Payment write services: take tenders (alone or split), start asynchronous payments, settle (capture,
confirm, query), close, refund. Each transition goes through the payment lifecycle and is audited; a
payment settled or refunded after the fact emits an outbox event in the same transaction."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from huitong.core import audit, bulkinsert, outbox
from huitong.core.actors import Actor
from huitong.core.errors import InvalidInput
from huitong.core.states import transition
from huitong.core.transactions import joins_caller_transaction
from huitong.payments.errors import (
    AmountMismatch,
    InvalidAmount,
    InvalidTender,
    PaymentNotFound,
    RefundConflict,
    RefundExceedsPaid,
)
from huitong.payments.gateways import GATEWAYS, Tender, TradeState
from huitong.payments.models import PAID_STATES, Payment, PaymentStatus, Refund, RefundStatus
from huitong.payments.states import PAYMENT_LIFECYCLE

__all__ = [
    "Tender",
    "take_payment",
    "take_tender",
    "take_tenders",
    "create_payment",
    "confirm_payment",
    "capture_payment",
    "close_payment",
    "fail_payment",
    "refund_payment",
    "query_payment",
]


def _lock(payment_id: int) -> Payment:
    payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
    if payment is None:
        raise PaymentNotFound(payment_id=str(payment_id))
    return payment


def _move_to(payment: Payment, status: str, *, actor: Actor, reason: str = "", fields=(), data=None) -> None:
    transition(
        payment,
        status,
        lifecycle=PAYMENT_LIFECYCLE,
        actor=actor,
        reason=reason,
        update_fields=fields,
        data=data,
    )


def _out_trade_no(prefix: str = "P") -> str:
    # 14 time digits + 12 random: a collision needs two payments in the same second drawing the same
    # one-in-10^12 number (gateways accept up to 64 characters, WeChat 32).
    return f"{prefix}{timezone.localtime():%Y%m%d%H%M%S}{secrets.randbelow(10**12):012d}"


def _is_fen(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and value > 0


def _check_new(reference: str, tender: Tender) -> None:
    if tender.method not in GATEWAYS:
        raise InvalidInput.for_fields({"method": f"不支持的支付方式 {tender.method}"})
    if not _is_fen(tender.amount_fen):
        raise InvalidAmount(amount_fen="必须为正整数(分)")
    if not reference:
        raise InvalidInput.for_fields({"reference": "缺少业务单号"})
    errors = GATEWAYS[tender.method].validate(tender)
    if errors:
        raise InvalidTender.for_fields(errors)


def _new_payment(reference: str, tender: Tender, actor: Actor) -> Payment:
    payment = Payment(
        reference=reference,
        amount_fen=tender.amount_fen,
        method=tender.method,
        out_trade_no=_out_trade_no(),
        created_by_id=actor.user_id,
        customer_id=tender.customer_id,
        subject=(tender.subject or "")[:128],
    )
    GATEWAYS[tender.method].prepare(payment, tender)
    return payment


def _settled_event(payment: Payment) -> None:
    outbox.emit(
        topic="payment.settled",
        key=payment.reference,
        payload={
            "payment_id": payment.pk,
            "reference": payment.reference,
            "amount_fen": payment.amount_fen,
            "method": payment.method,
        },
    )


# --- taking money -------------------------------------------------------------------------------------


def take_tender(
    *, reference: str, tender: Tender, actor: Actor, at: datetime | None = None, savepoint: bool = True
) -> Payment | None:
    """Settle one tender at once (sandbox, cash with change, card, scanned code, points, stored value, gift
    card). Returns the paid payment, or None for a gateway that settles only asynchronously (then use
    ``create_payment``). A refusal anywhere (a loyalty balance too low) leaves nothing behind: inside a
    caller's transaction a savepoint undoes this tender alone, unless the caller passes ``savepoint=False``
    because its whole transaction rolls back on any error (two statements fewer)."""
    with transaction.atomic(savepoint=savepoint):
        return _take_tender(reference, tender, actor, at)


def _take_tender(reference: str, tender: Tender, actor: Actor, at: datetime | None) -> Payment | None:
    _check_new(reference, tender)
    gateway = GATEWAYS[tender.method]
    payment = _new_payment(reference, tender, actor)
    if not gateway.synchronous:
        return None
    trade_no = gateway.capture(payment, tender, actor)
    payment.gateway_trade_no, payment.paid_at, payment.status = (
        trade_no,
        at or timezone.now(),
        PaymentStatus.PAID,
    )
    bulkinsert.insert([payment])
    audit.record(
        actor=actor,
        obj=payment,
        from_state=PaymentStatus.CREATED,
        to_state=PaymentStatus.PAID,
        reason=f"settled by {tender.method}",
        data={"gateway_trade_no": trade_no},
    )
    return payment


def take_payment(
    *,
    reference: str,
    amount_fen: int,
    method: str,
    actor: Actor,
    at: datetime | None = None,
    customer_id: int | None = None,
    tendered_fen: int | None = None,
    terminal_ref: str = "",
    card_last4: str = "",
    auth_code: str = "",
    gift_card_no: str = "",
    gift_card_pin: str = "",
    savepoint: bool = True,
) -> Payment | None:
    """``take_tender`` with the tender's fields as keywords (the original signature, extended)."""
    tender = Tender(
        method=method,
        amount_fen=amount_fen,
        customer_id=customer_id,
        tendered_fen=tendered_fen,
        terminal_ref=terminal_ref,
        card_last4=card_last4,
        auth_code=auth_code,
        gift_card_no=gift_card_no,
        gift_card_pin=gift_card_pin,
    )
    return take_tender(reference=reference, tender=tender, actor=actor, at=at, savepoint=savepoint)


@transaction.atomic
def take_tenders(
    *, reference: str, tenders: Sequence[Tender], actor: Actor, at: datetime | None = None
) -> list[Payment]:
    """Split tenders for one sale (points + stored value + cash): all settle or none does. Every tender is
    validated before the first is taken, and all run in one transaction, so a refusal by a later tender
    (an empty gift card) also undoes the points and balances taken by the earlier ones."""
    if not tenders:
        raise InvalidInput.for_fields({"tenders": "至少需要一种支付方式"})
    errors: dict[str, str] = {}
    for i, tender in enumerate(tenders):
        if tender.method not in GATEWAYS:
            errors[f"tenders[{i}].method"] = f"不支持的支付方式 {tender.method}"
        elif not GATEWAYS[tender.method].synchronous:
            errors[f"tenders[{i}].method"] = f"{tender.method} 需异步确认,不能用于当场收款"
        elif not _is_fen(tender.amount_fen):
            errors[f"tenders[{i}].amount_fen"] = "必须为正整数(分)"
        else:
            errors.update(
                {f"tenders[{i}].{k}": v for k, v in GATEWAYS[tender.method].validate(tender).items()}
            )
    if errors:
        raise InvalidTender.for_fields(errors)
    return [take_tender(reference=reference, tender=tender, actor=actor, at=at) for tender in tenders]


@transaction.atomic
def create_payment(
    *,
    reference: str,
    amount_fen: int,
    method: str,
    actor: Actor,
    customer_id: int | None = None,
    subject: str = "",
) -> Payment:
    """A payment waiting for settlement. For Alipay and WeChat Pay the gateway is asked for the pay URL /
    QR code first (a gateway failure leaves no payment behind)."""
    tender = Tender(method=method, amount_fen=amount_fen, customer_id=customer_id, subject=subject)
    _check_new(reference, tender)
    payment = _new_payment(reference, tender, actor)
    payment.save(force_insert=True)
    audit.record(actor=actor, obj=payment, to_state=PaymentStatus.CREATED, reason=f"created for {method}")
    start = getattr(GATEWAYS[method], "start", None)
    if start is not None:
        started = start(payment)
        payment.pay_url, payment.qr_code = started.pay_url, started.qr_code
        payment.save(update_fields=["pay_url", "qr_code"])
    return payment


@joins_caller_transaction
def confirm_payment(
    *, payment_id: int, gateway_trade_no: str, amount_fen: int, actor: Actor, at: datetime | None = None
) -> tuple[Payment, bool]:
    """Record settlement. Replays (same trade no, already paid) are no-ops: returns (payment, False). A
    settlement emits ``payment.settled`` in the same transaction."""
    payment = _lock(payment_id)
    if payment.status in PAID_STATES and payment.gateway_trade_no == gateway_trade_no:
        return payment, False
    if amount_fen != payment.amount_fen:
        raise AmountMismatch(detail={"expected_fen": payment.amount_fen, "got_fen": amount_fen})
    PAYMENT_LIFECYCLE.check(payment.status, PaymentStatus.PAID)
    payment.gateway_trade_no = gateway_trade_no
    payment.paid_at = at or timezone.now()
    _move_to(
        payment,
        PaymentStatus.PAID,
        actor=actor,
        reason="settled",
        fields=("gateway_trade_no", "paid_at"),
        data={"gateway_trade_no": gateway_trade_no},
    )
    _settled_event(payment)
    return payment, True


@joins_caller_transaction
def capture_payment(*, payment_id: int, actor: Actor, at: datetime | None = None) -> Payment:
    """Settle a created payment through its gateway when it can settle synchronously (sandbox, cash)."""
    payment = _lock(payment_id)
    gateway = GATEWAYS[payment.method]
    if not gateway.synchronous:
        return payment
    trade_no = gateway.capture(payment, Tender(method=payment.method, amount_fen=payment.amount_fen), actor)
    return confirm_payment(
        payment_id=payment.pk, gateway_trade_no=trade_no, amount_fen=payment.amount_fen, actor=actor, at=at
    )[0]


def query_payment(*, payment_id: int, actor: Actor) -> Payment:
    """Ask an asynchronous gateway how the trade stands and apply it (a lost notify, a staff check)."""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        raise PaymentNotFound(payment_id=str(payment_id))
    query = getattr(GATEWAYS[payment.method], "query", None)
    if query is None or payment.status != PaymentStatus.CREATED:
        return payment
    return apply_trade_state(payment_id=payment.pk, state=query(payment), actor=actor)[0]


@joins_caller_transaction
def apply_trade_state(*, payment_id: int, state: TradeState, actor: Actor) -> tuple[Payment, bool]:
    """Apply what the gateway says (query or verified callback) to a payment: paid settles a created one
    (amount checked); closed/failed close or fail a created one; anything about a payment already past
    ``created`` is a no-op (a TRADE_CLOSED after TRADE_SUCCESS, a replay). Returns (payment, changed)."""
    payment = _lock(payment_id)
    if state.state == "paid":
        if payment.status not in PAID_STATES and not PAYMENT_LIFECYCLE.allows(
            payment.status, PaymentStatus.PAID
        ):
            from huitong.payments.errors import CallbackRejected

            raise CallbackRejected(
                f"支付单已{payment.get_status_display()},不能再确认支付", detail={"status": payment.status}
            )
        return confirm_payment(
            payment_id=payment.pk,
            gateway_trade_no=state.gateway_trade_no,
            amount_fen=state.amount_fen,
            actor=actor,
        )
    if payment.status != PaymentStatus.CREATED or state.state == "pending":
        return payment, False
    target = PaymentStatus.CLOSED if state.state == "closed" else PaymentStatus.FAILED
    _move_to(payment, target, actor=actor, reason=f"gateway reports {state.state}")
    return payment, True


@joins_caller_transaction
def close_payment(*, payment_id: int, actor: Actor, reason: str) -> Payment:
    """Close a payment nobody paid (timeout, order cancelled); asynchronous gateways close the trade too."""
    payment = _lock(payment_id)
    PAYMENT_LIFECYCLE.check(payment.status, PaymentStatus.CLOSED)
    close = getattr(GATEWAYS[payment.method], "close", None)
    if close is not None:
        close(payment)
    _move_to(payment, PaymentStatus.CLOSED, actor=actor, reason=reason)
    return payment


@joins_caller_transaction
def fail_payment(*, payment_id: int, actor: Actor, reason: str) -> Payment:
    payment = _lock(payment_id)
    _move_to(payment, PaymentStatus.FAILED, actor=actor, reason=reason)
    return payment


# --- refunds --------------------------------------------------------------------------------------------


def _replayed_refund(payment: Payment, refund_reference: str, amount_fen: int) -> bool:
    if not refund_reference:
        return False
    existing = Refund.objects.filter(payment=payment, reference=refund_reference).first()
    if existing is None:
        return False
    if existing.amount_fen != amount_fen:
        raise RefundConflict(
            detail={
                "refund_reference": refund_reference,
                "refunded_fen": existing.amount_fen,
                "requested_fen": amount_fen,
            }
        )
    return True


@transaction.atomic
def refund_payment(
    *, payment_id: int, amount_fen: int, actor: Actor, reason: str, refund_reference: str = ""
) -> Payment:
    """Refund part of a settled payment through its gateway; recorded as one ``Refund``. The total refunded
    never exceeds what was paid (also a DB check). The same ``refund_reference`` again on this payment is a
    no-op (same amount) or 409 (another amount); without one, every call is a new refund."""
    if not _is_fen(amount_fen):
        raise InvalidAmount(amount_fen="必须为正整数(分)")
    payment = _lock(payment_id)
    if _replayed_refund(payment, refund_reference, amount_fen):
        return payment
    if payment.status not in PAID_STATES:
        PAYMENT_LIFECYCLE.check(payment.status, PaymentStatus.REFUNDED)
    if payment.refunded_fen + amount_fen > payment.amount_fen:
        raise RefundExceedsPaid(
            detail={
                "paid_fen": payment.amount_fen,
                "refunded_fen": payment.refunded_fen,
                "requested_fen": amount_fen,
            }
        )
    refund_no = _out_trade_no("R")
    result = GATEWAYS[payment.method].refund(payment, amount_fen, refund_no, reason, actor)
    try:
        with transaction.atomic():
            refund = Refund.objects.create(
                payment=payment,
                refund_no=refund_no,
                reference=refund_reference or refund_no,
                amount_fen=amount_fen,
                reason=reason[:200],
                gateway_refund_no=result.gateway_refund_no[:64],
                created_by_id=actor.user_id,
                status=RefundStatus.PROCESSING if result.processing else RefundStatus.SUCCEEDED,
            )
    except IntegrityError as exc:  # a concurrent call with the same reference won (we held the lock: rare)
        raise RefundConflict(detail={"refund_reference": refund_reference}) from exc
    Payment.objects.filter(pk=payment.pk).update(refunded_fen=F("refunded_fen") + amount_fen)
    payment.refresh_from_db(fields=["refunded_fen"])
    target = (
        PaymentStatus.REFUNDED
        if payment.refunded_fen == payment.amount_fen
        else PaymentStatus.PARTIALLY_REFUNDED
    )
    _move_to(
        payment,
        target,
        actor=actor,
        reason=reason,
        data={"refund_no": refund_no, "amount_fen": amount_fen, "refund_id": refund.pk},
    )
    outbox.emit(
        topic="payment.refunded",
        key=payment.reference,
        payload={
            "payment_id": payment.pk,
            "reference": payment.reference,
            "amount_fen": amount_fen,
            "refund_id": refund.pk,
            "refund_no": refund_no,
            "refunded_fen": payment.refunded_fen,
            "method": payment.method,
        },
    )
    return payment
