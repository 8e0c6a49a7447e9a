"""core.sql: the prepared statements must read and write exactly what the ORM calls they replace do (rows are
written here with core.bulkinsert, which has its own tests)."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from huitong.core import bulkinsert, sql
from huitong.core.models import AuditEntry, OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db

ENTRY = sql.Select(AuditEntry, "object_type = %s", order_by="id")
LOCKED = sql.Select(OutboxMessage, "id = %s", defer=("payload", "last_error"), for_update=True)


def _message(**fields) -> OutboxMessage:
    return OutboxMessage(topic="t", available_at=timezone.now(), **fields)


def test_select_returns_model_instances_with_converted_values():
    bulkinsert.insert([AuditEntry(actor_label="a", object_type="x.y", object_id=str(n), data={"n": n})
                     for n in range(3)])
    rows = ENTRY.all("x.y")
    expected = list(AuditEntry.objects.filter(object_type="x.y").order_by("id"))
    assert [(r.pk, r.at, r.data, r.object_id) for r in rows] == [(e.pk, e.at, e.data, e.object_id) for e in expected]
    assert rows[0].at.tzinfo is not None
    assert ENTRY.first("nothing") is None


def test_select_defers_like_the_orm_and_loads_deferred_fields_on_access():
    message = bulkinsert.insert([_message(payload={"big": True}, last_error="boom")])[0]
    with transaction.atomic():
        locked = LOCKED.first(message.pk)
        assert locked.get_deferred_fields() == {"payload", "last_error"}
        assert locked.status == OutboxStatus.PENDING and locked.attempts == 0
        assert locked.payload == {"big": True}  # one more query, as with defer()


def test_update_writes_only_the_named_fields_and_auto_now_ones():
    message = bulkinsert.insert([_message(payload={"n": 1})])[0]
    OutboxMessage.objects.filter(pk=message.pk).update(topic="changed elsewhere")
    message.status, message.attempts, message.locked_until = OutboxStatus.DELIVERED, 2, timezone.now()
    message.topic = "not written"
    sql.update(message, ["status", "attempts", "locked_until"])
    stored = OutboxMessage.objects.get(pk=message.pk)
    assert (stored.status, stored.attempts, stored.topic) == (OutboxStatus.DELIVERED, 2, "changed elsewhere")
    assert abs(stored.locked_until - message.locked_until) < timedelta(milliseconds=1)


def test_update_of_a_missing_row_raises_like_save_with_update_fields():
    message = bulkinsert.insert([_message()])[0]
    OutboxMessage.objects.filter(pk=message.pk).delete()
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        sql.update(message, ["status"])


def test_constraints_still_apply():
    message = bulkinsert.insert([_message()])[0]
    message.attempts = -1  # PositiveIntegerField: a CHECK in the database
    with pytest.raises(IntegrityError), transaction.atomic():
        sql.update(message, ["attempts"])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
def test_select_for_update_locks_the_row():
    assert LOCKED._plan().sql.endswith("FOR UPDATE")


def test_list_parameters_fill_in_lists_and_an_empty_list_matches_nothing(django_assert_num_queries):
    by_ids = sql.Select(OutboxMessage, "id IN (%s) AND topic = %s", order_by="id")
    messages = bulkinsert.insert([_message(key=str(n)) for n in range(4)])
    wanted = [messages[2].pk, messages[0].pk, 10**9]
    assert [m.key for m in by_ids.all(wanted, "t")] == ["0", "2"]
    assert [m.key for m in by_ids.all(tuple(m.pk for m in messages), "t")] == ["0", "1", "2", "3"]
    assert by_ids.all(wanted, "other") == []
    with django_assert_num_queries(0):
        assert by_ids.all([], "t") == []
