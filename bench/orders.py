#!/usr/bin/env python
"""Order throughput: the service layer against a hand-written SQL baseline doing the same row work.

    .venv/bin/python bench/orders.py --orders 500 [--db sqlite|postgres|both] [--skus 50] [--profile]

Each database runs in its own child process (Django settings are configured once per process):
the parent re-invokes this file with ``--child --db sqlite`` / ``--child --db postgres``, reads
one ``BENCH-RESULT {json}`` line from each and prints the table. A child builds a throwaway
database (SQLite: a file in a temp dir; PostgreSQL: ``huitong_bench`` dropped and created
fresh), migrates it, creates a store, a fulfilment location and ``--skus`` SKUs with plenty of
stock through the services, then times N orders through create → pay → allocate → ship:

* service:  ``huitong.orders.services`` (create_order, pay_order, allocate_order, ship_order);
* baseline: plain SQL on ``django.db.connection.cursor()``, one transaction per order and step,
  writing the same rows (order, lines, reservations, stock counters, payment, movements, audit
  entries, outbox messages) but reading nothing it already knows (SKU data, stock row ids).

Service and baseline alternate in chunks (ABBA order) on the same database and stock rows.
Afterwards the inventory invariants are checked (``ledger_discrepancies() == []``) together with
the order states and the rows each path wrote per order.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass

import harness  # bench/harness.py: this file runs as a script from bench/

ROOT = harness.ROOT
PG_SERVER = harness.PG_SERVER
PG_DB = "huitong_bench"
RESULT_MARK = harness.RESULT_MARK
GOAL_RATIO = 3.0
PHASES = ("create", "pay", "allocate", "ship")
TABLES = ("orders_order", "orders_orderline", "inventory_reservation", "inventory_stockmovement",
          "payments_payment", "core_auditentry", "core_outboxmessage")
STOCK_PER_SKU = 1_000_000
# Unique columns the services fill with random values: how SQLite / PostgreSQL name them in errors.
RANDOM_KEYS = {"payment out_trade_no": ("payments_payment.out_trade_no", "payments_payment_out_trade_no"),
               "order number": ("orders_order.number", "orders_order_number")}


# --- parent: run one child per database and print the table --------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--orders", type=int, default=500, help="orders timed per path (default 500)")
    p.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    p.add_argument("--skus", type=int, default=50, help="SKUs to spread the orders over (default 50)")
    p.add_argument("--warmup", type=int, default=10, help="untimed orders per path first (default 10)")
    p.add_argument("--rounds", type=int, default=10, help="service/baseline alternations (default 10)")
    p.add_argument("--receiver", action="store_true",
                   help="orders carry receiver name/phone/address (encrypted) in both paths")
    p.add_argument("--no-sync-commit", action="store_true",
                   help="PostgreSQL: SET synchronous_commit TO off (commits stop waiting for the WAL flush)")
    p.add_argument("--profile", action="store_true",
                   help="also cProfile the service path and print the top functions (stderr)")
    p.add_argument("--json", action="store_true", help="also print each child's raw result")
    p.add_argument("--fail-on-goal", action="store_true", help="exit 2 when a ratio misses the goal")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.orders < 1 or args.skus < 2:
        p.error("--orders must be >= 1 and --skus >= 2")
    return args


def run_child(db: str, args: argparse.Namespace) -> dict:
    child_args = ["--orders", str(args.orders), "--skus", str(args.skus), "--warmup", str(args.warmup),
                  "--rounds", str(args.rounds)]
    child_args += ["--receiver"] * args.receiver + ["--profile"] * args.profile
    child_args += ["--no-sync-commit"] * args.no_sync_commit
    print(f"[{db}] running {args.orders} orders per path ...", file=sys.stderr, flush=True)
    return harness.run_child(__file__, db, child_args)


def print_table(results: list[dict]) -> None:
    header = (f"{'database':<10} {'N':>5} {'service o/s':>12} {'baseline o/s':>13} {'ratio':>6} "
              f"{'goal ≤3×':>9} {'queries/order':>14} {'invariants':>11}")
    print(header)
    print("-" * len(header))
    for r in results:
        if "error" in r:
            print(f"{r['db']:<10} error: {r['error']}")
            continue
        q = r["queries_per_order"]["service"]["total"]
        print(f"{r['label']:<10} {r['n']:>5} {r['service']['orders_per_s']:>12.1f} "
              f"{r['baseline']['orders_per_s']:>13.1f} {r['ratio']:>5.2f}× {r['goal']:>9} {q:>14} "
              f"{'ok' if r['correct'] else 'BROKEN':>11}")
    for r in results:
        if "error" in r:
            continue
        print(f"\n{r['label']} ({r['server']}): per phase, ms per order (service / baseline / ratio)")
        for phase in PHASES:
            s, b = r["service"]["ms_per_order"][phase], r["baseline"]["ms_per_order"][phase]
            qs, qb = r["queries_per_order"]["service"][phase], r["queries_per_order"]["baseline"][phase]
            print(f"  {phase:<9} {s:7.2f} / {b:6.2f} / {s / b:5.2f}×   queries {qs:>3} / {qb:>3}")
        kinds = r["query_kinds"]["service"]
        print("  service statements per order by kind: " + ", ".join(f"{k} {v}" for k, v in kinds.items()))
        print(f"  time inside the database driver: service {r['db_share']['service']:.0%}, "
              f"baseline {r['db_share']['baseline']:.0%} of wall time")
        rows_s, rows_b = r["rows_per_order"]["service"], r["rows_per_order"]["baseline"]
        same = "same" if rows_s == rows_b else "DIFFERENT"
        print(f"  rows written per order ({same} in both paths): "
              + ", ".join(f"{t} {rows_s[t]}" + ("" if rows_s[t] == rows_b[t] else f"≠{rows_b[t]}") for t in TABLES))
        if r.get("collisions"):
            print(f"  random-key collisions retried in the service path (app bug, see docs): {r['collisions']}")
        if not r["correct"]:
            print(f"  CORRECTNESS PROBLEMS: {r['problems']}")


def parent(args: argparse.Namespace) -> int:
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = [run_child(db, args) for db in dbs]
    if args.json:
        for r in results:
            print(json.dumps(r, ensure_ascii=False))
    print(f"\ncode: {harness.code_state()}; python {sys.version.split()[0]}; {os.cpu_count()} CPUs\n")
    print_table(results)
    if any("error" in r or not r["correct"] for r in results):
        return 1
    if args.fail_on_goal and any(r["goal"] != "PASS" for r in results):
        return 2
    return 0


# --- child: configure Django for one throwaway database --------------------------------------------

def configure(db: str) -> str:
    return harness.configure(db, name="orders", pg_db=PG_DB)


@dataclass(frozen=True)
class SkuInfo:
    sku_id: int
    code: str
    title: str
    price_fen: int
    stock_item_id: int


@dataclass(frozen=True)
class Plan:
    """One order to place: two distinct SKUs, quantities, a small order-level discount."""

    lines: tuple[tuple[SkuInfo, int], ...]
    discount_fen: int


def setup_business(n_skus: int):
    from huitong.catalog import services as catalog
    from huitong.channels import services as channels
    from huitong.core.actors import Actor
    from huitong.inventory import services as inventory
    from huitong.inventory.models import StockItem
    from huitong.orders import services as orders

    actor = Actor.system("bench")
    store = channels.create_store(code="BENCH", name="压测商城", platform="web_mall")
    location = inventory.create_location(code="WH-BENCH", name="压测仓", kind="warehouse")
    orders.set_fulfillment_locations(store_id=store.pk, location_ids=[location.pk])
    specs = [catalog.SkuSpec(code=f"BENCH-{i:03d}", price_fen=990 + 137 * i, attributes={"规格": f"{50 + i}g"})
             for i in range(n_skus)]
    product = catalog.create_product(spu_code="BENCH-SPU", name="压测龙井", skus=specs, actor=actor)
    skus = list(product.skus.select_related("product").order_by("id"))
    for sku in skus:
        inventory.receive_stock(sku_id=sku.pk, location_id=location.pk, quantity=STOCK_PER_SKU,
                                reference="BENCH-INIT", actor=actor)
    items = dict(StockItem.objects.filter(location_id=location.pk).values_list("sku_id", "pk"))
    infos = [SkuInfo(s.pk, s.code, s.display_name[:200], s.price_fen, items[s.pk]) for s in skus]
    return actor, store, location, infos


def make_plans(count: int, skus: list[SkuInfo], rng: random.Random) -> list[Plan]:
    plans = []
    for _ in range(count):
        a, b = rng.sample(skus, 2)
        lines = ((a, rng.randint(1, 3)), (b, rng.randint(1, 3)))
        subtotal = sum(s.price_fen * q for s, q in lines)
        plans.append(Plan(lines, discount_fen=rng.randint(1, subtotal // 10)))
    return plans


RECEIVER = {"name": "张三", "phone": "13800138000", "province": "浙江省", "city": "杭州市",
            "district": "西湖区", "address": "文三路 100 号 5 幢 301"}


# --- the service path ------------------------------------------------------------------------------

class ServicePath:
    name = "service"

    def __init__(self, actor, store, receiver: bool):
        from huitong.orders import services

        self.s = services
        self.actor = actor
        self.store = store
        self.receiver = services.Receiver(**RECEIVER) if receiver else services.Receiver()
        self.seq = 0
        self.collisions: Counter[str] = Counter()

    def _retrying(self, call):
        """Order numbers and payment out_trade_no are random (see docs/PERFORMANCE.md): a collision
        raises IntegrityError and rolls the whole service transaction back. Count it and retry."""
        from django.db import IntegrityError

        for attempt in range(3):
            try:
                return call()
            except IntegrityError as exc:
                text = str(exc)
                column = next((c for c, marks in RANDOM_KEYS.items() if any(m in text for m in marks)), None)
                if column is None or attempt == 2:
                    raise
                self.collisions[column] += 1

    def create(self, plan: Plan) -> int:
        self.seq += 1
        spec = self.s.NewOrder(
            store_id=self.store.pk, external_id=f"S-{self.seq}", discount_fen=plan.discount_fen,
            lines=[self.s.LineSpec(sku_id=sku.sku_id, quantity=q) for sku, q in plan.lines],
            receiver=self.receiver,
        )
        return self._retrying(lambda: self.s.create_order(spec=spec, actor=self.actor).order.pk)

    def pay(self, order_id: int) -> None:
        self._retrying(lambda: self.s.pay_order(order_id=order_id, actor=self.actor, method="sandbox"))

    def allocate(self, order_id: int) -> None:
        self.s.allocate_order(order_id=order_id, actor=self.actor)

    def ship(self, order_id: int) -> None:
        self.s.ship_order(order_id=order_id, carrier_code="SF", waybill_no=f"SF{order_id:012d}", actor=self.actor)


# --- the baseline: the same rows with plain SQL ----------------------------------------------------

class BaselinePath:
    """Hand-written SQL, one transaction per order and step, writing the rows the services write.

    It knows the SKUs and their stock row ids from setup, so it reads nothing; stock is held by a
    conditional UPDATE (``on_hand - reserved >= q``) exactly like ``reserve_stock``."""

    name = "baseline"

    def __init__(self, actor, store, location, receiver: bool):
        from django.db import connection, transaction

        from huitong.core import crypto

        self.connection, self.transaction = connection, transaction
        self.actor = actor
        self.store_id = store.pk
        self.location_id = location.pk
        self.receiver = receiver
        self.crypto = crypto
        self.seq = 0
        self.orders: dict[int, tuple[str, int, list[tuple[int, int, int]]]] = {}  # id -> number, total, held
        self.audit_rows: list[list] = []
        self.outbox_rows: list[list] = []

    def _now(self):
        from django.utils import timezone

        return self.connection.ops.adapt_datetimefield_value(timezone.now())

    def _audit(self, cur, now, object_type: str, object_id: int, from_state: str, to_state: str, reason: str):
        self.audit_rows.append([self.actor.user_id, self.actor.label, now, object_type, str(object_id), from_state,
                                to_state, reason, "{}"])

    def _outbox(self, cur, now, topic: str, key: str, payload: dict):
        self.outbox_rows.append([topic, key, json.dumps(payload), now, now])

    def _flush(self, cur):
        """A step's audit entries and outbox messages, one multi-row INSERT each at the end of its transaction
        (as the services write them)."""
        if self.audit_rows:
            cur.execute("INSERT INTO core_auditentry (actor_id, actor_label, at, object_type, object_id, from_state,"
                        " to_state, reason, data) VALUES "
                        + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(self.audit_rows)),
                        [v for row in self.audit_rows for v in row])
        if self.outbox_rows:
            cur.execute("INSERT INTO core_outboxmessage (topic, key, payload, status, created_at, available_at,"
                        " locked_until, attempts, delivered_at, last_error) VALUES "
                        + ", ".join(["(%s, %s, %s, 'pending', %s, %s, NULL, 0, NULL, '')"] * len(self.outbox_rows)),
                        [v for row in self.outbox_rows for v in row])
        self.audit_rows, self.outbox_rows = [], []

    def _status(self, cur, now, order_id: int, from_state: str, to_state: str, reason: str, sets: str, params):
        """Move the order (conditional on its current status), audit it, emit the outbox event."""
        cur.execute(f"UPDATE orders_order SET status = %s, {sets}updated_at = %s WHERE id = %s AND status = %s",
                    [to_state, *params, now, order_id, from_state])
        if cur.rowcount != 1:
            raise RuntimeError(f"baseline: order {order_id} is not {from_state}")
        self._audit(cur, now, "orders.order", order_id, from_state, to_state, reason)
        number = self.orders[order_id][0]
        self._outbox(cur, now, "order.status_changed", number,
                     {"order_id": order_id, "number": number, "store_id": self.store_id,
                      "external_id": f"B-{number[1:].lstrip('0')}", "from": from_state, "to": to_state,
                      "reason": reason})

    def _personal(self) -> list[str]:
        if not self.receiver:
            return ["", "", "", "", "", "", ""]
        r, enc = RECEIVER, self.crypto.encrypt
        return [enc(r["name"]), enc(r["phone"]), self.crypto.lookup_hash(r["phone"]), r["province"], r["city"],
                r["district"], enc(r["address"])]

    def create(self, plan: Plan) -> int:
        self.seq += 1
        number = f"B{self.seq:012d}"
        gross = [sku.price_fen * q for sku, q in plan.lines]
        shares = _spread(plan.discount_fen, gross)
        subtotal = sum(gross)
        total = subtotal - plan.discount_fen
        with self.transaction.atomic(), self.connection.cursor() as cur:
            now = self._now()
            cur.execute(
                "INSERT INTO orders_order (number, store_id, external_id, status, currency, subtotal_fen,"
                " discount_fen, shipping_fen, total_fen, paid_fen, buyer_nick, receiver_name, receiver_phone,"
                " receiver_phone_hash, province, city, district, address, buyer_remark, carrier_code, waybill_no,"
                " cancel_reason, placed_at, updated_at, seller_remark, buyer_id, platform_status, hold_reasons,"
                " review_status) VALUES (%s, %s, %s, 'pending_payment', 'CNY', %s, %s, 0,"
                " %s, 0, '', %s, %s, %s, %s, %s, %s, %s, '', '', '', '', %s, %s, '', '', '', '[]', 'unreviewed')"
                " RETURNING id",
                [number, self.store_id, f"B-{self.seq}", subtotal, plan.discount_fen, total, *self._personal(),
                 now, now],
            )
            order_id = cur.fetchone()[0]
            held = []
            for no, (sku, q) in enumerate(plan.lines, start=1):
                cur.execute("UPDATE inventory_stockitem SET reserved = reserved + %s, updated_at = %s"
                            " WHERE id = %s AND on_hand - reserved >= %s", [q, now, sku.stock_item_id, q])
                if cur.rowcount != 1:
                    raise RuntimeError(f"baseline: not enough stock of {sku.code}")
                cur.execute("INSERT INTO inventory_reservation (stock_item_id, reference, quantity, status,"
                            " created_at, closed_at) VALUES (%s, %s, %s, 'active', %s, NULL) RETURNING id",
                            [sku.stock_item_id, f"{number}/{no}", q, now])
                held.append((cur.fetchone()[0], sku.stock_item_id, q))
            rows, params = [], []
            for no, ((sku, q), share, (reservation_id, _item, _q)) in enumerate(
                    zip(plan.lines, shares, held, strict=True), start=1):
                rows.append("(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '', '', '', '')")
                params += [order_id, no, sku.sku_id, sku.code, sku.title, q, sku.price_fen, share,
                           sku.price_fen * q - share, self.location_id, reservation_id]
            cur.execute("INSERT INTO orders_orderline (order_id, line_no, sku_id, sku_code, title, quantity,"
                        " unit_price_fen, discount_fen, amount_fen, location_id, reservation_id, platform_line_id,"
                        " platform_item_id, platform_sku_id, merchant_code) VALUES "
                        + ", ".join(rows), params)
            self._outbox(cur, now, "inventory.stock_changed", "", {"sku_ids": sorted({s.sku_id for s, _ in plan.lines})})
            self._audit(cur, now, "orders.order", order_id, "", "pending_payment", "created")
            self._outbox(cur, now, "order.created", number,
                         {"order_id": order_id, "number": number, "store_id": self.store_id})
            self._flush(cur)
        self.orders[order_id] = (number, total, held)
        return order_id

    def pay(self, order_id: int) -> None:
        number, total, _held = self.orders[order_id]
        with self.transaction.atomic(), self.connection.cursor() as cur:
            now = self._now()
            cur.execute(
                "INSERT INTO payments_payment (reference, method, status, amount_fen, refunded_fen, currency,"
                " out_trade_no, gateway_trade_no, created_at, paid_at, created_by_id, terminal_ref, card_last4,"
                " wallet, gift_card_no, pay_url, qr_code, subject) VALUES (%s, 'sandbox',"
                " 'paid', %s, 0, 'CNY', %s, %s, %s, %s, NULL, '', '', '', '', '', '', '') RETURNING id",
                [number, total, f"BP{order_id:012d}", f"SBXB{order_id:012d}", now, now],
            )
            payment_id = cur.fetchone()[0]
            self._audit(cur, now, "payments.payment", payment_id, "created", "paid", "settled")
            # auto-review passes (no rules configured): the order is approved with its payment, and that is audited
            self._status(cur, now, order_id, "pending_payment", "paid", "paid by sandbox",
                         "paid_fen = %s, paid_at = %s, review_status = 'approved', reviewed_at = %s,"
                         " review_due_at = NULL, ", [total, now, now])
            self._audit(cur, now, "orders.orderreview", order_id, "unreviewed", "approved", "auto-review passed")
            self._flush(cur)

    def allocate(self, order_id: int) -> None:
        with self.transaction.atomic(), self.connection.cursor() as cur:
            now = self._now()
            self._status(cur, now, order_id, "paid", "allocated", "allocated", "allocated_at = %s, ", [now])
            self._flush(cur)

    def ship(self, order_id: int) -> None:
        number, _total, held = self.orders[order_id]
        with self.transaction.atomic(), self.connection.cursor() as cur:
            now = self._now()
            for reservation_id, item_id, q in sorted(held):
                cur.execute("UPDATE inventory_reservation SET status = 'shipped', closed_at = %s"
                            " WHERE id = %s AND status = 'active'", [now, reservation_id])
                if cur.rowcount != 1:
                    raise RuntimeError(f"baseline: reservation {reservation_id} is not active")
                cur.execute("UPDATE inventory_stockitem SET on_hand = on_hand - %s, reserved = reserved - %s,"
                            " updated_at = %s WHERE id = %s", [q, q, now, item_id])
                cur.execute("INSERT INTO inventory_stockmovement (stock_item_id, kind, quantity, reference, reason,"
                            " actor_id, actor_label, created_at) VALUES (%s, 'ship', %s, %s, '', %s, %s, %s)",
                            [item_id, -q, number, self.actor.user_id, self.actor.label, now])
            self._outbox(cur, now, "inventory.stock_changed", "", {"sku_ids": sorted({i for _r, i, _q in held})})
            waybill = f"SF{order_id:012d}"
            self._status(cur, now, order_id, "allocated", "shipped", f"SF {waybill}",
                         "carrier_code = %s, waybill_no = %s, shipped_at = %s, ", ["SF", waybill, now])
            self._flush(cur)


def _spread(discount: int, gross: list[int]) -> list[int]:
    """Largest remainder, like huitong.core.money.allocate_fen (re-implemented: the baseline is plain code)."""
    whole = sum(gross)
    parts = [discount * g // whole for g in gross]
    rest = [(discount * g) % whole for g in gross]
    for i in sorted(range(len(gross)), key=lambda i: (-rest[i], i))[: discount - sum(parts)]:
        parts[i] += 1
    return parts


# --- measuring -------------------------------------------------------------------------------------

def run_lifecycle(path, plans: list[Plan], timings: dict[str, float] | None = None) -> list[int]:
    """create all, pay all, allocate all, ship all; adds each phase's wall time to ``timings``."""
    clock = time.perf_counter
    t = clock()
    ids = [path.create(plan) for plan in plans]
    marks = [clock()]
    for phase in PHASES[1:]:
        step = getattr(path, phase)
        for order_id in ids:
            step(order_id)
        marks.append(clock())
    if timings is not None:
        for phase, start, end in zip(PHASES, [t, *marks[:-1]], marks, strict=True):
            timings[phase] += end - start
    return ids


