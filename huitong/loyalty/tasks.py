from celery import shared_task

from huitong.loyalty import services


@shared_task(acks_late=True, ignore_result=True)
def expire_points_task() -> int:
    """Write off points lots past their expiry (end of the year after they were earned) and mark
    gift cards past theirs as expired."""
    return services.expire_points() + services.expire_gift_cards()
