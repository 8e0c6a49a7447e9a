"""core.bulkinsert against the real database (COPY on PostgreSQL, multi-row VALUES elsewhere): the rows it
writes are the rows bulk_create writes, instances get their keys, constraints still hold."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from huitong.core import bulkinsert
from huitong.core.models import ApiToken, AuditEntry, OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db

COLUMNS = ["actor_id", "actor_label", "object_type", "object_id", "from_state", "to_state", "reason", "data"]


def _entry(n: int, **more) -> AuditEntry:
    return AuditEntry(actor_label=f"bot-{n}", object_type="orders.order", object_id=str(n), to_state="paid",
                      reason=f"reason {n} with 'quotes', \"double\", \\ backslash\ttab\nnewline 中文",
                      data={"n": n, "nested": {"list": [1, "two", None]}}, **more)


def _stored(model, ids, fields):
    return list(model.objects.filter(pk__in=ids).order_by("pk").values_list(*fields))


def test_instances_get_keys_and_the_same_rows_as_bulk_create():
    ours = bulkinsert.insert([_entry(n) for n in range(3)])
    theirs = AuditEntry.objects.bulk_create([_entry(n) for n in range(3)])
    assert all(e.pk for e in ours) and len({e.pk for e in ours}) == 3
    assert not ours[0]._state.adding
    fields = [c for c in COLUMNS if c != "actor_id"]
    assert _stored(AuditEntry, [e.pk for e in ours], fields) == _stored(AuditEntry, [e.pk for e in theirs], fields)
    assert AuditEntry.objects.get(pk=ours[1].pk).data == {"n": 1, "nested": {"list": [1, "two", None]}}


def test_auto_now_add_is_the_batch_time_and_seen_by_the_instances():
    before = timezone.now()
    entries = bulkinsert.insert([_entry(n) for n in range(2)])
    assert entries[0].at == entries[1].at and before <= entries[0].at <= timezone.now()
    assert AuditEntry.objects.get(pk=entries[0].pk).at == entries[0].at


def test_rows_with_defaults_for_the_fields_left_out():
    later = timezone.now() + timedelta(hours=1)
    ids = bulkinsert.insert_rows(OutboxMessage, ["topic", "key", "payload", "available_at"],
                                 [("t.a", "k1", {"x": 1}, later), ("t.b", "", {}, later)])
    rows = _stored(OutboxMessage, ids, ["topic", "key", "payload", "status", "attempts", "last_error",
                                        "locked_until", "available_at"])
    assert rows == [("t.a", "k1", {"x": 1}, OutboxStatus.PENDING, 0, "", None, later),
                    ("t.b", "", {}, OutboxStatus.PENDING, 0, "", None, later)]
    assert len(set(OutboxMessage.objects.filter(pk__in=ids).values_list("created_at", flat=True))) == 1


def test_json_uses_the_field_encoder():
    # AuditEntry.data has no encoder: a Decimal is refused, as bulk_create refuses it
    with pytest.raises(TypeError), transaction.atomic():
        bulkinsert.insert([_entry(1, data={"price": Decimal("1.50")})])
    plan_field = AuditEntry._meta.get_field("data")
    assert plan_field.encoder is None
    assert DjangoJSONEncoder().encode({"d": Decimal("1.5")}) == '{"d": "1.5"}'


def test_many_rows_in_one_call_keep_their_order():
    entries = bulkinsert.insert([_entry(n) for n in range(1200)])  # past SQLite's parameters per statement
    assert [AuditEntry.objects.get(pk=e.pk).object_id for e in entries[::150]] == [str(n) for n in range(0, 1200, 150)]
    assert [e.pk for e in entries] == sorted(e.pk for e in entries)


@pytest.mark.parametrize("extra", [0, bulkinsert.COPY_MIN_ROWS])  # INSERT, and COPY on PostgreSQL
def test_unique_and_foreign_key_violations_are_integrity_errors_and_roll_back(extra):
    user = get_user_model().objects.create(username="u")
    expires = datetime(2030, 1, 1, tzinfo=UTC)
    more = [ApiToken(user=user, key_hash=f"{n:064d}", prefix="m", expires_at=expires) for n in range(extra)]
    bulkinsert.insert([ApiToken(user=user, key_hash="a" * 64, prefix="a", expires_at=expires)])
    with pytest.raises(IntegrityError), transaction.atomic():
        bulkinsert.insert([*more, ApiToken(user=user, key_hash="b" * 64, prefix="b", expires_at=expires),
                           ApiToken(user=user, key_hash="a" * 64, prefix="a", expires_at=expires)])
    assert ApiToken.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        bulkinsert.insert([*more, ApiToken(user_id=user.pk + 1000, key_hash="c" * 64, prefix="c",
                                           expires_at=expires)])
        connection.check_constraints()  # foreign keys are deferred to the commit, as for any insert
    assert ApiToken.objects.count() == 1


def test_ignore_conflicts_skips_duplicates_and_returns_no_keys():
    user = get_user_model().objects.create(username="u")
    expires = datetime(2030, 1, 1, tzinfo=UTC)
    bulkinsert.insert([ApiToken(user=user, key_hash="a" * 64, prefix="a", expires_at=expires)])
    rows = [(user.pk, "a" * 64, "x", "", expires), (user.pk, "d" * 64, "d", "", expires)]
    assert bulkinsert.insert_rows(ApiToken, ["user_id", "key_hash", "prefix", "name", "expires_at"], rows,
                                  ignore_conflicts=True) is None
    assert sorted(ApiToken.objects.values_list("prefix", flat=True)) == ["a", "d"]


def test_a_field_without_value_or_default_is_refused():
    with pytest.raises(ValueError, match="expires_at"):
        bulkinsert.insert_rows(ApiToken, ["user_id", "key_hash", "prefix"], [(1, "e" * 64, "e")])
    with pytest.raises(ValueError, match="nope"):
        bulkinsert.insert_rows(AuditEntry, ["nope"], [(1,)])


def test_nothing_to_insert():
    assert bulkinsert.insert([]) == []
    assert bulkinsert.insert_rows(AuditEntry, COLUMNS, []) == []


def test_small_and_large_batches_write_the_same_rows():
    """Below COPY_MIN_ROWS one INSERT … RETURNING, from there on (PostgreSQL) nextval + COPY."""
    small = bulkinsert.insert([_entry(n) for n in range(bulkinsert.COPY_MIN_ROWS - 1)])
    large = bulkinsert.insert([_entry(n) for n in range(bulkinsert.COPY_MIN_ROWS)])
    fields = [c for c in COLUMNS if c != "actor_id"]
    assert _stored(AuditEntry, [e.pk for e in small], fields) == _stored(AuditEntry, [e.pk for e in large], fields)[:-1]
