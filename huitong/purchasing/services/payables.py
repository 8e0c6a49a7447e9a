"""Payables (应付): one per receipt, due after the supplier's payment terms; payments against them,
never above what is outstanding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from huitong.core import audit
from huitong.core.actors import Actor
from huitong.core.states import transition
from huitong.purchasing.errors import (
    IdempotencyKeyReused,
    InvalidPayment,
    PayableNotFound,
    PaymentExceedsOutstanding,
)
from huitong.purchasing.models import Payable, PayableStatus, Receipt, Supplier, SupplierPayment
from huitong.purchasing.services.checks import check_int
from huitong.purchasing.states import PAYABLE_LIFECYCLE

P = PayableStatus


def open_payable(*, receipt: Receipt, supplier: Supplier, received_on: date, actor: Actor) -> Payable:
    """The payable of a new receipt (called inside the receipt's transaction). Nothing owed: paid."""
    payable = Payable.objects.create(
        supplier=supplier, receipt=receipt, amount_fen=receipt.total_fen,
        due_date=received_on + timedelta(days=supplier.payment_terms_days),
        status=P.OPEN if receipt.total_fen else P.PAID)
    audit.record(actor=actor, obj=payable, to_state=payable.status, reason=receipt.number,
                 data={"amount_fen": payable.amount_fen, "due_date": payable.due_date.isoformat()})
    return payable


@dataclass(frozen=True)
class Paid:
    payment: SupplierPayment
    payable: Payable
    created: bool  # False: a payment with this key was already recorded (a retry), nothing changed


def _check(amount_fen: int, method: str, reference: str, key: str) -> None:
    errors: dict[str, str] = {}
    check_int(amount_fen, "amount_fen", errors, minimum=1)
    for field, value, limit in (("method", method, 30), ("reference", reference, 100), ("key", key, 64)):
        if len(value) > limit:
            errors[field] = f"不能超过 {limit} 个字符"
    if errors:
        raise InvalidPayment.for_fields(errors)


@transaction.atomic
def record_supplier_payment(
    *, payable_id: int, amount_fen: int, actor: Actor, paid_on: date | None = None,
    method: str = "bank_transfer", reference: str = "", key: str = "",
) -> Paid:
    """Record money paid against a payable. More than is outstanding is refused (409) and changes
    nothing; a payment with a ``key`` already used is returned unchanged (``created=False``)."""
    key = (key or "").strip()
    _check(amount_fen, method, reference, key)
    payable = Payable.objects.select_for_update().filter(pk=payable_id).first()
    if payable is None:
        raise PayableNotFound(payable_id=f"应付账款 {payable_id} 不存在")
    if key:
        existing = SupplierPayment.objects.filter(key=key).first()
        if existing is not None:
            if (existing.payable_id, existing.amount_fen) != (payable.pk, amount_fen):
                raise IdempotencyKeyReused(detail={"key": key})
            return Paid(existing, payable, False)
    outstanding = payable.amount_fen - payable.paid_fen
    if amount_fen > outstanding:
        raise PaymentExceedsOutstanding(detail={"payable_id": payable.pk, "amount_fen": amount_fen,
                                                "outstanding_fen": outstanding})
    payment = SupplierPayment.objects.create(
        payable=payable, amount_fen=amount_fen, paid_on=paid_on or timezone.localdate(), method=method,
        reference=reference, key=key, actor_id=actor.user_id, actor_label=actor.label)
    payable.paid_fen += amount_fen
    transition(payable, P.PAID if payable.paid_fen == payable.amount_fen else P.PARTLY_PAID,
               lifecycle=PAYABLE_LIFECYCLE, actor=actor, reason=f"payment {payment.pk}",
               update_fields=["paid_fen", "updated_at"], data={"amount_fen": amount_fen, "reference": reference})
    return Paid(payment, payable, True)
