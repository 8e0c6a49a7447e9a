from django.db.models import QuerySet

from huitong.payments.models import Payment


def list_payments(*, reference: str) -> QuerySet[Payment]:
    return Payment.objects.filter(reference=reference).order_by("created_at", "id")


def payment_methods() -> list[str]:
    from huitong.payments.gateways import GATEWAYS

    return sorted(GATEWAYS)