def _kind(sql: str) -> str:
    word = sql.lstrip().split(None, 1)[0].upper()
    return {"RELEASE": "SAVEPOINT"}.get(word, word)


def count_queries(path, plan: Plan) -> tuple[dict[str, int], dict[str, int], list[str]]:
    """Statements per phase for one order's whole lifecycle (BEGIN/COMMIT are not captured by Django)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    per_phase, kinds, sqls = {}, Counter(), []
    order_id = None
    for phase in PHASES:
        with CaptureQueriesContext(connection) as ctx:
            if phase == "create":
                order_id = path.create(plan)
            else:
                getattr(path, phase)(order_id)
        per_phase[phase] = len(ctx.captured_queries)
        for q in ctx.captured_queries:
            kinds[_kind(q["sql"])] += 1
            sqls.append(f"{phase}: {q['sql'][:160]}")
    per_phase["total"] = sum(per_phase[p] for p in PHASES)
    return per_phase, dict(kinds.most_common()), sqls


def table_counts() -> dict[str, int]:
    return harness.table_counts(TABLES)


def rows_written(path, plan: Plan) -> dict[str, int]:
    before = table_counts()
    run_lifecycle(path, [plan])
    after = table_counts()
    return {t: after[t] - before[t] for t in TABLES}


def db_share(path, plans: list[Plan]) -> float:
    """Fraction of wall time spent inside the database driver's execute (untimed pass)."""
    from django.db import connection

    spent = [0.0]

    def wrapper(execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[0] += time.perf_counter() - t

    start = time.perf_counter()
    with connection.execute_wrapper(wrapper):
        run_lifecycle(path, plans)
    return spent[0] / (time.perf_counter() - start)


def profile_service(path, plans: list[Plan]) -> None:
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    run_lifecycle(path, plans)
    prof.disable()
    if os.environ.get("HUITONG_BENCH_PROFILE_DUMP"):
        prof.dump_stats(os.environ["HUITONG_BENCH_PROFILE_DUMP"])
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).strip_dirs().sort_stats(key).print_stats(30)
        print(f"\n=== service path profile, {len(plans)} orders, sorted by {key} ===\n{out.getvalue()}",
              file=sys.stderr)


