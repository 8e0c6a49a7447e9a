from celery import shared_task

from huitong.orders import services


@shared_task(acks_late=True, ignore_result=True)
def expire_unpaid_orders_task() -> int:
    return services.expire_unpaid_orders()
