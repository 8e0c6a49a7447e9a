from datetime import datetime

from django.db.models import Count, QuerySet

from huitong.payments.errors import PaymentNotFound, ReconciliationNotFound
from huitong.payments.models import PAID_STATES, DiscrepancyKind, Payment, ReconciliationRun, Refund


def list_payments(*, reference: str) -> QuerySet[Payment]:
    return Payment.objects.filter(reference=reference).order_by("created_at", "id")


def search_payments(
    *,
    reference: str = "",
    method: str = "",
    status: str = "",
    customer_id: int | None = None,
    out_trade_no: str = "",
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> QuerySet[Payment]:
    """Staff list with filters, newest first."""
    found = Payment.objects.all()
    for field, value in (
        ("reference", reference),
        ("method", method),
        ("status", status),
        ("out_trade_no", out_trade_no),
    ):
        if value:
            found = found.filter(**{field: value})
    if customer_id is not None:
        found = found.filter(customer_id=customer_id)
    if created_from is not None:
        found = found.filter(created_at__gte=created_from)
    if created_to is not None:
        found = found.filter(created_at__lt=created_to)
    return found.order_by("-created_at", "-id")


def get_payment(payment_id: int) -> Payment:
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        raise PaymentNotFound(payment_id=str(payment_id))
    return payment


def list_refunds(*, payment_id: int) -> QuerySet[Refund]:
    return Refund.objects.filter(payment_id=payment_id).order_by("created_at", "id")


def get_reconciliation(run_id: int) -> ReconciliationRun:
    run = ReconciliationRun.objects.filter(pk=run_id).first()
    if run is None:
        raise ReconciliationNotFound(run_id=str(run_id))
    return run


def reconciliation_summary(run: ReconciliationRun) -> dict[str, int]:
    counts = dict(run.lines.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    return {kind: counts.get(kind, 0) for kind in DiscrepancyKind.values}


def payment_methods() -> list[str]:
    from huitong.payments.gateways import GATEWAYS

    return sorted(GATEWAYS)


def settled_payments(*, reference: str) -> list[Payment]:
    """The document's payments that were settled (paid, partly or fully refunded since), oldest first."""
    return list(list_payments(reference=reference).filter(status__in=PAID_STATES))
