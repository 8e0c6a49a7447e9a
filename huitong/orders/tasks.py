from celery import shared_task

from huitong.orders import review, services


@shared_task(acks_late=True, ignore_result=True)
def expire_unpaid_orders_task() -> int:
    return services.expire_unpaid_orders()


@shared_task(acks_late=True, ignore_result=True)
def review_due_orders_task() -> int:
    """审单: review paid orders whose cool-down or review window is over, or whose recheck is due."""
    return review.review_due_orders()
