#!/usr/bin/env python
"""Channel ingest and stock push: platform orders in (API pull and export file) and stock out, on PostgreSQL.

    .venv/bin/python bench/ingest.py [--orders 100000] [--file-orders N] [--pull-stores 4] [--file-stores 4]
                                     [--file-workers 1] [--stores 10] [--skus 1000] [--changes 500] [--change-rate 5]
                                     [--workers 1] [--no-rate-limit] [--commit HEAD] [--skip pull|file|push]
                                     [--profile] [--json]

It builds a throwaway database ``huitong_bench_ingest`` (dropped and created fresh; left for
inspection), unsets ``REDIS_URL`` (tasks in-process, the outbox is a table) and then measures:

1. **Pull**: a Taobao store whose ``base_url`` points at the connector's fake TOP gateway, served
   over real HTTP from a separate process (the platform is remote: its CPU does not compete with
   the app's for the GIL). The fake's trade store is loaded directly with ``--orders`` trades in
   TOP's wire format (1-3 lines each, ``outer_sku_id`` = Huitong SKU code so that lines auto-map,
   paid, plenty of stock); the only change to the fake is an index on ``modified`` (the stock
   fake re-parses and sorts every trade on every page request). ``ingest.pull_orders`` runs in up
   to 10 rounds, each up to just before the next chunk of trades (the store's cursor carries on):
   HTTP, TOP signing, mapping, ingest, the pull log. The connector's own rate limiter (10 calls/s
   for Taobao) stays on unless ``--no-rate-limit``.
2. **File**: ``--file-orders`` (default ``--orders``) written as Taobao-layout export CSVs (one row
   per line, at most 40,000 rows a file: ``order_files.MAX_ROWS`` is 50,000) and imported with
   ``order_files.import_order_file`` into a second Taobao store.
   **Several stores at once** (``--pull-stores K`` / ``--file-stores K``, default 4): the orders are split over
   K Taobao stores (K fake gateways in the one fake process; for files, each store's own export), and K
   worker processes (each its own Django connection and GIL, as K Celery workers each running one
   ``pull_store_orders_task`` that ``pull_all_stores_task`` enqueued) pull or import them at the same time, round by round on the
   parent's command. A round's wall time runs from the first worker's start to the last one's end; the
   rate is all orders over the rounds' wall time. K = 1 runs in this process, as before (``--profile``
   then gives one profile).
3. **Baseline**: for both paths, plain SQL on ``django.db.connection.cursor()`` writing the same
   rows for the same orders into their own stores: raw payload, order, lines, reservations with a
   conditional stock UPDATE, audit row, ``order.created`` outbox rows and one
   ``inventory.stock_changed`` per page, with the receiver encrypted like the service does. One
   transaction per page of 100 orders, one statement per table (``INSERT … SELECT FROM UNNEST`` of
   one array per column, like Django's bulk_create; multi-row VALUES for the JSON payloads), on
   the same stock rows (locked in id order first, as several run at once). It reads nothing it already
   knows (SKU ids, titles, stock row ids). With K stores, K processes write K baseline stores the same way.
4. **Stock push latency**: ``--stores`` JD stores, one fake JOS gateway each (all in one separate
   process) recording every ``updateSkuStock`` with its receive time, and a mapping per store for
   each of the ``--skus`` SKUs. ``--workers`` threads emulate the outbox worker (``deliver_due``
   every 50 ms when idle, each with its own connection). ``--changes`` stock changes
   (``receive_stock`` or ``adjust_stock`` on random SKUs, Poisson arrivals at ``--change-rate``/s
   run by 4 threads, so some overlap) are timed from their commit to the moment the last store
   received a push showing that change (or a later one of the same SKU).

``--commit REV`` measures a commit (``git archive`` into a temp dir) instead of the working tree.
The parts run in one process on one connection per thread; service and baseline alternate in rounds
(ABBA) so that load from other work on the machine hits both.

Checks after each part: ``ledger_discrepancies() == []``, every served order imported exactly once,
nothing held, the rows per order equal between service and baseline, and every store's final
published quantity equal to the SKU's available stock.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import csv
import hashlib
import io
import json
import math
import multiprocessing as mp
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import harness  # bench/harness.py: this file runs as a script from bench/

ROOT = harness.ROOT
PG_SERVER = harness.PG_SERVER
PG_DB = "huitong_bench_ingest"
GOAL_ORDERS_PER_S = 2000.0
GOAL_P99_SECONDS = 2.0
STOCK_PER_SKU = 1_000_000
PAGE = 100  # the baseline's transaction size: Taobao's page size
FILE_MAX_ROWS = 40_000
MEASURED_APPS = {"integrations", "orders", "inventory", "channels", "core", "catalog", "members"}
CHINA = ZoneInfo("Asia/Shanghai")
TAOBAO_KEYS = {"app_key": "12345678", "app_secret": "helloworld", "access_token": "test-session"}
JD_KEYS = {"app_key": "jd-app-key", "app_secret": "jd-app-secret", "access_token": "jd-access-token"}
RECEIVER = {"name": "张**", "phone": "138****5678", "province": "浙江省", "city": "杭州市", "district": "余杭区",
            "detail": "文**路***号"}
FILE_HEADER = ["订单编号", "买家会员名", "总金额", "邮费", "订单状态", "收货人姓名", "收货地址", "联系手机",
               "订单创建时间", "订单付款时间", "子订单编号", "宝贝ID", "宝贝标题", "宝贝属性", "商家编码", "购买数量",
               "价格", "实付款", "买家留言", "订单备注"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--orders", type=int, default=100_000, help="orders served by the fake platform (default 100000)")
    p.add_argument("--file-orders", type=int, default=None, help="orders in the export files (default --orders)")
    p.add_argument("--stores", type=int, default=10, help="platform stores receiving stock pushes (default 10)")
    p.add_argument("--skus", type=int, default=1000, help="SKUs (default 1000)")
    p.add_argument("--changes", type=int, default=500, help="stock changes timed for push latency (default 500)")
    p.add_argument("--change-rate", type=float, default=5.0, help="stock changes per second (default 5)")
    p.add_argument("--workers", type=int, default=1, help="outbox worker threads (default 1)")
    p.add_argument("--pull-stores", type=int, default=4,
                   help="Taobao stores pulled at once, one worker process each (default 4; 1: in this process)")
    p.add_argument("--file-stores", type=int, default=4,
                   help="export files imported at once into as many stores, one worker process each (default 4; "
                        "1: in this process)")
    p.add_argument("--file-workers", type=int, default=1,
                   help="with --file-stores 1: processes importing the one file's pages at once "
                        "(huitong channels import-file --workers; default 1)")
    p.add_argument("--no-rate-limit", action="store_true",
                   help="lift the connector's client-side rate limit (Taobao: 10 calls/s) for the pull")
    p.add_argument("--commit", metavar="REV",
                   help="measure this commit (git archive into a temp dir) instead of the working tree, which "
                        "may hold other people's unfinished changes")
    p.add_argument("--skip", action="append", default=[], choices=("pull", "file", "push"),
                   help="leave a part out (repeatable)")
    p.add_argument("--profile", action="store_true",
                   help="cProfile the service calls of the pull and file parts (top functions on stderr)")
    p.add_argument("--json", action="store_true", help="also print the raw results as JSON")
    args = p.parse_args(argv)
    args.file_orders = args.orders if args.file_orders is None else args.file_orders
    if (args.orders < 1 or args.file_orders < 1 or args.skus < 3 or args.stores < 1 or args.changes < 1
            or args.pull_stores < 1 or args.file_stores < 1):
        p.error("--orders/--file-orders/--stores/--changes/--pull-stores/--file-stores must be >= 1, --skus >= 3")
    return args


# --- the database ------------------------------------------------------------------------------------

def configure() -> str:
    """Environment for a fresh PostgreSQL database, before django.setup(); returns a server label."""
    return harness.configure("postgres", name="ingest", pg_db=PG_DB)


# --- generated orders (the same in the fake's process and here) -----------------------------------

@dataclass(frozen=True)
class SkuRef:
    code: str
    price_fen: int
    title: str
    num_iid: int  # the platform item (10 SKUs each)
    platform_sku: int


@dataclass(frozen=True)
class Plan:
    external_id: str
    created: datetime
    lines: tuple[tuple[int, int, int], ...]  # (SKU index, quantity, line discount in fen)
    post_fee: int
    trade_discount: int


def make_skus(n: int) -> list[SkuRef]:
    return [SkuRef(f"HT-{i:05d}", 990 + (i * 137) % 9000, f"龙井 HT-{i:05d}", 600_000_000_000 + i // 10,
                   5_000_000_000_000 + i) for i in range(n)]


def make_plans(n: int, skus: list[SkuRef], *, seed: int, id_base: int, start: datetime,
               bounds: list[int] | None = None, trade_discounts: bool = True) -> list[Plan]:
    """Orders created one second apart from ``start``, with one more second before each index in ``bounds``
    (so that a pull can stop exactly between two chunks)."""
    rng = random.Random(seed)
    gaps = sorted(bounds or [])
    plans = []
    for i in range(n):
        count = rng.choices((1, 2, 3), weights=(50, 35, 15))[0]
        lines = []
        for index in rng.sample(range(len(skus)), count):
            quantity = rng.randint(1, 3)
            gross = skus[index].price_fen * quantity
            lines.append((index, quantity, rng.randint(1, gross // 10) if rng.random() < 0.2 else 0))
        goods = sum(skus[s].price_fen * q - d for s, q, d in lines)
        discount = rng.randint(1, goods // 20) if trade_discounts and rng.random() < 0.3 else 0
        created = start + timedelta(seconds=i + bisect.bisect_right(gaps, i))
        plans.append(Plan(str(id_base + i), created, tuple(lines), 1000 if rng.random() < 0.3 else 0, discount))
    return plans


def chunks(n: int, rounds: int) -> list[int]:
    """Chunk boundaries for ``rounds`` alternations: [0, ..., n]."""
    return [round(i * n / rounds) for i in range(rounds + 1)]


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def taobao_trade(plan: Plan, skus: list[SkuRef]) -> dict:
    from huitong.integrations.connectors.taobao.fake_server import make_line, make_trade

    tid = int(plan.external_id)
    lines = [make_line(tid * 10 + no, num_iid=skus[s].num_iid, title=skus[s].title, price=yuan(skus[s].price_fen),
                       num=q, sku_id=str(skus[s].platform_sku), outer_sku_id=skus[s].code, discount_fee=yuan(d))
             for no, (s, q, d) in enumerate(plan.lines, start=1)]
    return make_trade(tid, created=plan.created, modified=plan.created + timedelta(minutes=2), lines=lines,
                      post_fee=yuan(plan.post_fee), trade_discount=yuan(plan.trade_discount),
                      buyer_nick="t**1", buyer_open_uid="")


def china(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def file_rows(plan: Plan, skus: list[SkuRef]) -> list[list[str]]:
    """Taobao-layout export rows of one order (order columns repeated on each line)."""
    goods = sum(skus[s].price_fen * q - d for s, q, d in plan.lines)
    address = f"{RECEIVER['province']} {RECEIVER['city']} {RECEIVER['district']} {RECEIVER['detail']}"
    head = [plan.external_id, "t**1", yuan(goods + plan.post_fee), yuan(plan.post_fee), "买家已付款",
            RECEIVER["name"], address, RECEIVER["phone"], china(plan.created),
            china(plan.created + timedelta(minutes=1))]
    return [head + [f"{plan.external_id}{no:02d}", str(skus[s].num_iid), skus[s].title, "净含量:250g", skus[s].code,
                    str(q), yuan(skus[s].price_fen), yuan(skus[s].price_fen * q - d), "", ""]
            for no, (s, q, d) in enumerate(plan.lines, start=1)]


def export_files(plans: list[Plan], skus: list[SkuRef]) -> list[tuple[str, bytes, list[tuple[Plan, dict]]]]:
    """CSV exports of at most FILE_MAX_ROWS rows: (name, content, [(plan, raw payload as stored)])."""
    files, rows, members, number = [], [], [], 1
    name = "ExportOrderList_1.csv"

    def flush():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(FILE_HEADER)
        writer.writerows(rows)
        files.append((name, out.getvalue().encode("utf-8-sig"), list(members)))

    for plan in plans:
        lines = file_rows(plan, skus)
        if rows and len(rows) + len(lines) > FILE_MAX_ROWS:
            flush()
            rows.clear()
            members.clear()
            name = f"ExportOrderList_{len(files) + 1}.csv"
            number = 1
        raw = {"file": name, "rows": [{"row": number + 1 + k, "cells": dict(zip(FILE_HEADER, line, strict=True))}
                                      for k, line in enumerate(lines)]}
        number += len(lines)
        rows.extend(lines)
        members.append((plan, raw))
    if rows:
        flush()
    return files


# --- the fake platforms (in their own process) ---------------------------------------------------

def _indexed_taobao():
    """TaobaoFake with an index on ``modified``: the stock fake parses and sorts every stored trade on
    each page request (O(N) strptime), which would make a 100k-trade window cost ~0.5 s per page."""
    from huitong.integrations.connectors.taobao.fake_server import MAX_PAGE_SIZE, TaobaoFake, top_time

    class IndexedTaobao(TaobaoFake):
        def load(self, trades: list[dict]) -> None:
            with self._state:
                for trade in trades:
                    self.trades[str(trade["tid"])] = trade
                self._sorted = sorted(self.trades.values(), key=lambda r: (r["modified"], str(r.get("tid"))))
                self._keys = [r["modified"] for r in self._sorted]

        def _increment_get(self, params):
            window = self._window(params)
            if not isinstance(window, tuple):
                return window
            if int(params.get("page_size") or 40) > MAX_PAGE_SIZE:
                return self._error(41, "Invalid arguments", "isv.invalid-parameter:page_size", "page_size最大为100")
            start, end = (top_time(t) for t in window)  # TOP's text sorts as time
            lo, hi = bisect.bisect_left(self._keys, start), bisect.bisect_right(self._keys, end)
            trades = self._sorted[lo:hi][::-1]  # newest first, as the stock fake answers
            return self._answer(params["method"], self._page(trades, params, "trades", "trade"))

    return IndexedTaobao


def _recording_jd():
    from huitong.integrations.connectors.jd.fake_server import FakeJd

    class RecordingJd(FakeJd):
        def _stock(self, p):
            result = super()._stock(p)
            if result.get("success"):
                self.stock_updates[-1]["t"] = time.monotonic()  # CLOCK_MONOTONIC: comparable across processes
            return result

    return RecordingJd


def fake_process(kind: str, conf: dict, conn) -> None:
    """Serve fake platforms until told to stop; answers commands on ``conn``."""
    fakes = []
    if kind == "taobao":  # one gateway per store ("feeds"), or one
        skus = [SkuRef(*s) for s in conf["skus"]]
        for feed in conf.get("feeds", [conf]):
            plans = make_plans(feed["n"], skus, seed=feed["seed"], id_base=feed["id_base"],
                               start=datetime.fromisoformat(feed["start"]), bounds=feed["bounds"])
            fake = _indexed_taobao()()
            fake.load([taobao_trade(p, skus) for p in plans])
            fakes.append(fake)
    else:
        fakes = [_recording_jd()() for _ in range(conf["stores"])]
    conn.send([f.start() for f in fakes])
    while True:
        command = conn.recv()
        if command == "stop":
            break
        if command == "requests":
            conn.send(sum(len(f.requests) for f in fakes))
        elif command == "pushes":
            conn.send([[(u["skuId"], u["stockNum"], u["t"]) for u in list(f.stock_updates)] for f in fakes])
    for fake in fakes:
        fake.stop()
    conn.send("stopped")


class FakeHost:
    def __init__(self, kind: str, conf: dict):
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=fake_process, args=(kind, conf, child), daemon=True)
        self.process.start()
        self.urls: list[str] = []

    def ready(self, timeout: float = 300) -> list[str]:
        if not self.conn.poll(timeout):
            raise RuntimeError("fake platform did not start")
        self.urls = self.conn.recv()
        return self.urls

    def ask(self, command: str):
        self.conn.send(command)
        return self.conn.recv()

    def stop(self) -> None:
        try:
            self.ask("stop")
        finally:
            self.process.join(10)


# --- setup -----------------------------------------------------------------------------------------

@dataclass
class Business:
    actor: object
    location_id: int
    skus: list[SkuRef]
    sku_ids: list[int]  # Huitong SKU pk by index
    stock_items: list[int]  # stock row pk by index
    titles: list[str]
    stores: dict[str, int] = field(default_factory=dict)


def setup_business(n_skus: int) -> Business:
    from huitong.catalog import services as catalog
    from huitong.core.actors import Actor
    from huitong.inventory import services as inventory
    from huitong.inventory.models import StockItem

    actor = Actor.system("bench-ingest")
    location = inventory.create_location(code="WH-HZ", name="杭州仓", kind="warehouse")
    skus = make_skus(n_skus)
    product = catalog.create_product(
        spu_code="HT-SPU", name="龙井", actor=actor,
        skus=[catalog.SkuSpec(code=s.code, price_fen=s.price_fen, attributes={"规格": f"{i}号"})
              for i, s in enumerate(skus)])
    by_code = {s.code: s for s in product.skus.select_related("product")}
    sku_ids = [by_code[s.code].pk for s in skus]
    for sku_id in sku_ids:
        inventory.receive_stock(sku_id=sku_id, location_id=location.pk, quantity=STOCK_PER_SKU,
                                reference="BENCH-INIT", actor=actor)
    items = dict(StockItem.objects.filter(location_id=location.pk).values_list("sku_id", "pk"))
    return Business(actor, location.pk, skus, sku_ids, [items[i] for i in sku_ids],
                    [by_code[s.code].display_name[:200] for s in skus])


def add_store(biz: Business, code: str, platform: str, credentials: dict | None = None) -> int:
    from huitong.channels.services import create_store
    from huitong.orders.services import set_fulfillment_locations

    store = create_store(code=code, name=code, platform=platform, credentials=credentials)
    set_fulfillment_locations(store_id=store.pk, location_ids=[biz.location_id])
    biz.stores[code] = store.pk
    return store.pk


# --- the baseline: the same rows with plain SQL ----------------------------------------------------

@dataclass(frozen=True)
class Row:
    """What the baseline writes for one order (everything the service would derive, precomputed)."""

    external_id: str
    placed_at: datetime
    paid_at: datetime
    updated_at: datetime
    total: int
    shipping: int
    lines: tuple[tuple[int, int, int, int, str, str, str, str], ...]  # sku idx, qty, unit, net, line/item/sku id, code
    raw: dict


def _spread(discount: int, weights: list[int]) -> list[int]:
    """Largest remainder (like huitong.core.money.allocate_fen; re-implemented: the baseline is plain code)."""
    whole = sum(weights)
    if not discount or not whole:
        return [0] * len(weights)
    parts = [discount * w // whole for w in weights]
    rest = [(discount * w) % whole for w in weights]
    for i in sorted(range(len(weights)), key=lambda i: (-rest[i], i))[: discount - sum(parts)]:
        parts[i] += 1
    return parts


def row_of(plan: Plan, skus: list[SkuRef], raw: dict, *, file: bool) -> Row:
    amounts = [skus[s].price_fen * q - d for s, q, d in plan.lines]
    shares = _spread(plan.trade_discount, amounts)
    tid = plan.external_id
    lines = tuple((s, q, skus[s].price_fen, a - sh,
                   f"{tid}{no:02d}" if file else str(int(tid) * 10 + no), str(skus[s].num_iid),
                   "" if file else str(skus[s].platform_sku), skus[s].code)
                  for no, ((s, q, _d), a, sh) in enumerate(zip(plan.lines, amounts, shares, strict=True), start=1))
    paid = plan.created + timedelta(minutes=1)
    updated = paid + timedelta(microseconds=1) if file else plan.created + timedelta(minutes=2)
    return Row(tid, plan.created, paid, updated, sum(amounts) + plan.post_fee - plan.trade_discount, plan.post_fee,
               lines, raw)


class Baseline:
    """One transaction per page: multi-row INSERTs and one conditional stock UPDATE, like the service's
    bulk path, reading nothing it already knows (SKU ids, titles, stock row ids come from setup)."""

    def __init__(self, biz: Business, store_id: int, source: str, status_text: str):
        from django.db import connection, transaction
        from django.utils import timezone

        from huitong.core import crypto

        self.connection, self.transaction, self.timezone, self.crypto = connection, transaction, timezone, crypto
        self.biz, self.store_id, self.source, self.status_text = biz, store_id, source, status_text
        self.seq = 0
        self.seconds = 0.0
        self.orders = 0
        self.rounds: list[float] = []
        self.extra: dict[str, tuple[str, list]] = {}

    def write(self, rows: list[Row]) -> None:
        before = self.seconds
        for start in range(0, len(rows), PAGE):
            page = rows[start:start + PAGE]
            t = time.perf_counter()
            self._page(page)
            self.seconds += time.perf_counter() - t
            self.orders += len(page)
        self.rounds.append(self.seconds - before)

    def _insert(self, cur, model, columns: str, rows: list[list], suffix: str = "", unnest: bool = True) -> None:
        """One INSERT of many rows: ``SELECT * FROM UNNEST(%s::type[], ...)`` (one array per column, the shape
        Django's bulk_create uses on PostgreSQL, cheaper to bind and plan than VALUES), or multi-row VALUES
        (``unnest=False``: for JSON text, which psycopg would backslash-escape element by element in an
        array literal). Any other NOT NULL column the model fills with a default gets that default (the
        schema grows while other work goes on; the service writes those defaults too)."""
        table = model._meta.db_table
        if table not in self.extra:
            names = [c.strip() for c in columns.split(",")]
            fields = {f.column: f for f in model._meta.concrete_fields}
            more = [f for f in fields.values()
                    if f.column not in names and not f.primary_key and not f.null and f.has_default()]
            types = [fields[c].db_type(self.connection).split("(")[0] for c in names]
            types += [f.db_type(self.connection).split("(")[0] for f in more]
            self.extra[table] = ("".join(f", {f.column}" for f in more),
                                 [f.get_db_prep_save(f.get_default(), self.connection) for f in more], types)
        more, defaults, types = self.extra[table]
        if unnest:
            arrays = ", ".join(f"%s::{t}[]" for t in types)
            params = [list(column) for column in zip(*[(*row, *defaults) for row in rows], strict=True)]
            cur.execute(f"INSERT INTO {table} ({columns}{more}) SELECT * FROM UNNEST({arrays}){suffix}", params)
        else:
            one = "(" + ", ".join(["%s"] * len(types)) + ")"
            cur.execute(f"INSERT INTO {table} ({columns}{more}) VALUES " + ", ".join([one] * len(rows)) + suffix,
                        [value for row in rows for value in (*row, *defaults)])

    def _page(self, rows: list[Row]) -> None:
        from huitong.core.models import AuditEntry, OutboxMessage
        from huitong.integrations.models import RawPayload
        from huitong.inventory.models import Reservation
        from huitong.orders.models import Order, OrderLine

        biz, enc = self.biz, self.crypto.encrypt
        now = self.timezone.now()
        with self.transaction.atomic(), self.connection.cursor() as cur:
            raws = []
            for r in rows:
                text = json.dumps(r.raw, sort_keys=True, ensure_ascii=False, default=str)
                raws.append([self.store_id, self.source, r.external_id, hashlib.sha256(text.encode()).hexdigest(),
                             json.dumps(r.raw, ensure_ascii=False, default=str), now])
            self._insert(cur, RawPayload, "store_id, source, external_id, digest, payload, received_at", raws,
                         " ON CONFLICT DO NOTHING", unnest=False)
            totals: dict[int, int] = defaultdict(int)
            for r in rows:
                for s, q, *_ in r.lines:
                    totals[biz.stock_items[s]] += q
            items = sorted(totals.items())
            # the rows locked in id order first, as the service does: baselines of several stores run at once
            cur.execute("SELECT id FROM inventory_stockitem WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                        [[i for i, _q in items]])
            cur.execute("UPDATE inventory_stockitem AS s SET reserved = s.reserved + v.q, updated_at = %s"
                        " FROM UNNEST(%s::bigint[], %s::bigint[]) AS v(id, q)"
                        " WHERE s.id = v.id AND s.on_hand - s.reserved >= v.q",
                        [now, [i for i, _q in items], [q for _i, q in items]])
            if cur.rowcount != len(items):
                raise RuntimeError("baseline: not enough stock")
            numbers, holds = [], []
            for r in rows:
                self.seq += 1
                number = f"B{self.store_id}-{r.placed_at.astimezone(CHINA):%y%m%d}{self.seq:011d}"
                numbers.append(number)
                holds += [[biz.stock_items[s], f"{number}/{no}", q, "active", now]
                          for no, (s, q, *_rest) in enumerate(r.lines, start=1)]
            self._insert(cur, Reservation, "stock_item_id, reference, quantity, status, created_at", holds,
                         " RETURNING id")
            reservations = [x[0] for x in cur.fetchall()]
            orders = []
            for r, number in zip(rows, numbers, strict=True):
                subtotal = sum(unit * q for _s, q, unit, *_ in r.lines)
                orders.append([number, self.store_id, r.external_id, "paid", "CNY", subtotal,
                               subtotal + r.shipping - r.total, r.shipping, r.total, r.total, "t**1",
                               enc(RECEIVER["name"]), enc(RECEIVER["phone"]), self.crypto.lookup_hash(RECEIVER["phone"]),
                               RECEIVER["province"], RECEIVER["city"], RECEIVER["district"], enc(RECEIVER["detail"]),
                               "", "", "", "", "", r.placed_at, r.paid_at, now, "", "[]", self.status_text,
                               r.updated_at, "approved", now])
            # auto-review passes (no rules configured): imported approved, and that is audited
            self._insert(cur, Order, "number, store_id, external_id, status, currency, subtotal_fen, discount_fen,"
                         " shipping_fen, total_fen, paid_fen, buyer_nick, receiver_name, receiver_phone,"
                         " receiver_phone_hash, province, city, district, address, buyer_remark, seller_remark,"
                         " carrier_code, waybill_no, cancel_reason, placed_at, paid_at, updated_at, buyer_id,"
                         " hold_reasons, platform_status, platform_updated_at, review_status, reviewed_at", orders,
                         " RETURNING id")
            order_ids = [x[0] for x in cur.fetchall()]
            lines, held = [], iter(reservations)
            for r, order_id in zip(rows, order_ids, strict=True):
                lines += [[order_id, no, biz.sku_ids[s], code, biz.titles[s], q, unit, unit * q - net, net,
                           biz.location_id, next(held), line_id, item_id, psku, code]
                          for no, (s, q, unit, net, line_id, item_id, psku, code) in enumerate(r.lines, start=1)]
            self._insert(cur, OrderLine, "order_id, line_no, sku_id, sku_code, title, quantity, unit_price_fen,"
                         " discount_fen, amount_fen, location_id, reservation_id, platform_line_id, platform_item_id,"
                         " platform_sku_id, merchant_code", lines)
            self._insert(cur, AuditEntry, "actor_id, actor_label, at, object_type, object_id, from_state, to_state,"
                         " reason, data",
                         [[biz.actor.user_id, biz.actor.label, now, "orders.order", str(order_id), "", "paid",
                           f"imported from platform ({self.status_text})", "{}"] for order_id in order_ids]
                         + [[biz.actor.user_id, biz.actor.label, now, "orders.orderreview", str(order_id), "unreviewed",
                             "approved", "auto review", '{"codes": []}'] for order_id in order_ids])
            messages = [("inventory.stock_changed", "", {"sku_ids": sorted({biz.sku_ids[s] for r in rows
                                                                           for s, *_ in r.lines})})]
            messages += [("order.created", n, {"order_id": o, "number": n, "store_id": self.store_id})
                         for n, o in zip(numbers, order_ids, strict=True)]
            self._insert(cur, OutboxMessage, "topic, key, payload, status, created_at, available_at, attempts,"
                         " last_error", [[t, k, json.dumps(p), "pending", now, now, 0, ""] for t, k, p in messages])


# --- measuring helpers -----------------------------------------------------------------------------

class DbMeter:
    """Statements and driver time on this thread's connection."""

    def __init__(self):
        self.statements = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - t
            self.statements += 1


class Timed:
    """Wrap a module attribute (function) to add up its wall time; restore with ``undo``."""

    def __init__(self, owner, name: str):
        self.owner, self.name, self.original = owner, name, getattr(owner, name)
        self.seconds, self.calls = 0.0, 0
        original = self.original

        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - t
                self.calls += 1

        setattr(owner, name, wrapper)

    def undo(self) -> None:
        setattr(self.owner, self.name, self.original)


@contextlib.contextmanager
def profiled(enabled: bool, label: str):
    if not enabled:
        yield
        return
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    try:
        yield
    finally:
        prof.disable()
        if os.environ.get("HUITONG_BENCH_PROFILE_DUMP"):  # for pstats: one file per part and process
            prof.dump_stats(f"{os.environ['HUITONG_BENCH_PROFILE_DUMP']}.{label.replace(' ', '-')}.{os.getpid()}"
                            f".{time.monotonic_ns()}")
        for key in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(prof, stream=out).strip_dirs().sort_stats(key).print_stats(35)
            print(f"\n=== {label}: profile by {key} ===\n{out.getvalue()}", file=sys.stderr)


def store_rows(store_id: int) -> dict[str, int]:
    """Rows belonging to one store's orders (to compare service and baseline)."""
    from django.db import connection

    queries = {
        "orders": "SELECT COUNT(*) FROM orders_order WHERE store_id = %s",
        "distinct external ids": "SELECT COUNT(DISTINCT external_id) FROM orders_order WHERE store_id = %s",
        "lines": "SELECT COUNT(*) FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id"
                 " WHERE o.store_id = %s",
        "active reservations": "SELECT COUNT(*) FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id"
                               " JOIN inventory_reservation r ON r.id = l.reservation_id"
                               " WHERE o.store_id = %s AND r.status = 'active'",
        "units reserved": "SELECT COALESCE(SUM(r.quantity), 0) FROM orders_orderline l JOIN orders_order o"
                          " ON o.id = l.order_id JOIN inventory_reservation r ON r.id = l.reservation_id"
                          " WHERE o.store_id = %s",
        "raw payloads": "SELECT COUNT(*) FROM integrations_rawpayload WHERE store_id = %s",
        "audit rows": "SELECT COUNT(*) FROM core_auditentry a JOIN orders_order o ON a.object_id = o.id::text"
                      " WHERE a.object_type = 'orders.order' AND o.store_id = %s",
        "review audit rows": "SELECT COUNT(*) FROM core_auditentry a JOIN orders_order o ON a.object_id = o.id::text"
                             " WHERE a.object_type = 'orders.orderreview' AND o.store_id = %s",
        "approved": "SELECT COUNT(*) FROM orders_order WHERE store_id = %s AND review_status = 'approved'",
        "order.created events": "SELECT COUNT(*) FROM core_outboxmessage WHERE topic = 'order.created'"
                                " AND (payload->>'store_id')::bigint = %s",
        "held orders": "SELECT COUNT(*) FROM orders_order WHERE store_id = %s AND hold_reasons <> '[]'::jsonb",
    }
    out = {}
    with connection.cursor() as cur:
        for name, sql in queries.items():
            cur.execute(sql, [store_id])
            out[name] = cur.fetchone()[0]
    return out


def check_orders(label: str, store_id: int, served: int, problems: list[str]) -> dict[str, int]:
    from huitong.inventory.selectors import ledger_discrepancies

    rows = store_rows(store_id)
    if rows["orders"] != served:
        problems.append(f"{label}: {rows['orders']} orders for {served} served")
    if rows["distinct external ids"] != rows["orders"]:
        problems.append(f"{label}: duplicate platform order ids")
    if rows["held orders"]:
        problems.append(f"{label}: {rows['held orders']} orders on hold")
    bad = ledger_discrepancies()
    if bad:
        problems.append(f"{label}: ledger_discrepancies {bad[:3]}")
    return rows


def make_baseline(biz: Business, code: str, source: str) -> Baseline:
    return Baseline(biz, add_store(biz, code, "taobao"), source, "WAIT_SELLER_SEND_GOODS" if source == "pull"
                    else "买家已付款")


# --- part 1: pull -------------------------------------------------------------------------------

def alternate(rounds: list[tuple], label: str) -> None:
    """Run (service, baseline) callables round by round in ABBA order (noise on a shared machine hits both)."""
    for r, (service, baseline) in enumerate(rounds):
        for step in (service, baseline) if r % 4 in (0, 3) else (baseline, service):
            step()
    print(f"[{label}] done", file=sys.stderr, flush=True)


def pull_part(args, biz: Business, problems: list[str]) -> dict:
    from django.db import connection
    from tqdm import tqdm

    from huitong.integrations import ingest
    from huitong.integrations.connectors import http

    n = args.orders
    rounds = max(1, min(10, n // (10 * PAGE)))
    bounds = chunks(n, rounds)
    start = datetime.now(CHINA).replace(microsecond=0) - timedelta(seconds=n + rounds + 600)
    conf = {"skus": [tuple(vars(s).values()) for s in biz.skus], "n": n, "seed": 11, "id_base": 4_100_000_000_000,
            "start": start.isoformat(), "bounds": bounds[1:-1]}
    t = time.perf_counter()
    host = FakeHost("taobao", conf)
    plans = make_plans(n, biz.skus, seed=11, id_base=4_100_000_000_000, start=start, bounds=bounds[1:-1])
    rows = [row_of(p, biz.skus, taobao_trade(p, biz.skus), file=False) for p in plans]
    [url] = host.ready()
    print(f"[pull] {n} trades generated and served by the fake TOP gateway at {url} "
          f"({time.perf_counter() - t:.1f} s); {rounds} rounds service/baseline", file=sys.stderr, flush=True)
    store_id = add_store(biz, "TB-PULL", "taobao", {**TAOBAO_KEYS, "base_url": f"{url}/router/rest"})
    baseline = make_baseline(biz, "TB-PULL-BASE", "pull")
    # Each round pulls up to one second before the next chunk's first modification (there is a gap there).
    untils = [plans[b].created + timedelta(minutes=2, seconds=-1) for b in bounds[1:-1]]
    untils.append(plans[-1].created + timedelta(minutes=3))

    limiter = Timed(http.RateLimiter, "wait")
    ingest_time = Timed(ingest, "ingest_orders")
    if args.no_rate_limit:
        http.RateLimiter.wait = lambda self: None
    meter = DbMeter()
    bar = tqdm(total=n, unit="order", desc="pull", mininterval=0.5, file=sys.stderr)
    logs, seconds, per_round = [], [0.0], []

    def service(until):
        done = bar.n

        def progress(entry):
            bar.update(done + entry.new + entry.updated + entry.unchanged + entry.failed - bar.n)

        t = time.perf_counter()
        with connection.execute_wrapper(meter), profiled(args.profile, "pull"):
            logs.append(ingest.pull_orders(store_id=store_id, until=until, actor=biz.actor, progress=progress))
        seconds[0] += time.perf_counter() - t
        per_round.append(time.perf_counter() - t)

    alternate([(lambda u=u: service(u), lambda a=a, b=b: baseline.write(rows[a:b]))
               for u, a, b in zip(untils, bounds[:-1], bounds[1:], strict=True)], "pull")
    bar.close()
    limiter.undo()
    ingest_time.undo()
    requests = host.ask("requests")
    host.stop()

    counts = {k: sum(getattr(log, k) for log in logs) for k in ("new", "updated", "unchanged", "failed", "pages")}
    if not all(log.ok for log in logs) or counts["new"] != n or counts["new"] != sum(counts.values()) - counts["pages"]:
        problems.append(f"pull: {counts}, errors {[e for log in logs for e in log.errors][:3]}")
    service_rows = check_orders("pull", store_id, n, problems)
    baseline_rows = check_orders("pull baseline", biz.stores["TB-PULL-BASE"], n, problems)
    if service_rows != baseline_rows:
        problems.append(f"pull: rows differ, service {service_rows} baseline {baseline_rows}")
    total = seconds[0]
    return {"n": n, "rounds": rounds, "seconds": total, "orders_per_s": n / total, "pages": counts["pages"],
            "requests": requests, "baseline_seconds": baseline.seconds, "baseline_orders_per_s": n / baseline.seconds,
            "ratio": total / baseline.seconds, "rows": service_rows, "baseline_rows": baseline_rows,
            "ingest_seconds": ingest_time.seconds, "limiter_seconds": limiter.seconds if not args.no_rate_limit
            else 0.0, "db_seconds": meter.seconds, "statements": meter.statements,
            "rate_limit": "lifted" if args.no_rate_limit else "connector default (10 calls/s)",
            "round_ratios": [a / b for a, b in zip(per_round, baseline.rounds, strict=True)]}


# --- part 2: file -------------------------------------------------------------------------------

def file_part(args, biz: Business, problems: list[str]) -> dict:
    from django.db import connection
    from tqdm import tqdm

    from huitong.integrations import ingest, order_files

    n = args.file_orders
    start = datetime.now(CHINA).replace(microsecond=0) - timedelta(days=3)
    plans = make_plans(n, biz.skus, seed=23, id_base=5_100_000_000_000, start=start, trade_discounts=False)
    files = export_files(plans, biz.skus)
    size = sum(len(content) for _n, content, _m in files)
    print(f"[file] {n} orders in {len(files)} Taobao export CSVs ({size / 1e6:.1f} MB)", file=sys.stderr, flush=True)
    store_id = add_store(biz, "TB-FILE", "taobao")
    baseline = make_baseline(biz, "TB-FILE-BASE", "file")

    ingest_time = Timed(ingest, "ingest_orders")
    meter = DbMeter()
    outcomes = Counter()
    bar = tqdm(total=n, unit="order", desc="file", mininterval=0.5, file=sys.stderr)
    seconds, per_round = [0.0], []

    def service(name, content, members):
        t = time.perf_counter()
        with connection.execute_wrapper(meter), profiled(args.profile, "file"):
            result = order_files.import_order_file(store_id=store_id, file_name=name, content=content, actor=biz.actor,
                                                   workers=args.file_workers)
        seconds[0] += time.perf_counter() - t
        per_round.append(time.perf_counter() - t)
        outcomes.update(o.outcome for o in result)
        bar.update(len(members))

    def base(members):
        return lambda: baseline.write([row_of(plan, biz.skus, raw, file=True) for plan, raw in members])

    if len(files) > 1:
        alternate([(lambda f=f: service(*f), base(f[2])) for f in files], "file")
    else:  # one file: half of the baseline before it, half after
        name, content, members = files[0]
        base(members[: n // 2])()
        service(name, content, members)
        base(members[n // 2:])()
    bar.close()
    ingest_time.undo()

    if outcomes != Counter({"new": n}):
        problems.append(f"file: outcomes {dict(outcomes)}")
    service_rows = check_orders("file", store_id, n, problems)
    baseline_rows = check_orders("file baseline", biz.stores["TB-FILE-BASE"], n, problems)
    if service_rows != baseline_rows:
        problems.append(f"file: rows differ, service {service_rows} baseline {baseline_rows}")
    total = seconds[0]
    return {"n": n, "files": len(files), "megabytes": size / 1e6, "seconds": total, "orders_per_s": n / total,
            "baseline_seconds": baseline.seconds, "baseline_orders_per_s": n / baseline.seconds,
            "ratio": total / baseline.seconds, "rows": service_rows, "baseline_rows": baseline_rows,
            "ingest_seconds": ingest_time.seconds, "db_seconds": meter.seconds, "statements": meter.statements,
            "workers": args.file_workers,
            "round_ratios": [a / b for a, b in zip(per_round, baseline.rounds, strict=True)] if len(files) > 1
            else [per_round[0] / sum(baseline.rounds)]}


# --- parts 1 and 2 with several stores at once: one worker process per store ---------------------------

def pull_feed(k: int, n: int, rounds: int, start: datetime) -> dict:
    """Store k's trades on its own fake gateway: ids apart from the other stores', the same timeline."""
    bounds = chunks(n, rounds)
    return {"n": n, "seed": 11 + k, "id_base": 4_100_000_000_000 + k * 1_000_000_000, "start": start.isoformat(),
            "bounds": bounds[1:-1]}


def store_worker(code: str, blob: bytes, conn) -> None:
    """One store's pull or file import, and the baseline of its twin store, in a process of its own (own
    Django connection, own GIL), one step per command from the parent: ("service", i) or ("baseline", i),
    answered with the step's (start, end) on CLOCK_MONOTONIC, comparable across processes."""
    import pickle

    sys.path.insert(0, code)  # before anything imports huitong: the conf holds huitong objects (the actor)
    conf = pickle.loads(blob)
    import django

    import huitong

    if Path(huitong.__file__).resolve().parent.parent != Path(code).resolve():
        raise SystemExit(f"store worker: huitong imported from {huitong.__file__}, not from {code}")
    django.setup()
    from django.db import connection

    from huitong.integrations import ingest, order_files
    from huitong.integrations.connectors import http

    biz, feed = conf["biz"], conf["feed"]
    if conf["no_rate_limit"]:
        http.RateLimiter.wait = lambda self: None
    limiter = Timed(http.RateLimiter, "wait")
    plans = make_plans(feed["n"], biz.skus, seed=feed["seed"], id_base=feed["id_base"],
                       start=datetime.fromisoformat(feed["start"]), bounds=feed["bounds"],
                       trade_discounts=conf["kind"] == "pull")
    baseline = Baseline(biz, conf["baseline_store"], conf["kind"],
                        "WAIT_SELLER_SEND_GOODS" if conf["kind"] == "pull" else "买家已付款")
    if conf["kind"] == "pull":
        bounds = [0, *feed["bounds"], feed["n"]]
        slices = [rows_of(plans, biz, file=False, a=a, b=b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        untils = [plans[b].created + timedelta(minutes=2, seconds=-1) for b in feed["bounds"]]
        untils.append(plans[-1].created + timedelta(minutes=3))
    else:
        bounds = [0, *feed["bounds"], feed["n"]]  # a store's export in one file per round (or more, if large)
        files = [f for a, b in zip(bounds[:-1], bounds[1:], strict=True) for f in export_files(plans[a:b], biz.skus)]
        slices = [[row_of(plan, biz.skus, raw, file=True) for plan, raw in members] for _n, _c, members in files]
    logs, outcomes = [], Counter()
    conn.send(("ready", len(slices)))
    while (command := conn.recv()) != "stop":
        step, i = command
        t = time.monotonic()
        if i >= len(slices):  # another store has more files than this one
            conn.send((t, t))
            continue
        with profiled(conf["profile"] and step == "service", f"{conf['kind']} store {conf['index']}"):
            if step == "baseline":
                baseline.write(slices[i])
            elif conf["kind"] == "pull":
                logs.append(ingest.pull_orders(store_id=conf["store"], until=untils[i], actor=biz.actor))
            else:
                name, content, _members = files[i]
                outcomes.update(o.outcome for o in order_files.import_order_file(
                    store_id=conf["store"], file_name=name, content=content, actor=biz.actor))
        conn.send((t, time.monotonic()))
    counts = {k: sum(getattr(log, k) for log in logs) for k in ("new", "updated", "unchanged", "failed", "pages")}
    conn.send({"counts": counts if logs else dict(outcomes), "ok": all(log.ok for log in logs),
               "errors": [e for log in logs for e in log.errors][:3], "limiter_seconds": limiter.seconds})
    connection.close()


def rows_of(plans: list[Plan], biz: Business, *, file: bool, a: int, b: int) -> list[Row]:
    return [row_of(p, biz.skus, taobao_trade(p, biz.skus), file=file) for p in plans[a:b]]


class Workers:
    """K store workers driven step by step; each step's wall time runs from the first worker's start to
    the last one's end, so an aggregate rate is all orders over the time they took together."""

    def __init__(self, code: str, confs: list[dict]):
        import pickle

        ctx = mp.get_context("spawn")
        self.pipes, self.processes = [], []
        for conf in confs:
            parent, child = ctx.Pipe()
            process = ctx.Process(target=store_worker, args=(code, pickle.dumps(conf), child), daemon=True)
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)
        self.steps = 0
        for pipe in self.pipes:
            if not pipe.poll(600):
                raise RuntimeError("store worker did not start")
            self.steps = max(self.steps, pipe.recv()[1])
        self.seconds = {"service": 0.0, "baseline": 0.0}
        self.rounds: dict[str, list[float]] = {"service": [], "baseline": []}

    def step(self, step: str, i: int) -> None:
        for pipe in self.pipes:
            pipe.send((step, i))
        spans = [pipe.recv() for pipe in self.pipes]
        wall = max(end for _s, end in spans) - min(start for start, _e in spans)
        self.seconds[step] += wall
        self.rounds[step].append(wall)

    def stop(self) -> list[dict]:
        for pipe in self.pipes:
            pipe.send("stop")
        summaries = [pipe.recv() for pipe in self.pipes]
        for process in self.processes:
            process.join(30)
        return summaries


def parallel_part(args, biz: Business, problems: list[str], kind: str) -> dict:
    """``--pull-stores`` / ``--file-stores`` K stores at once, each by its own worker process (as Celery
    workers pull each store with its own task), against K baseline stores written by K processes."""
    k_stores = args.pull_stores if kind == "pull" else args.file_stores
    n = args.orders if kind == "pull" else args.file_orders
    sizes = [n // k_stores + (1 if i < n % k_stores else 0) for i in range(k_stores)]
    rounds = max(1, min(10 if kind == "pull" else 4, min(sizes) // (10 * PAGE)))
    t = time.perf_counter()
    start = datetime.now(CHINA).replace(microsecond=0) - timedelta(seconds=max(sizes) + rounds + 600)
    if kind == "pull":
        feeds = [pull_feed(i, size, rounds, start) for i, size in enumerate(sizes)]
        host = FakeHost("taobao", {"skus": [tuple(vars(s).values()) for s in biz.skus], "feeds": feeds})
        urls = host.ready()
        stores = [add_store(biz, f"TB-PULL-{i}", "taobao", {**TAOBAO_KEYS, "base_url": f"{url}/router/rest"})
                  for i, url in enumerate(urls)]
    else:
        start = datetime.now(CHINA).replace(microsecond=0) - timedelta(days=3)
        feeds = [{"n": size, "seed": 23 + i, "id_base": 5_100_000_000_000 + i * 1_000_000_000,
                  "start": start.isoformat(), "bounds": chunks(size, rounds)[1:-1]} for i, size in enumerate(sizes)]
        stores = [add_store(biz, f"TB-FILE-{i}", "taobao") for i in range(k_stores)]
    bases = [add_store(biz, f"TB-{kind.upper()}-BASE-{i}", "taobao") for i in range(k_stores)]
    import huitong

    code = str(Path(huitong.__file__).resolve().parent.parent)  # the tree measured (--commit: its export)
    workers = Workers(code, [{"kind": kind, "index": i, "biz": biz, "feed": feed, "store": store,
                              "baseline_store": base, "no_rate_limit": args.no_rate_limit, "profile": args.profile}
                             for i, (feed, store, base) in enumerate(zip(feeds, stores, bases, strict=True))])
    print(f"[{kind}] {n} orders over {k_stores} stores, one worker process each, ready in "
          f"{time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
    steps = workers.steps
    for r in range(steps):  # ABBA, as for one store
        for step in ("service", "baseline") if r % 4 in (0, 3) else ("baseline", "service"):
            workers.step(step, r)
    summaries = workers.stop()
    if kind == "pull":
        requests = host.ask("requests")
        host.stop()
    for i, summary in enumerate(summaries):
        counts = summary["counts"]
        if kind == "pull" and (not summary["ok"] or counts["new"] != sizes[i] or counts["failed"]):
            problems.append(f"pull store {i}: {counts}, errors {summary['errors']}")
        if kind == "file" and counts != {"new": sizes[i]}:
            problems.append(f"file store {i}: outcomes {counts}")
    service_rows, baseline_rows = Counter(), Counter()
    for i in range(k_stores):
        service_rows.update(check_orders(f"{kind} store {i}", stores[i], sizes[i], problems))
        baseline_rows.update(check_orders(f"{kind} baseline {i}", bases[i], sizes[i], problems))
    if service_rows != baseline_rows:
        problems.append(f"{kind}: rows differ, service {dict(service_rows)} baseline {dict(baseline_rows)}")
    total, base_total = workers.seconds["service"], workers.seconds["baseline"]
    result = {"n": n, "stores": k_stores, "rounds": steps, "seconds": total, "orders_per_s": n / total,
              "baseline_seconds": base_total, "baseline_orders_per_s": n / base_total, "ratio": total / base_total,
              "rows": dict(service_rows), "baseline_rows": dict(baseline_rows),
              "limiter_seconds": sum(s["limiter_seconds"] for s in summaries),
              "rate_limit": "lifted" if args.no_rate_limit else "connector default (10 calls/s)",
              "round_ratios": [a / b for a, b in zip(workers.rounds["service"], workers.rounds["baseline"],
                                                     strict=True)]}
    if kind == "pull":
        result.update(pages=sum(s["counts"]["pages"] for s in summaries), requests=requests)
    return result


# --- part 3: stock push latency ------------------------------------------------------------------

def drain(limit: int = 500, budget: float = float("inf")) -> tuple[int, float]:
    """Run the outbox until nothing is due or ``budget`` seconds are spent; returns (handled, seconds)."""
    from huitong.core import outbox

    handled, t = 0, time.perf_counter()
    while time.perf_counter() - t < budget:
        report = outbox.deliver_due(limit=limit)
        handled += report.delivered + report.failed + report.dead + report.unhandled
        if not (report.delivered or report.failed or report.dead):
            break
    return handled, time.perf_counter() - t


def vacuum_analyze() -> float:
    """What autovacuum would do after a burst (it is off on this CI server: conf.d/90-ci.conf): fresh
    statistics, and dead index entries (outbox rows that left the pending partial index) removed."""
    from django.db import connection

    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    return time.perf_counter() - t


class HandlerMeter:
    """Time and statements per outbox topic in the worker threads (wraps the registered handlers)."""

    def __init__(self, topics: list[str]):
        from huitong.core import outbox

        self.outbox = outbox
        self.local = threading.local()
        self.lock = threading.Lock()
        self.stats = {t: [0, 0.0, 0] for t in [*topics, "claim/mark"]}  # calls, seconds, statements
        self.originals = {}
        for topic in topics:
            original = outbox._HANDLERS[topic]
            self.originals[topic] = original
            outbox._HANDLERS[topic] = self._wrap(topic, original)

    def _wrap(self, topic, original):
        def handler(message):
            self.local.topic = topic
            t = time.perf_counter()
            try:
                return original(message)
            finally:
                with self.lock:
                    self.stats[topic][0] += 1
                    self.stats[topic][1] += time.perf_counter() - t
                self.local.topic = "claim/mark"
        return handler

    def statement(self, execute, sql, params, many, context):
        topic = getattr(self.local, "topic", "claim/mark")
        with self.lock:
            self.stats[topic][2] += 1
        return execute(sql, params, many, context)

    def undo(self) -> None:
        self.outbox._HANDLERS.update(self.originals)


def outbox_worker(stop: threading.Event, meter: HandlerMeter, loop: dict, errors: list) -> None:
    from django.db import connection

    from huitong.core import outbox

    try:
        with connection.execute_wrapper(meter.statement):
            while not stop.is_set():
                t = time.perf_counter()
                report = outbox.deliver_due(limit=100)
                busy = report.delivered + report.failed + report.dead
                with meter.lock:
                    loop["seconds"] += time.perf_counter() - t if busy else 0.0
                    loop["failed"] += report.failed + report.dead
                if not busy:
                    stop.wait(0.05)
    except Exception as exc:  # noqa: BLE001 - reported in the results
        errors.append(f"worker: {type(exc).__name__}: {exc}")
    finally:
        connection.close()


@dataclass
class Change:
    index: int
    sku: int  # index into biz.skus
    kind: str  # receive / adjust
    amount: int  # received quantity, or the counted on-hand
    expected: int  # available after it
    thread: int
    due: float = 0.0  # seconds after the start
    committed: float = 0.0  # time.monotonic()


def plan_changes(args, biz: Business, rng: random.Random, on_hand: dict[int, int], reserved: dict[int, int]
                 ) -> list[Change]:
    """Random SKUs, receive (70%) or stocktake (30%); each SKU's available never repeats a value, so a
    pushed number tells which change it shows. A SKU always runs on the same thread (its changes commit
    in plan order)."""
    threads = 4
    seen = {s: {on_hand[s] - reserved[s]} for s in range(len(biz.skus))}
    current = dict(on_hand)
    changes, clock = [], 0.0
    for i in range(args.changes):
        s = rng.randrange(len(biz.skus))
        while True:
            if rng.random() < 0.7:
                kind, amount = "receive", rng.randint(1, 50)
                after = current[s] + amount
            else:
                kind = "adjust"
                after = amount = max(reserved[s], current[s] + rng.choice((-1, 1)) * rng.randint(1, 30))
            if after - reserved[s] not in seen[s] and after != current[s]:
                break
        seen[s].add(after - reserved[s])
        current[s] = after
        clock += rng.expovariate(args.change_rate)
        changes.append(Change(i, s, kind, amount, after - reserved[s], s % threads, due=clock))
    return changes


def change_runner(changes: list[Change], biz: Business, t0: float, errors: list) -> None:
    from django.db import connection

    from huitong.inventory import services as inventory

    try:
        for c in changes:
            delay = t0 + c.due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if c.kind == "receive":
                inventory.receive_stock(sku_id=biz.sku_ids[c.sku], location_id=biz.location_id, quantity=c.amount,
                                        reference=f"PUSH-{c.index}", actor=biz.actor)
            else:
                inventory.adjust_stock(sku_id=biz.sku_ids[c.sku], location_id=biz.location_id, counted=c.amount,
                                       reference=f"PUSH-{c.index}", actor=biz.actor, reason="stocktake")
            c.committed = time.monotonic()  # the service's transaction has committed when it returns
    except Exception as exc:  # noqa: BLE001 - reported in the results
        errors.append(f"change thread: {type(exc).__name__}: {exc}")
    finally:
        connection.close()


def percentile(values: list[float], q: float) -> float:
    """Nearest rank."""
    if not values:
        return float("inf")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def push_setup(args, biz: Business) -> tuple[FakeHost, list[int], dict[tuple[int, int], int], dict]:
    """Stop the ingest stores publishing, deliver the backlog the ingest left, then the JD stores: one fake
    gateway each, a mapping per store and SKU. Returns (fakes, store ids, (store, SKU index) → mapping id,
    backlog figures)."""
    from huitong.channels.models import ChannelStore, MappingComponent, SkuMapping
    from huitong.core.models import OutboxMessage, OutboxStatus

    # The ingest stores' auto-matched mappings would push to fakes that are gone: they stop publishing.
    ChannelStore.objects.filter(pk__in=list(biz.stores.values())).update(is_active=False)
    vacuum = vacuum_analyze()
    backlog = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count()
    # The backlog the ingest left: order.created (no consumer yet: deliver_due settles them all in one
    # UPDATE) and one stock_changed per page, whose fan-out finds no active platform store and no held
    # order. A sample is delivered for its cost; the rest is marked delivered, untimed.
    from huitong.core import outbox

    t = time.perf_counter()
    first = outbox.deliver_due(limit=1)
    settle_unhandled = (first.unhandled, time.perf_counter() - t)
    handled, seconds = drain(limit=10, budget=10.0)
    skipped = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).update(
        status=OutboxStatus.DELIVERED, last_error="bench: ingest backlog settled without delivery")
    vacuum += vacuum_analyze()
    print(f"[push] outbox backlog of {backlog} messages: {settle_unhandled[0]} without consumer settled in "
          f"{settle_unhandled[1]:.1f} s, {handled} delivered in {seconds:.1f} s, {skipped} marked delivered; "
          f"VACUUM ANALYZE {vacuum:.1f} s", file=sys.stderr, flush=True)
    host = FakeHost("jd", {"stores": args.stores})
    store_ids = [add_store(biz, f"JD-{k:02d}", "jd", {**JD_KEYS, "base_url": url})
                 for k, url in enumerate(host.ready())]
    # What mappings.set_mapping writes (by platform item + SKU id), in bulk: 10,000 set_mapping calls would
    # take longer than the measurement.
    mappings = SkuMapping.objects.bulk_create(
        SkuMapping(store_id=store_id, platform_item_id=str(s.num_iid), platform_sku_id=str(s.platform_sku))
        for store_id in store_ids for s in biz.skus)
    MappingComponent.objects.bulk_create(
        MappingComponent(mapping=m, sku_id=biz.sku_ids[i % len(biz.skus)], quantity=1)
        for i, m in enumerate(mappings))
    by_mapping = {(m.store_id, i % len(biz.skus)): m.pk for i, m in enumerate(mappings)}
    return host, store_ids, by_mapping, {"backlog_messages": backlog, "backlog_handled": handled,
                                         "backlog_seconds": seconds, "backlog_skipped": skipped,
                                         "vacuum_seconds": vacuum, "settle_unhandled": settle_unhandled}


def run_changes(args, biz: Business, changes: list[Change], problems: list[str]) -> dict:
    """Workers on, the changes at their times, wait until the outbox has nothing left for stock, workers off."""
    from django.db import connection

    from huitong.core.models import OutboxMessage, OutboxStatus
    from huitong.integrations import publication
    from huitong.integrations.connectors import http
    from huitong.inventory.services import STOCK_CHANGED

    meter = HandlerMeter([STOCK_CHANGED, publication.PUSH_STOCK])
    http_time = Timed(http.HttpClient, "request")
    stop, loop, errors = threading.Event(), {"seconds": 0.0, "failed": 0}, []
    workers = [threading.Thread(target=outbox_worker, args=(stop, meter, loop, errors), daemon=True)
               for _ in range(args.workers)]
    for w in workers:
        w.start()
    t0 = time.monotonic()
    runners = [threading.Thread(target=change_runner, args=([c for c in changes if c.thread == k], biz, t0, errors))
               for k in range(4)]
    for r in runners:
        r.start()
    for r in runners:
        r.join()
    changes_done = time.monotonic()
    deadline = changes_done + max(120.0, len(changes) * args.stores * 0.05)
    pending = OutboxMessage.objects.filter(status=OutboxStatus.PENDING, topic__in=[STOCK_CHANGED,
                                                                                  publication.PUSH_STOCK])
    while time.monotonic() < deadline and pending.exists():
        time.sleep(0.1)
    settled = time.monotonic()
    stop.set()
    for w in workers:
        w.join()
    meter.undo()
    http_time.undo()
    connection.close()
    problems.extend(errors)
    stats = {topic: {"calls": c, "ms_per_call": 1000 * s / c if c else 0.0, "statements_per_call": q / c if c else 0}
             for topic, (c, s, q) in meter.stats.items() if topic != "claim/mark"}
    handled = sum(v["calls"] for v in stats.values())
    return {"changes_seconds": changes_done - t0, "settle_seconds": settled - changes_done,
            "worker_busy_seconds": loop["seconds"], "failed_deliveries": loop["failed"],
            "push_http_ms": 1000 * http_time.seconds / max(1, http_time.calls), "handlers": stats,
            "claim_statements_per_message": meter.stats["claim/mark"][2] / max(1, handled)}


def latencies(changes: list[Change], received: dict[tuple[int, int], list[tuple[float, int]]], stores: int
              ) -> tuple[list[float], int]:
    """Per change: commit → the last store received a number showing it (or a later change of the SKU)."""
    by_sku: dict[int, list[Change]] = defaultdict(list)
    for c in changes:
        by_sku[c.sku].append(c)
    out, missing = [], 0
    for sku, seq in by_sku.items():
        for j, c in enumerate(seq):
            covers = {x.expected for x in seq[j:]}
            hits = [next((t for t, q in sorted(received[(store, sku)]) if q in covers), None) for store in range(stores)]
            if None in hits:
                missing += 1
            else:
                out.append(max(0.0, max(hits) - c.committed))
    return out, missing


def push_part(args, biz: Business, problems: list[str]) -> dict:
    from huitong.core.models import OutboxMessage
    from huitong.integrations import publication
    from huitong.integrations.models import ListingStock, PushLog
    from huitong.inventory.models import StockItem
    from huitong.inventory.selectors import ledger_discrepancies

    host, store_ids, by_mapping, backlog = push_setup(args, biz)
    first_message = (OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    first_push_log = (PushLog.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    index_of = {sku_id: i for i, sku_id in enumerate(biz.sku_ids)}
    rows = list(StockItem.objects.filter(location_id=biz.location_id).values_list("sku_id", "on_hand", "reserved"))
    changes = plan_changes(args, biz, random.Random(31), {index_of[s]: h for s, h, _r in rows},
                           {index_of[s]: r for s, _h, r in rows})
    print(f"[push] {len(changes)} stock changes at {args.change_rate:g}/s over {len(store_ids)} stores × "
          f"{len(biz.skus)} SKUs, {args.workers} outbox worker(s)", file=sys.stderr, flush=True)
    run = run_changes(args, biz, changes, problems)
    pushes = host.ask("pushes")
    host.stop()

    psku = {str(s.platform_sku): i for i, s in enumerate(biz.skus)}
    received: dict[tuple[int, int], list[tuple[float, int]]] = defaultdict(list)
    for store, updates in enumerate(pushes):
        for sku_id, quantity, t in updates:
            received[(store, psku[sku_id])].append((t, quantity))
    timings, missing = latencies(changes, received, len(store_ids))
    if missing:
        problems.append(f"push: {missing} changes never reached every store")

    # final numbers: what each store last received, what Huitong recorded as published, and the stock itself
    final = {c.sku: c.expected for c in changes}  # the last change of each SKU wins
    wrong = sum(1 for store in range(len(store_ids)) for sku, want in final.items()
                if not received[(store, sku)] or received[(store, sku)][-1][1] != want)
    listed = dict(ListingStock.objects.filter(mapping_id__in=[by_mapping[(s, k)] for s in store_ids for k in final])
                  .values_list("mapping_id", "quantity"))
    wrong_recorded = sum(1 for s in store_ids for k, want in final.items() if listed.get(by_mapping[(s, k)]) != want)
    available = {s: h - r for s, h, r in StockItem.objects.filter(location_id=biz.location_id)
                 .values_list("sku_id", "on_hand", "reserved")}
    wrong_stock = sum(1 for k, want in final.items() if available[biz.sku_ids[k]] != want)
    if wrong or wrong_recorded or wrong_stock:
        problems.append(f"push: final quantities wrong on the platforms for {wrong} (store, SKU) pairs, "
                        f"in ListingStock for {wrong_recorded}, in stock for {wrong_stock}")
    bad = ledger_discrepancies()
    if bad:
        problems.append(f"push: ledger_discrepancies {bad[:3]}")

    messages = OutboxMessage.objects.filter(id__gte=first_message, topic=publication.PUSH_STOCK)
    return {
        "stores": len(store_ids), "skus": len(biz.skus), "changes": len(changes), "change_rate": args.change_rate,
        "workers": args.workers, "changed_skus": len(final),
        "p50": percentile(timings, 50), "p90": percentile(timings, 90), "p99": percentile(timings, 99),
        "max": max(timings, default=float("inf")), "missing": missing,
        "pushes": sum(len(u) for u in pushes), "push_messages": messages.count(),
        "coalesced_messages": messages.filter(last_error__startswith="coalesced").count(),
        "push_logs_failed": PushLog.objects.filter(id__gte=first_push_log, ok=False).count(),
        "pushes_without_coalescing": len(changes) * len(store_ids), **run, **backlog,
    }


# --- report ------------------------------------------------------------------------------------

def code_state() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "huitong"], cwd=ROOT, capture_output=True,
                               text=True, check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    changed = [line[3:] for line in dirty if line.strip()]
    measured = [c for c in changed if c.split("/")[1] in MEASURED_APPS]
    if not changed:
        return head + " (clean)"
    return (f"{head} + uncommitted changes in {len(changed)} files under huitong/"
            + (f", {len(measured)} in the measured apps: {', '.join(measured)}" if measured else ""))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _file_line(file: dict) -> str:
    head = f"file: {file['seconds']:.1f} s for {file['files']} CSVs ({file['megabytes']:.1f} MB)"
    if file.get("workers", 1) > 1:
        return (f"{head}, one store, each file's pages in {file['workers']} worker processes (reading + checking in "
                "this one; baseline: one process)")
    return (f"{head}; ingest_orders {file['ingest_seconds']:.1f} s, reading + checking the CSV "
            f"{file['seconds'] - file['ingest_seconds']:.1f} s; DB driver {file['db_seconds']:.1f} s, "
            f"{file['statements']} statements")


def print_report(result: dict) -> None:
    print(f"\ncode: {result['code']}; python {sys.version.split()[0]}; {os.cpu_count()} CPUs; {result['server']}")
    load = result["load"]
    print(f"{result['skus']} SKUs; setup {result['setup_seconds']:.1f} s; total {result['total_seconds']:.0f} s; "
          f"load average {load[0]:.1f} at the start, {load[3]:.1f} at the end (1 min)\n")
    header = (f"{'path':<6} {'orders':>7} {'service o/s':>12} {'baseline o/s':>13} {'ratio':>7} "
              f"{'goal ≥2000 o/s':>15}")
    print(header)
    print("-" * len(header))
    for name in ("pull", "file"):
        r = result.get(name)
        if not r:
            continue
        ratios = sorted(r["round_ratios"])
        print(f"{name:<6} {r['n']:>7} {r['orders_per_s']:>12.0f} {r['baseline_orders_per_s']:>13.0f} "
              f"{r['ratio']:>6.2f}× {verdict(r['orders_per_s'] >= GOAL_ORDERS_PER_S):>15}   per-round ratios "
              f"{ratios[0]:.2f}–{ratios[-1]:.2f}× (median {ratios[len(ratios) // 2]:.2f}×, {len(ratios)} rounds)")
    for name in ("pull", "file"):
        r = result.get(name)
        if r and "stores" in r:
            print(f"{name}: {r['stores']} stores at once, one worker process each (baseline: as many processes); "
                  f"service {r['seconds']:.1f} s, baseline {r['baseline_seconds']:.1f} s of wall time"
                  + (f"; {r['pages']} pages ({r['requests']} HTTP requests), rate-limiter sleep "
                     f"{r['limiter_seconds']:.1f} s in all workers ({r['rate_limit']})" if name == "pull" else ""))
    pull = result.get("pull")
    if pull and "stores" not in pull:
        other = pull["seconds"] - pull["ingest_seconds"]
        print(f"\npull: {pull['seconds']:.1f} s for {pull['pages']} pages ({pull['requests']} HTTP requests); "
              f"ingest_orders {pull['ingest_seconds']:.1f} s, fetch + TOP + mapping + pull log {other:.1f} s "
              f"(of which rate-limiter sleep {pull['limiter_seconds']:.1f} s; rate limit {pull['rate_limit']}); "
              f"DB driver {pull['db_seconds']:.1f} s, {pull['statements'] / pull['pages']:.1f} statements/page")
    file = result.get("file")
    if file and "stores" not in file:
        print(_file_line(file))
    for name in ("pull", "file"):
        r = result.get(name)
        if r:
            print(f"{name} rows (service = baseline): " + ", ".join(f"{k} {v}" for k, v in r["rows"].items()))
    push = result.get("push")
    if push:
        print(f"\nstock push: {push['changes']} changes on {push['changed_skus']} SKUs at {push['change_rate']:g}/s, "
              f"{push['stores']} stores × {push['skus']} SKUs, {push['workers']} worker(s)")
        print(f"  commit → last store received: p50 {push['p50'] * 1000:.0f} ms, p90 {push['p90'] * 1000:.0f} ms, "
              f"p99 {push['p99'] * 1000:.0f} ms, max {push['max'] * 1000:.0f} ms; goal p99 < 2 s: "
              f"{verdict(push['p99'] < GOAL_P99_SECONDS and not push['missing'])}")
        print(f"  pushes made {push['pushes']} for {push['changes']} changes × {push['stores']} stores = "
              f"{push['pushes_without_coalescing']} ({push['pushes'] / push['pushes_without_coalescing']:.0%}); "
              f"push messages {push['push_messages']}, coalesced {push['coalesced_messages']}, "
              f"failed pushes {push['push_logs_failed']}")
        print(f"  changes took {push['changes_seconds']:.1f} s, the outbox settled {push['settle_seconds']:.1f} s later;"
              f" worker busy {push['worker_busy_seconds']:.1f} s")
        for topic, s in push["handlers"].items():
            print(f"  {topic}: {s['calls']} × {s['ms_per_call']:.1f} ms, {s['statements_per_call']:.1f} statements")
        print(f"  claim + mark: {push['claim_statements_per_message']:.1f} statements per message; "
              f"push HTTP call {push['push_http_ms']:.1f} ms")
        settled, settle_s = push["settle_unhandled"]
        print(f"  before the test: ingest backlog of {push['backlog_messages']} outbox messages: {settled} without "
              f"a consumer settled by deliver_due in {settle_s:.1f} s (one UPDATE), {push['backlog_handled']} "
              f"page stock_changed fan-outs in {push['backlog_seconds']:.1f} s, {push['backlog_skipped']} marked "
              f"delivered unhandled; VACUUM ANALYZE {push['vacuum_seconds']:.1f} s (autovacuum is off here)")
    print("\ncorrectness: " + ("ok" if not result["problems"] else "PROBLEMS"))
    for p in result["problems"]:
        print(f"  - {p}")


def export_commit(rev: str) -> tuple[Path, str]:
    """``git archive`` of ``rev`` into a temp dir; returns (the dir, a label)."""
    sha = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.strip()
    target = Path(tempfile.mkdtemp(prefix=f"huitong-bench-{sha}-"))
    import atexit

    atexit.register(shutil.rmtree, target, ignore_errors=True)
    archive = subprocess.run(["git", "archive", sha, "huitong"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target, f"{sha} (git archive, no working-tree changes)"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    code, label = (ROOT, code_state()) if not args.commit else export_commit(args.commit)
    server = configure()
    sys.path.insert(0, str(code))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    biz = setup_business(args.skus)
    # No ANALYZE here: on still-empty tables it makes PostgreSQL cache a sequential-scan plan for the deferred
    # FK checks (orders_orderline.reservation_id) for the connection's lifetime, and COMMIT turns quadratic.
    import huitong

    if Path(huitong.__file__).resolve().parent.parent != code.resolve():
        raise SystemExit(f"huitong was imported from {huitong.__file__}, not from {code}")
    result = {"code": label, "load": os.getloadavg(), "server": server, "skus": args.skus, "setup_seconds": time.perf_counter() - t,
              "problems": []}
    print(f"[setup] {args.skus} SKUs with {STOCK_PER_SKU} units each ({result['setup_seconds']:.1f} s)",
          file=sys.stderr, flush=True)
    if "pull" not in args.skip:
        result["pull"] = (parallel_part(args, biz, result["problems"], "pull") if args.pull_stores > 1
                          else pull_part(args, biz, result["problems"]))
    if "file" not in args.skip:
        result["file"] = (parallel_part(args, biz, result["problems"], "file") if args.file_stores > 1
                          else file_part(args, biz, result["problems"]))
    if "push" not in args.skip:
        result["push"] = push_part(args, biz, result["problems"])
    result["total_seconds"] = time.perf_counter() - started
    result["load"] = [*result["load"], *os.getloadavg()]
    if args.json:
        print(json.dumps(result, ensure_ascii=False, default=str))
    print_report(result)
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