def check_correctness(service_ids: list[int], baseline_ids: list[int], skus: list[SkuInfo]) -> list[str]:
    from django.db.models import Sum

    from huitong.inventory.models import StockItem, StockMovement
    from huitong.inventory.selectors import ledger_discrepancies
    from huitong.orders.models import Order

    problems = []
    bad = ledger_discrepancies()
    if bad:
        problems.append(f"ledger_discrepancies: {bad[:5]}")
    not_shipped = Order.objects.filter(pk__in=service_ids + baseline_ids).exclude(status="shipped").count()
    if not_shipped:
        problems.append(f"{not_shipped} timed orders are not shipped")
    reserved = StockItem.objects.aggregate(s=Sum("reserved"))["s"]
    if reserved:
        problems.append(f"{reserved} units still reserved after every order shipped")
    shipped = -(StockMovement.objects.filter(kind="ship").aggregate(s=Sum("quantity"))["s"] or 0)
    on_hand = StockItem.objects.aggregate(s=Sum("on_hand"))["s"]
    if on_hand + shipped != STOCK_PER_SKU * len(skus):
        problems.append(f"on hand {on_hand} + shipped {shipped} != received {STOCK_PER_SKU * len(skus)}")
    return problems


def child(args: argparse.Namespace) -> int:
    server = configure(args.db)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    actor, store, location, skus = setup_business(args.skus)
    if args.no_sync_commit and args.db == "postgres":
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SET synchronous_commit TO off")
        server += ", synchronous_commit=off"
    rng = random.Random(20261126)
    service = ServicePath(actor, store, args.receiver)
    baseline = BaselinePath(actor, store, location, args.receiver)

    for path in (service, baseline):  # warm-up: connections, statement caches, imports
        run_lifecycle(path, make_plans(args.warmup, skus, rng))

    n, rounds = args.orders, max(1, min(args.rounds, args.orders))
    plans = make_plans(n, skus, rng)
    bounds = [round(i * n / rounds) for i in range(rounds + 1)]
    timings = {p.name: dict.fromkeys(PHASES, 0.0) for p in (service, baseline)}
    ids = {"service": [], "baseline": []}
    for r in range(rounds):
        chunk = plans[bounds[r]:bounds[r + 1]]
        order = (service, baseline) if r % 4 in (0, 3) else (baseline, service)  # ABBA
        for path in order:
            ids[path.name] += run_lifecycle(path, chunk, timings[path.name])

    probe = make_plans(1, skus, rng)[0]
    queries, kinds, sqls = {}, {}, {}
    for path in (service, baseline):
        queries[path.name], kinds[path.name], sqls[path.name] = count_queries(path, probe)
    rows = {path.name: rows_written(path, probe) for path in (service, baseline)}
    sample = make_plans(min(n, 100), skus, rng)
    share = {path.name: db_share(path, sample) for path in (service, baseline)}
    if args.profile:
        print("\n".join(sqls["service"]), file=sys.stderr)
        profile_service(service, make_plans(min(n, 200), skus, rng))

    problems = check_correctness(ids["service"], ids["baseline"], skus)
    if rows["service"] != rows["baseline"]:
        problems.append(f"rows per order differ: service {rows['service']} baseline {rows['baseline']}")
    result = {"db": args.db, "label": "SQLite" if args.db == "sqlite" else "PostgreSQL", "server": server,
              "n": n, "skus": len(skus), "receiver": args.receiver, "rounds": rounds}
    for name, phase_times in timings.items():
        total = sum(phase_times.values())
        result[name] = {"seconds": total, "orders_per_s": n / total,
                        "ms_per_order": {p: 1000 * phase_times[p] / n for p in PHASES}}
    result["ratio"] = result["service"]["seconds"] / result["baseline"]["seconds"]
    result["goal"] = "PASS" if result["ratio"] <= GOAL_RATIO else "FAIL"
    result |= {"queries_per_order": queries, "query_kinds": kinds, "rows_per_order": rows, "db_share": share,
               "correct": not problems, "problems": problems, "collisions": dict(service.collisions)}
    print(RESULT_MARK + json.dumps(result, ensure_ascii=False), flush=True)
    return 0 if not problems else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        if args.db == "both":
            raise SystemExit("--child needs --db sqlite or --db postgres")
        return child(args)
    return parent(args)


if __name__ == "__main__":
    sys.exit(main())
