"""The Celery app. With REDIS_URL set, Redis is the broker; otherwise tasks run eagerly in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huitong.config.settings")

app = Celery("huitong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
