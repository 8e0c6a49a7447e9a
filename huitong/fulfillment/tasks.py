from celery import shared_task

from huitong.fulfillment import services


@shared_task(acks_late=True, ignore_result=True)
def complete_delivered_orders_task() -> int:
    """Periodic: complete orders delivered HUITONG_AUTO_COMPLETE_DAYS (default 7) days ago or more."""
    return services.complete_delivered_orders()
