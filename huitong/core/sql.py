"""Prepared statements for the hottest paths of the order lifecycle.

Building a statement with the ORM costs about 0.1–0.5 ms of Python (a wide model's row lock more), which is
most of an order's service time on an in-process database. The statements here are worked out once per model,
column set and database vendor — the SQL text, the columns, the conversions — and then cost the driver's time
plus a little. They do what the ORM call they stand for does, with Django's own field conversions:

* :class:`Select` — ``Model.objects.filter(...).defer(...).order_by(...).select_for_update()``, returning
  model instances (deferred columns load on access, as with ``defer``);
* :func:`update` — ``save(update_fields=...)``, raising as it does when no row matched.

Inserts of new instances, one or many, go through :mod:`huitong.core.bulkinsert` (the same idea for rows).

No signals are sent (Huitong uses none) and no model ``save()`` override runs: use these only on models
without one. Everything that is not on a hot path keeps using the ORM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Model

CACHED_ROWS = 20  # statements for up to this many rows (or list items) are kept; longer ones are built each time


def _db():
    """The connection itself: ``django.db.connection`` is a proxy that costs a thread-local look-up per
    attribute, and these functions touch it for every field of every row."""
    return connections[DEFAULT_DB_ALIAS]


def _q(name: str) -> str:
    return _db().ops.quote_name(name)


@dataclass(frozen=True)
class _Part:
    """One model's columns in a SELECT: where they are in the row, and their conversions."""

    model: Any
    start: int
    attnames: list[str]
    converters: list[tuple[int, list, Any]]  # (column index in the row, converters, the column expression)

    def build(self, row: Sequence, connection):
        values = list(row[self.start:self.start + len(self.attnames)])
        for i, converters, col in self.converters:
            value = values[i - self.start]
            for convert in converters:
                value = convert(value, col, connection)
            values[i - self.start] = value
        return self.model.from_db(connection.alias, self.attnames, values)


@dataclass(frozen=True)
class _SelectPlan:
    sql: str
    parts: list[_Part]


def _part(model: type[Model], start: int, skip: set[str]) -> tuple[_Part, list[str]]:
    connection = _db()
    meta = model._meta
    fields = [f for f in meta.concrete_fields if f.name not in skip and f.attname not in skip]
    converters = []
    for i, f in enumerate(fields, start=start):
        col = f.get_col(meta.db_table)
        found = connection.ops.get_db_converters(col) + f.get_db_converters(connection)
        if found:
            converters.append((i, found, col))
    columns = [f"{_q(meta.db_table)}.{_q(f.column)}" for f in fields]
    return _Part(model, start, [f.attname for f in fields], converters), columns


class Select:
    """A SELECT of one model's rows: ``where`` and ``order_by`` are SQL over its column names with ``%s``
    parameters; a list or tuple parameter fills an ``IN (%s)`` with its items. ``related`` names a foreign
    key whose row comes in the same statement (``select_related``; qualify the columns in ``where`` with
    the table names then). ``for_update`` locks the rows where the database can (PostgreSQL; SQLite's write
    transaction already holds the database)."""

    def __init__(self, model: type[Model], where: str, *, defer: Sequence[str] = (), order_by: str = "",
                 for_update: bool = False, related: str = ""):
        self.model, self.where, self.defer, self.order_by = model, where, set(defer), order_by
        self.for_update, self.related = for_update, related
        self._plans: dict[tuple, _SelectPlan] = {}

    def _plan(self, shape: tuple = ()) -> _SelectPlan:
        connection = _db()
        key = (connection.vendor, shape)
        plan = self._plans.get(key)
        if plan is None:
            meta = self.model._meta
            part, columns = _part(self.model, 0, self.defer)
            parts, tables = [part], _q(meta.db_table)
            if self.related:
                fk = meta.get_field(self.related)
                other = fk.related_model._meta
                related, more = _part(fk.related_model, len(columns), set())
                parts.append(related)
                columns += more
                tables += (f" JOIN {_q(other.db_table)} ON {_q(other.db_table)}.{_q(fk.target_field.column)} = "
                           f"{_q(meta.db_table)}.{_q(fk.column)}")
            where = self.where
            if any(n >= 0 for n in shape):  # expand the %s of each list parameter to one per item
                pieces = where.split("%s")
                where = pieces[0] + "".join((", ".join(["%s"] * n) if n >= 0 else "%s") + piece
                                            for n, piece in zip(shape, pieces[1:], strict=True))
            sql = f"SELECT {', '.join(columns)} FROM {tables} WHERE {where}"
            if self.order_by:
                sql += f" ORDER BY {self.order_by}"
            if self.for_update and connection.features.has_select_for_update:
                sql += f" FOR UPDATE OF {_q(meta.db_table)}" if self.related else " FOR UPDATE"
            plan = _SelectPlan(sql, parts)
            if max(shape, default=0) <= CACHED_ROWS:
                self._plans[key] = plan
        return plan

    def all(self, *params) -> list:
        lists = [isinstance(p, list | tuple) for p in params]
        if any(lists):
            if any(is_list and not p for is_list, p in zip(lists, params, strict=True)):
                return []  # IN () matches nothing
            plan = self._plan(tuple(len(p) if is_list else -1 for is_list, p in zip(lists, params, strict=True)))
            params = tuple(x for is_list, p in zip(lists, params, strict=True) for x in (p if is_list else [p]))
        else:
            plan = self._plan()
        connection = _db()
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        main, *joined = plan.parts
        found = []
        for row in rows:
            obj = main.build(row, connection)
            if joined:
                setattr(obj, self.related, joined[0].build(row, connection))
            found.append(obj)
        return found

    def first(self, *params):
        rows = self.all(*params)
        return rows[0] if rows else None


@dataclass(frozen=True)
class _WritePlan:
    sql: str
    fields: list


_update_plans: dict[tuple, _WritePlan] = {}


def update(obj: Model, fields: Sequence[str]) -> None:
    """Write these fields of a saved instance (``auto_now`` fields named here are set, as ``save`` does)."""
    model = type(obj)
    connection = _db()
    key = (model, tuple(fields), connection.vendor)
    plan = _update_plans.get(key)
    if plan is None:
        meta = model._meta
        found = [meta.get_field(name) for name in dict.fromkeys(fields)]
        sets = ", ".join(f"{_q(f.column)} = %s" for f in found)
        plan = _update_plans[key] = _WritePlan(f"UPDATE {_q(meta.db_table)} SET {sets} WHERE {_q(meta.pk.column)} = %s",
                                               found)
    params = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in plan.fields]
    params.append(obj.pk)
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, params)
        if cursor.rowcount == 0:
            raise DatabaseError("Save with update_fields did not affect any rows.")
