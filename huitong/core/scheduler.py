"""In-process periodic jobs for the embedded default (no broker, no beat).

Runs the same ``HUITONG_PERIODIC_JOBS`` that Celery beat runs in a scaled deployment, each on its
own interval, in one daemon thread of the serving process.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class InProcessScheduler(threading.Thread):
    def __init__(self, jobs: list[tuple[str, int]] | None = None, tick: float = 1.0):
        super().__init__(name="huitong-scheduler", daemon=True)
        self.jobs = [(import_string(path), path, seconds) for path, seconds in (jobs or settings.HUITONG_PERIODIC_JOBS)]
        self.tick = tick
        self.stopping = threading.Event()

    def run(self) -> None:
        next_run = {path: time.monotonic() for _, path, _ in self.jobs}
        while not self.stopping.is_set():
            for task, path, seconds in self.jobs:
                if time.monotonic() < next_run[path]:
                    continue
                next_run[path] = time.monotonic() + seconds
                try:
                    close_old_connections()
                    task.run() if hasattr(task, "run") else task()
                except Exception:  # noqa: BLE001 - a failing job must not stop the others
                    log.exception("periodic job %s failed", path)
                finally:
                    close_old_connections()
            self.stopping.wait(self.tick)

    def stop(self) -> None:
        self.stopping.set()
