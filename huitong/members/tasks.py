"""Members background work: ids/time in, one service call."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task

from huitong.members import services


@shared_task(acks_late=True, ignore_result=True)
def recompute_tiers_task(now: str | None = None) -> int:
    """Every member's tier from the rolling 12 months (``now``: ISO time, default the current time)."""
    return services.recompute_tiers(now=datetime.fromisoformat(now) if now else None)


@shared_task(acks_late=True, ignore_result=True)
def recompute_rfm_task(now: str | None = None) -> dict:
    run = services.recompute_rfm(now=datetime.fromisoformat(now) if now else None)
    return {"scored": run.scored, "segments": run.segments}
