"""Huitong (汇通): one omnichannel commerce back office."""

from huitong.config.celery import app as celery_app

__all__ = ["celery_app"]
