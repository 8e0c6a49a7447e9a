from celery import shared_task

from huitong.flashsale import services


@shared_task(acks_late=True, ignore_result=True)
def flash_sale_sweep_task() -> dict:
    """Open and close sales on their clock, then return the units of unpaid or cancelled claim orders."""
    return {**services.advance_sales(), **services.return_expired_claims()}
