from celery import shared_task

from huitong.channels import selectors as channels
from huitong.channels.models import OWN_CHANNELS
from huitong.core.actors import Actor
from huitong.integrations import ingest


@shared_task(acks_late=True, ignore_result=True)
def pull_store_orders_task(store_id: int) -> dict:
    entry = ingest.pull_orders(store_id=store_id, actor=Actor.system("scheduled-pull"))
    return {"store_id": store_id, "new": entry.new, "updated": entry.updated, "failed": entry.failed, "ok": entry.ok}


@shared_task(acks_late=True, ignore_result=True)
def pull_store_refunds_task(store_id: int) -> dict:
    from huitong.integrations.refunds import pull_refunds

    return pull_refunds(store_id=store_id, actor=Actor.system("scheduled-pull"))


@shared_task(acks_late=True, ignore_result=True)
def pull_all_stores_task() -> int:
    """Periodic: one pull per active platform store (each its own task with a broker)."""
    stores = [s.pk for s in channels.list_stores(active_only=True) if s.platform not in OWN_CHANNELS and s.credentials]
    for store_id in stores:
        pull_store_orders_task.delay(store_id)
        pull_store_refunds_task.delay(store_id)
    return len(stores)
