from datetime import timedelta

import pytest
from django.utils import timezone

from huitong.core import outbox
from huitong.core.models import OutboxMessage, OutboxStatus


@pytest.fixture
def handler():
    seen = []

    def handle(message):
        seen.append(message.payload["n"])
        if message.payload.get("fail"):
            raise RuntimeError("remote down")

    outbox.register_handler("test.topic", handle)
    yield seen
    outbox.unregister_handler("test.topic")


@pytest.mark.django_db
def test_delivers_each_due_message_and_marks_it(handler):
    for n in range(3):
        outbox.emit(topic="test.topic", payload={"n": n})
    report = outbox.deliver_due()
    assert report.delivered == 3 and handler == [0, 1, 2]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.DELIVERED}
    assert outbox.deliver_due().delivered == 0  # nothing is delivered twice once marked


@pytest.mark.django_db
def test_failure_backs_off_then_parks_as_dead(handler, settings):
    settings.HUITONG_OUTBOX_MAX_ATTEMPTS = 2
    message = outbox.emit(topic="test.topic", payload={"n": 1, "fail": True})
    assert outbox.deliver_due().failed == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING and message.attempts == 1 and "remote down" in message.last_error
    assert message.available_at > timezone.now()
    assert outbox.deliver_due().failed == 0  # not due yet
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
    assert outbox.deliver_due().dead == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD and message.attempts == 2


@pytest.mark.django_db
def test_crash_after_claim_redelivers_when_the_lease_expires(handler):
    """A worker that claimed a message and died before marking it: the message is not lost."""
    message = outbox.emit(topic="test.topic", payload={"n": 7})
    claimed = outbox._claim(10)  # the worker claims, then 'crashes'
    assert [m.pk for m in claimed] == [message.pk]
    assert outbox.deliver_due().delivered == 0  # still leased to the dead worker
    OutboxMessage.objects.filter(pk=message.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert outbox.deliver_due().delivered == 1
    assert handler == [7]


@pytest.mark.django_db
def test_rolled_back_transaction_leaves_no_message(handler):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.emit(topic="test.topic", payload={"n": 1})
        raise RuntimeError("business step failed")
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_topic_without_handler_is_recorded_not_faked():
    outbox.emit(topic="nobody.listens", payload={})
    assert outbox.deliver_due().unhandled == 1
    assert OutboxMessage.objects.get().last_error == "no handler for topic"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_deliver_a_message_twice():
    """Four workers drain 200 messages at once: each message is handled exactly once (claims in batches
    skip what another worker holds) and all end delivered."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    seen: list[int] = []
    lock = threading.Lock()

    def handle(message):
        with lock:
            seen.append(message.payload["n"])

    outbox.register_handler("test.concurrent", handle)
    try:
        outbox.emit_many(topic="test.concurrent", messages=[(str(n), {"n": n}) for n in range(200)])
        barrier = threading.Barrier(4)

        def work(_):
            try:
                barrier.wait()
                while outbox.deliver_due(limit=15).delivered:
                    pass
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(work, range(4)))
    finally:
        outbox.unregister_handler("test.concurrent")
    assert sorted(seen) == list(range(200))
    assert set(OutboxMessage.objects.filter(topic="test.concurrent").values_list("status", flat=True)) == {
        OutboxStatus.DELIVERED}


@pytest.mark.django_db
def test_waiting_keys_counts_pending_messages_no_worker_has_taken():
    outbox.emit_many(topic="t.push", messages=[("a", {}), ("b", {}), ("c", {})])
    outbox.emit(topic="t.other", key="d", payload={})
    OutboxMessage.objects.filter(key="b").update(locked_until=timezone.now() + timedelta(minutes=1))  # in flight
    OutboxMessage.objects.filter(key="c").update(status=OutboxStatus.DELIVERED)
    assert outbox.waiting_keys("t.push", ["a", "b", "c", "d", "e"]) == {"a"}
    assert outbox.waiting_keys("t.push", []) == set()
