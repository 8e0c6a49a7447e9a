"""Serve Huitong on one process: Django's server plus, without a broker, the in-process scheduler.

For production use gunicorn (``gunicorn huitong.config.wsgi -w N``) with Celery worker and beat.
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from huitong.core.scheduler import InProcessScheduler


class Command(BaseCommand):
    help = "Serve Huitong (development server + in-process periodic jobs when no broker is configured)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        scheduler = None
        if settings.CELERY_TASK_ALWAYS_EAGER:
            scheduler = InProcessScheduler()
            scheduler.start()
            self.stdout.write("in-process scheduler: " + ", ".join(p for p, _ in settings.HUITONG_PERIODIC_JOBS))
        try:
            call_command("runserver", addrport, use_reloader=False, use_threading=True)
        finally:
            if scheduler:
                scheduler.stop()
