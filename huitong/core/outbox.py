"""Transactional outbox: ``emit()`` inside the business transaction, ``deliver_due()`` from a worker.

Handlers are registered per topic by the app that owns the consumer (in its ``AppConfig.ready``),
so the core never imports upper layers. Delivery is at least once: a message is claimed with a
lease, handled outside any transaction, then marked delivered; a crash before the mark means the
lease runs out and it is handled again. Failures back off exponentially up to
``HUITONG_OUTBOX_MAX_ATTEMPTS``, then the message is parked as ``dead`` with its last error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from huitong.core import batch, bulkinsert, sql
from huitong.core.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

Handler = Callable[[OutboxMessage], None]
_HANDLERS: dict[str, Handler] = {}
LEASE = timedelta(minutes=5)


def register_handler(topic: str, handler: Handler) -> None:
    if topic in _HANDLERS and _HANDLERS[topic] is not handler:
        raise ValueError(f"outbox topic {topic!r} already has a handler")
    _HANDLERS[topic] = handler


def unregister_handler(topic: str) -> None:
    _HANDLERS.pop(topic, None)


def emit(*, topic: str, payload: dict[str, Any], key: str = "", delay: timedelta | None = None) -> OutboxMessage:
    """Write a message in the caller's transaction (due after ``delay``, if given). Delivery is
    triggered after commit when a broker is configured; in the embedded default the in-process
    scheduler polls. Inside ``core.batch.batched()`` the message is written at the end of the batch."""
    message = OutboxMessage(topic=topic, key=key, payload=payload,
                            available_at=timezone.now() + (delay or timedelta(0)))
    open_batch = batch.current()
    if open_batch is not None:
        open_batch.outbox.append(message)
        return message
    message.save(force_insert=True)
    _trigger()
    return message


def emit_many(*, topic: str, messages: list[tuple[str, dict[str, Any]]]) -> None:
    """Several messages of one topic in one insert: (key, payload) each."""
    now = timezone.now()
    open_batch = batch.current()
    if open_batch is not None:
        open_batch.outbox.extend(OutboxMessage(topic=topic, key=key, payload=payload, available_at=now)
                                 for key, payload in messages)
    elif messages:
        bulkinsert.insert_rows(OutboxMessage, ["topic", "key", "payload", "available_at"],
                               [(topic, key, payload, now) for key, payload in messages])
        _trigger()


def write_many(messages: list[OutboxMessage]) -> None:
    """Insert built messages in one statement (``emit_many``, and the end of a batch)."""
    if messages:
        bulkinsert.insert(messages)
        _trigger()


def _trigger() -> None:
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        from huitong.core.tasks import deliver_outbox_task

        transaction.on_commit(deliver_outbox_task.delay)


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    unhandled: int = 0


CLAIM_BATCH = 10  # messages a worker takes per round: several workers share a burst, each round two statements
_CLAIMED = sql.Select(OutboxMessage, "id IN (%s)", order_by="available_at, id")


def _claim(limit: int) -> list[OutboxMessage]:
    """Take up to ``limit`` due messages with a lease, in one conditional UPDATE: a message another worker
    holds is skipped (PostgreSQL: ``SKIP LOCKED``; SQLite: one writer at a time), and only one worker wins
    each message. Oldest first."""
    now = timezone.now()
    prep = OutboxMessage._meta.get_field("available_at").get_db_prep_save
    skip_locked = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_outboxmessage SET locked_until = %s, attempts = attempts + 1 WHERE id IN ("
            " SELECT id FROM core_outboxmessage WHERE status = %s AND available_at <= %s"
            " AND (locked_until IS NULL OR locked_until < %s) ORDER BY available_at, id LIMIT %s" + skip_locked +
            ") AND status = %s AND (locked_until IS NULL OR locked_until < %s) RETURNING id",
            [prep(now + LEASE, connection), OutboxStatus.PENDING, prep(now, connection), prep(now, connection), limit,
             OutboxStatus.PENDING, prep(now, connection)])
        ids = [row[0] for row in cursor.fetchall()]
    return _CLAIMED.all(ids)


def _mark_delivered(ids: list[int], now, error: str = "") -> None:
    if ids:
        OutboxMessage.objects.filter(pk__in=ids).update(status=OutboxStatus.DELIVERED, delivered_at=now,
                                                        locked_until=None, last_error=error)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** attempts, 3600))


def _settle_unhandled() -> int:
    """Mark every due message of a topic nobody consumes in one statement (recorded, not faked)."""
    return OutboxMessage.objects.filter(status=OutboxStatus.PENDING, available_at__lte=timezone.now()).exclude(
        topic__in=list(_HANDLERS)).update(status=OutboxStatus.DELIVERED, delivered_at=timezone.now(),
                                           locked_until=None, last_error="no handler for topic")


def deliver_due(limit: int = 100) -> DeliveryReport:
    """Deliver due messages, up to ``limit``, claimed ``CLAIM_BATCH`` at a time; the messages a round
    delivered are marked in one statement at its end (a crash before that re-delivers them: at least once)."""
    report = DeliveryReport(unhandled=_settle_unhandled())
    while limit > 0:
        claimed = _claim(min(limit, CLAIM_BATCH))
        if not claimed:
            break
        limit -= len(claimed)
        delivered, unhandled = [], []
        for message in claimed:
            handler = _HANDLERS.get(message.topic)
            if handler is None:
                # Nobody consumes this topic (yet): record that, do not pretend it was sent anywhere.
                unhandled.append(message.pk)
                continue
            try:
                handler(message)
            except Exception as exc:  # noqa: BLE001 - any handler failure is retried, then parked
                log.warning("outbox message %s (%s) failed: %s", message.pk, message.topic, exc)
                dead = message.attempts >= settings.HUITONG_OUTBOX_MAX_ATTEMPTS
                OutboxMessage.objects.filter(pk=message.pk).update(
                    status=OutboxStatus.DEAD if dead else OutboxStatus.PENDING,
                    available_at=timezone.now() + _backoff(message.attempts),
                    locked_until=None,
                    last_error=f"{type(exc).__name__}: {exc}"[:2000],
                )
                report.dead += dead
                report.failed += not dead
                continue
            delivered.append(message.pk)
        now = timezone.now()
        _mark_delivered(delivered, now)
        _mark_delivered(unhandled, now, "no handler for topic")
        report.delivered += len(delivered)
        report.unhandled += len(unhandled)
    return report


def waiting_keys(topic: str, keys: Iterable[str]) -> set[str]:
    """Which of these keys have a message waiting and not yet taken by a worker (lets producers coalesce
    repeated work), in one query. A message a worker is delivering right now does not count: it may have
    read the state before the change that is asking, so that change needs a message of its own."""
    keys, now, found = list(keys), timezone.now(), set()
    for start in range(0, len(keys), 5000):  # a store resynced at once can have tens of thousands of listings
        found |= set(OutboxMessage.objects.filter(
            topic=topic, key__in=keys[start:start + 5000], status=OutboxStatus.PENDING).filter(
            Q(locked_until__isnull=True) | Q(locked_until__lt=now)).values_list("key", flat=True))
    return found


def settle_duplicates(message: OutboxMessage) -> int:
    """Mark other pending messages of the same topic and key, created before this one, as delivered:
    this delivery covers them (coalescing)."""
    return OutboxMessage.objects.filter(topic=message.topic, key=message.key, status=OutboxStatus.PENDING,
                                        created_at__lte=message.created_at).exclude(pk=message.pk).update(
        status=OutboxStatus.DELIVERED, delivered_at=timezone.now(), locked_until=None,
        last_error=f"coalesced into #{message.pk}")
