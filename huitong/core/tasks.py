from celery import shared_task

from huitong.core import outbox


@shared_task(acks_late=True, ignore_result=True)
def deliver_outbox_task(limit: int = 200) -> dict:
    report = outbox.deliver_due(limit=limit)
    return report.__dict__
