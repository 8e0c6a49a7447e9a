"""Marketing background work: expire coupons past their window (idempotent; run on a schedule)."""

from celery import shared_task

from huitong.marketing import services


@shared_task(acks_late=True)
def expire_coupons_task() -> int:
    return services.expire_coupons()
