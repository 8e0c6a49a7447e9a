"""Payment write services: create, settle (capture or confirm), close, refund. Each transition goes
through the payment lifecycle and is audited."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db.models import F
from django.utils import timezone

from huitong.core import audit
from huitong.core.actors import Actor
from huitong.core.errors import InvalidInput
from huitong.core.states import transition
from huitong.core.transactions import joins_caller_transaction
from huitong.payments.errors import AmountMismatch, InvalidAmount, PaymentNotFound, RefundExceedsPaid
from huitong.payments.gateways import GATEWAYS
from huitong.payments.models import Payment, PaymentStatus
from huitong.payments.states import PAYMENT_LIFECYCLE


def _lock(payment_id: int) -> Payment:
    payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
    if payment is None:
        raise PaymentNotFound(payment_id=str(payment_id))
    return payment


def _move_to(payment: Payment, status: str, *, actor: Actor, reason: str = "", fields=()) -> None:
    transition(payment, status, lifecycle=PAYMENT_LIFECYCLE, actor=actor, reason=reason, update_fields=fields)


def _out_trade_no() -> str:
    # 14 time digits + 12 random: a collision needs two payments in the same second drawing the same
    # one-in-10^12 number (gateways accept up to 64 characters).
    return f"P{timezone.localtime():%Y%m%d%H%M%S}{secrets.randbelow(10**12):012d}"


def _check_new(reference: str, amount_fen: int, method: str) -> None:
    if method not in GATEWAYS:
        raise InvalidInput.for_fields({"method": f"不支持的支付方式 {method}"})
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise InvalidAmount(amount_fen="必须为正整数(分)")
    if not reference:
        raise InvalidInput.for_fields({"reference": "缺少业务单号"})


@joins_caller_transaction
def create_payment(*, reference: str, amount_fen: int, method: str, actor: Actor) -> Payment:
    """A payment waiting for the gateway's asynchronous confirmation."""
    _check_new(reference, amount_fen, method)
    return Payment.objects.create(
        reference=reference, amount_fen=amount_fen, method=method, out_trade_no=_out_trade_no(),
        created_by_id=actor.user_id,
    )


@joins_caller_transaction
def take_payment(*, reference: str, amount_fen: int, method: str, actor: Actor,
                 at: datetime | None = None) -> Payment | None:
    """Settle at once through a synchronous gateway (sandbox, cash at the till). Returns the paid
    payment, or None when the gateway settles only asynchronously (then use ``create_payment``)."""
    _check_new(reference, amount_fen, method)
    payment = Payment(reference=reference, amount_fen=amount_fen, method=method, out_trade_no=_out_trade_no(),
                      created_by_id=actor.user_id)
    trade_no = GATEWAYS[method].capture(payment)
    if trade_no is None:
        return None
    payment.gateway_trade_no, payment.paid_at, payment.status = trade_no, at or timezone.now(), PaymentStatus.PAID
    payment.save(force_insert=True)
    audit.record(actor=actor, obj=payment, from_state=PaymentStatus.CREATED, to_state=PaymentStatus.PAID,
                 reason=f"settled by {method}", data={"gateway_trade_no": trade_no})
    return payment


@joins_caller_transaction
def confirm_payment(
    *, payment_id: int, gateway_trade_no: str, amount_fen: int, actor: Actor, at: datetime | None = None
) -> tuple[Payment, bool]:
    """Record settlement. Replays (same trade no, already paid) are no-ops: returns (payment, False)."""
    payment = _lock(payment_id)
    if payment.status == PaymentStatus.PAID and payment.gateway_trade_no == gateway_trade_no:
        return payment, False
    if amount_fen != payment.amount_fen:
        raise AmountMismatch(detail={"expected_fen": payment.amount_fen, "got_fen": amount_fen})
    payment.gateway_trade_no = gateway_trade_no
    payment.paid_at = at or timezone.now()
    _move_to(payment, PaymentStatus.PAID, actor=actor, reason="settled", fields=("gateway_trade_no", "paid_at"))
    return payment, True


@joins_caller_transaction
def capture_payment(*, payment_id: int, actor: Actor, at: datetime | None = None) -> Payment:
    """Settle through the payment's gateway when it can settle synchronously (sandbox, cash)."""
    payment = _lock(payment_id)
    trade_no = GATEWAYS[payment.method].capture(payment)
    if trade_no is None:
        return payment
    return confirm_payment(payment_id=payment.pk, gateway_trade_no=trade_no, amount_fen=payment.amount_fen,
                           actor=actor, at=at)[0]


@joins_caller_transaction
def close_payment(*, payment_id: int, actor: Actor, reason: str) -> Payment:
    payment = _lock(payment_id)
    _move_to(payment, PaymentStatus.CLOSED, actor=actor, reason=reason)
    return payment


@joins_caller_transaction
def refund_payment(*, payment_id: int, amount_fen: int, actor: Actor, reason: str) -> Payment:
    """Refund through the gateway; the total refunded never exceeds what was paid (also a DB check)."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise InvalidAmount(amount_fen="必须为正整数(分)")
    payment = _lock(payment_id)
    if payment.refunded_fen + amount_fen > payment.amount_fen:
        raise RefundExceedsPaid(detail={"paid_fen": payment.amount_fen, "refunded_fen": payment.refunded_fen,
                                        "requested_fen": amount_fen})
    refund_no = GATEWAYS[payment.method].refund(payment, amount_fen)
    Payment.objects.filter(pk=payment.pk).update(refunded_fen=F("refunded_fen") + amount_fen)
    payment.refresh_from_db(fields=["refunded_fen"])
    full = payment.refunded_fen == payment.amount_fen
    target = PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED
    transition(payment, target, lifecycle=PAYMENT_LIFECYCLE, actor=actor, reason=reason,
               data={"refund_no": refund_no, "amount_fen": amount_fen})
    return payment
