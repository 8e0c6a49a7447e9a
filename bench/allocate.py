#!/usr/bin/env python
"""Review and allocation throughput (审单 + 分仓): the services against a plain-SQL baseline doing the same row work.

    .venv/bin/python bench/allocate.py [--orders 10000] [--db postgres|sqlite|both] [--skus 60] [--json]

Each database runs in its own child process (Django settings are configured once per process): the parent
re-invokes this file with ``--child --db <db>``, reads one ``BENCH-RESULT {json}`` line and prints the
table. A child builds a throwaway database (PostgreSQL: ``huitong_bench_allocate`` dropped and created
fresh; SQLite: a file in a temp dir), migrates it and sets up through the services: a store fulfilled by
5 warehouses in 5 provinces (each SKU stocked at 3 of them), review rules (buyer remark, large amount,
incomplete address, blacklisted phone, a "顺丰" keyword that sets the carrier) and the default strategies
(single location, nearest, priority, split). It then inserts 2 × N paid, unreviewed orders without
reservations (1–3 lines, receivers in 9 cities, some with remarks, missing addresses or a blacklisted
phone): N for each path, made from the same N plans, so each service order has a baseline twin.

Timed, per order, one transaction per step:

* service:  ``review.review_order`` then, if approved, ``allocation.allocate``;
* baseline: plain SQL on ``django.db.connection.cursor()``: lock the order, evaluate the same rules in
  Python on what it already knows, write the review (order row + audit entry); then lock the order, read
  the stock rows of its SKUs at the 5 warehouses, plan (single location first, nearest then priority,
  split when needed), hold stock by conditional ``UPDATE … WHERE on_hand - reserved >= q``, insert the
  reservations, point the lines at them, move the order to allocated, audit it and write the two outbox
  messages (stock changed, status changed).

Service and baseline alternate in chunks (ABBA) on the same stock rows. Afterwards: the inventory
invariants (``ledger_discrepancies() == []``), every twin pair ends identical (review status, reasons,
carrier, order status, each line's warehouse), and both paths wrote the same rows per order.
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
sys.path.insert(0, str(ROOT))
PG_SERVER = harness.PG_SERVER
PG_DB = "huitong_bench_allocate"
RESULT_MARK = harness.RESULT_MARK
PHASES = ("review", "allocate")
STOCK = 1_000_000
LOCATIONS = [("BA-HZ", "杭州仓", "浙江省", "杭州市"), ("BA-SH", "上海仓", "上海市", "上海市"),
             ("BA-GZ", "广州仓", "广东省", "广州市"), ("BA-CD", "成都仓", "四川省", "成都市"),
             ("BA-BJ", "北京仓", "北京市", "北京市")]
REGIONS = [("浙江省", "杭州市", "西湖区"), ("浙江省", "宁波市", "鄞州区"), ("上海市", "上海市", "浦东新区"),
           ("广东省", "广州市", "天河区"), ("广东省", "深圳市", "南山区"), ("四川省", "成都市", "武侯区"),
           ("北京市", "北京市", "朝阳区"), ("湖北省", "武汉市", "洪山区"), ("江苏省", "南京市", "玄武区")]
BLACK_PHONE = "13000000000"
LARGE_FEN = 250_000
REMARKS = ["请发顺丰", "周末送货", "不要放发票", "礼物包装"]
TABLES = ("inventory_reservation", "core_auditentry", "core_outboxmessage")


# --- parent ---------------------------------------------------------------------------------------------

def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--orders", type=int, default=10_000, help="orders per path (default 10000)")
    p.add_argument("--db", choices=("sqlite", "postgres", "both"), default="postgres")
    p.add_argument("--skus", type=int, default=60, help="SKUs (default 60)")
    p.add_argument("--rounds", type=int, default=10, help="service/baseline alternations (default 10)")
    p.add_argument("--seed", type=int, default=20261126)
    p.add_argument("--json", action="store_true", help="also print each child's raw result")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.orders < 20 or args.skus < 5:
        p.error("--orders must be >= 20 and --skus >= 5")
    return args


def run_child(db: str, args) -> dict:
    print(f"[{db}] {args.orders} orders per path ...", file=sys.stderr, flush=True)
    return harness.run_child(__file__, db, ["--orders", str(args.orders), "--skus", str(args.skus),
                                            "--rounds", str(args.rounds), "--seed", str(args.seed)])


def print_table(results: list[dict]) -> None:
    header = (f"{'database':<11} {'N':>6} {'service o/s':>12} {'baseline o/s':>13} {'ratio':>7} "
              f"{'queries/order':>14} {'invariants':>11}")
    print(header)
    print("-" * len(header))
    for r in results:
        if "error" in r:
            print(f"{r['db']:<11} error: {r['error']}")
            continue
        q = r["queries_per_order"]["service"]
        print(f"{r['db']:<11} {r['n']:>6} {r['service']['orders_per_s']:>12.1f} {r['baseline']['orders_per_s']:>13.1f}"
              f" {r['ratio']:>6.2f}× {q['review'] + q['allocate']:>14} {'ok' if r['correct'] else 'BROKEN':>11}")
    for r in results:
        if "error" in r:
            continue
        print(f"\n{r['db']} ({r['server']}): ms per order (service / baseline / ratio), statements per order")
        for phase in PHASES:
            s, b = r["service"]["ms_per_order"][phase], r["baseline"]["ms_per_order"][phase]
            qs, qb = r["queries_per_order"]["service"][phase], r["queries_per_order"]["baseline"][phase]
            print(f"  {phase:<9} {s:7.2f} / {b:6.2f} / {s / b:5.2f}×   statements {qs:>3} / {qb:>3}")
        print(f"  outcomes per path: {r['outcomes']}")
        rows_s, rows_b = r["rows_per_order"]["service"], r["rows_per_order"]["baseline"]
        print(f"  rows written per order ({'same' if rows_s == rows_b else 'DIFFERENT'}): "
              + ", ".join(f"{t} {rows_s[t]:.2f}" + ("" if rows_s[t] == rows_b[t] else f"≠{rows_b[t]:.2f}")
                          for t in TABLES))
        if not r["correct"]:
            print(f"  CORRECTNESS PROBLEMS: {r['problems'][:10]}")


def parent(args) -> int:
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = [run_child(db, args) for db in dbs]
    if args.json:
        for r in results:
            print(json.dumps(r, ensure_ascii=False))
    print(f"\ncode: {harness.code_state()}; python {sys.version.split()[0]}; {os.cpu_count()} CPUs\n")
    print_table(results)
    return 1 if any("error" in r or not r["correct"] for r in results) else 0


# --- child: a throwaway database and the business -----------------------------------------------------

def configure(db: str) -> str:
    return harness.configure(db, name="allocate", pg_db=PG_DB)


@dataclass(frozen=True)
class Sku:
    pk: int
    code: str
    price_fen: int


@dataclass(frozen=True)
class OrderPlan:
    lines: tuple[tuple[int, int], ...]  # (SKU index, quantity)
    region: int
    remark: str
    address: str
    phone: str


@dataclass
class Business:
    actor: object
    store_id: int
    locations: list[int]  # in store priority order
    skus: list[Sku]
    stocked: dict[tuple[int, int], int]  # (sku id, location id) → stock item id


def setup_business(n_skus: int) -> Business:
    from huitong.catalog import services as catalog
    from huitong.channels import services as channels
    from huitong.core.actors import Actor
    from huitong.inventory import services as inventory
    from huitong.inventory.models import StockItem
    from huitong.orders import review_setup
    from huitong.orders import services as orders

    actor = Actor.system("bench")
    store = channels.create_store(code="BENCH-ALLOC", name="分仓压测店", platform="taobao")
    locations = [inventory.create_location(code=c, name=n, kind="warehouse", province=p, city=ci, priority=i)
                 for i, (c, n, p, ci) in enumerate(LOCATIONS)]
    orders.set_fulfillment_locations(store_id=store.pk, location_ids=[loc.pk for loc in locations])
    specs = [catalog.SkuSpec(code=f"BA-{i:03d}", price_fen=1990 + 731 * i, attributes={"规格": f"{i}"})
             for i in range(n_skus)]
    product = catalog.create_product(spu_code="BA-SPU", name="分仓压测茶", skus=specs, actor=actor)
    skus = [Sku(s.pk, s.code, s.price_fen) for s in product.skus.order_by("id")]
    for i, sku in enumerate(skus):
        for j, loc in enumerate(locations):
            if (i + j) % 5 in (0, 1, 2):
                inventory.receive_stock(sku_id=sku.pk, location_id=loc.pk, quantity=STOCK, reference="BENCH",
                                        actor=actor)
    rule = review_setup.RuleSpec
    for spec in (rule(name="有买家留言", kind="buyer_remark"),
                 rule(name="大额订单", kind="amount_range", min_value=LARGE_FEN),
                 rule(name="地址不完整", kind="address_incomplete"),
                 rule(name="黑名单", kind="blacklisted"),
                 rule(name="顺丰", kind="remark_keyword", keywords=["顺丰"], action="set_carrier",
                      carrier_code="SF")):
        review_setup.create_review_rule(spec=spec, actor=actor)
    review_setup.add_blacklist_entry(kind="phone", value=BLACK_PHONE, actor=actor)
    stocked = {(sku, loc): pk for pk, sku, loc in StockItem.objects.values_list("pk", "sku_id", "location_id")}
    return Business(actor, store.pk, [loc.pk for loc in locations], skus, stocked)


def make_plans(count: int, n_skus: int, rng: random.Random) -> list[OrderPlan]:
    plans = []
    for _ in range(count):
        picked = rng.sample(range(n_skus), rng.choice((1, 1, 2, 2, 3)))
        roll = rng.random()
        plans.append(OrderPlan(
            lines=tuple((i, rng.randint(1, 3)) for i in picked), region=rng.randrange(len(REGIONS)),
            remark=rng.choice(REMARKS) if roll < 0.05 else "",
            address="" if 0.05 <= roll < 0.07 else f"幸福路 {rng.randint(1, 999)} 号",
            phone=BLACK_PHONE if 0.07 <= roll < 0.08 else f"139{rng.randint(0, 99_999_999):08d}"))
    return plans


def insert_orders(biz: Business, plans: list[OrderPlan], prefix: str) -> list[int]:
    """Paid, unreviewed orders without reservations (untimed setup, bulk)."""
    from datetime import timedelta

    from django.utils import timezone

    from huitong.core import crypto
    from huitong.orders.models import Order, OrderLine

    paid_at = timezone.now() - timedelta(hours=1)
    orders, lines = [], []
    for n, plan in enumerate(plans):
        province, city, district = REGIONS[plan.region]
        total = sum(biz.skus[i].price_fen * q for i, q in plan.lines)
        orders.append(Order(
            number=f"{prefix}{n:012d}", store_id=biz.store_id, external_id=f"{prefix}-{n}", status="paid",
            subtotal_fen=total, total_fen=total, paid_fen=total, buyer_nick=f"{prefix}buyer{n}",
            receiver_name="买家", receiver_phone=plan.phone, receiver_phone_hash=crypto.lookup_hash(plan.phone),
            province=province, city=city, district=district, address=plan.address, buyer_remark=plan.remark,
            placed_at=paid_at, paid_at=paid_at))
    for chunk in range(0, len(orders), 1000):
        Order.objects.bulk_create(orders[chunk:chunk + 1000])
    for order, plan in zip(orders, plans, strict=True):
        for no, (i, q) in enumerate(plan.lines, start=1):
            sku = biz.skus[i]
            lines.append(OrderLine(order=order, line_no=no, sku_id=sku.pk, sku_code=sku.code, title=sku.code,
                                   quantity=q, unit_price_fen=sku.price_fen, amount_fen=sku.price_fen * q))
    OrderLine.objects.bulk_create(lines, batch_size=2000)
    return [o.pk for o in orders]


# --- the two paths ----------------------------------------------------------------------------------

class ServicePath:
    name = "service"

    def __init__(self, biz: Business):
        from huitong.orders import allocation, review

        self.review, self.allocation, self.actor = review, allocation, biz.actor

    def review_one(self, order_id: int, plan: OrderPlan) -> bool:
        return self.review.review_order(order_id=order_id, actor=self.actor).review_status == "approved"

    def allocate_one(self, order_id: int, plan: OrderPlan) -> None:
        self.allocation.allocate(order_id=order_id, actor=self.actor)


class BaselinePath:
    """Plain SQL. It knows each order's plan (SKUs, receiver, remark) and the rules from setup, so it reads
    only what changes under it: the stock rows."""

    name = "baseline"

    def __init__(self, biz: Business, numbers: dict[int, str]):
        from django.db import connection, transaction
        from django.utils import timezone

        self.connection, self.transaction, self.timezone = connection, transaction, timezone
        self.biz, self.numbers = biz, numbers
        self.lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
        self.jsonb = "::jsonb" if connection.vendor == "postgresql" else ""
        coords = [(p, c) for _code, _name, p, c in LOCATIONS]
        self.ranked = {}
        for region, (province, city, _district) in enumerate(REGIONS):
            def key(i, province=province, city=city):
                p, c = coords[i]
                return (0 if (p, c) == (province, city) else 1 if p == province else 2, i)
            self.ranked[region] = [biz.locations[i] for i in sorted(range(len(coords)), key=key)]

    def _now(self):
        return self.connection.ops.adapt_datetimefield_value(self.timezone.now())

    def _audit(self, cur, now, object_type, object_id, from_state, to_state, reason, data):
        cur.execute("INSERT INTO core_auditentry (actor_id, actor_label, at, object_type, object_id, from_state,"
                    f" to_state, reason, data) VALUES (NULL, %s, %s, %s, %s, %s, %s, %s, %s{self.jsonb})",
                    [self.biz.actor.label, now, object_type, str(object_id), from_state, to_state, reason,
                     json.dumps(data)])

    def _outbox(self, cur, now, topic, key, payload):
        cur.execute("INSERT INTO core_outboxmessage (topic, key, payload, status, created_at, available_at,"
                    f" locked_until, attempts, delivered_at, last_error) VALUES (%s, %s, %s{self.jsonb}, 'pending',"
                    " %s, %s, NULL, 0, NULL, '')", [topic, key, json.dumps(payload), now, now])

    def _reasons(self, plan: OrderPlan) -> tuple[list[dict], str]:
        reasons, carrier = [], ""
        total = sum(self.biz.skus[i].price_fen * q for i, q in plan.lines)
        if plan.remark:
            reasons.append({"code": "buyer_remark", "message": f"有买家留言: 买家留言: {plan.remark}", "rule_id": 1})
        if total >= LARGE_FEN:
            reasons.append({"code": "amount_range", "message": f"大额订单: 应付 ¥{total / 100:,.2f}", "rule_id": 2})
        if not plan.address:
            reasons.append({"code": "address_incomplete", "message": "地址不完整: 详细地址不完整", "rule_id": 3})
        if plan.phone == BLACK_PHONE:
            reasons.append({"code": "blacklisted", "message": "黑名单: 命中黑名单: 手机号", "rule_id": 4})
        if "顺丰" in plan.remark:
            carrier = "SF"
        return reasons, carrier

    def review_one(self, order_id: int, plan: OrderPlan) -> bool:
        reasons, carrier = self._reasons(plan)
        target = "held" if reasons else "approved"
        with self.transaction.atomic(), self.connection.cursor() as cur:
            now = self._now()
            cur.execute(f"SELECT id FROM orders_order WHERE id = %s{self.lock}", [order_id])
            cur.execute(f"UPDATE orders_order SET review_status = %s, hold_reasons = %s{self.jsonb}, reviewed_at = %s,"
                        " review_due_at = NULL, carrier_code = %s, updated_at = %s WHERE id = %s"
                        " AND review_status = 'unreviewed'", [target, json.dumps(reasons), now, carrier, now, order_id])
            if cur.rowcount != 1:
                raise RuntimeError(f"baseline: order {order_id} is not unreviewed")
            self._audit(cur, now, "orders.orderreview", order_id, "unreviewed", target, "auto review",
                        {"codes": [r["code"] for r in reasons]})
        return not reasons

    def _plan(self, lines, ranked, free) -> tuple[dict[int, int], str]:
        need = Counter()
        for _no, sku, q in lines:
            need[sku] += q
        for loc in ranked:
            if all(free.get((sku, loc), 0) >= q for sku, q in need.items()):
                return {no: loc for no, _sku, _q in lines}, "single_location"
        placed = {}
        for no, sku, q in sorted(lines, key=lambda t: (t[1], t[0])):
            loc = next(loc for loc in ranked if free.get((sku, loc), 0) >= q)
            free[(sku, loc)] -= q
            placed[no] = loc
        return placed, "split"

    def allocate_one(self, order_id: int, plan: OrderPlan) -> None:
        number = self.numbers[order_id]
        lines = [(no, self.biz.skus[i].pk, q) for no, (i, q) in enumerate(plan.lines, start=1)]
        ranked = self.ranked[plan.region]
        sku_ids = sorted({sku for _no, sku, _q in lines})
        with self.transaction.atomic(), self.connection.cursor() as cur:
            now = self._now()
            cur.execute(f"SELECT id FROM orders_order WHERE id = %s{self.lock}", [order_id])
            marks = ", ".join(["%s"] * len(sku_ids))
            cur.execute(f"SELECT sku_id, location_id, on_hand - reserved FROM inventory_stockitem WHERE sku_id IN"
                        f" ({marks}) AND location_id IN ({', '.join(['%s'] * len(ranked))})", [*sku_ids, *ranked])
            free = {(sku, loc): available for sku, loc, available in cur.fetchall()}
            placed, strategy = self._plan(lines, ranked, free)
            holds = sorted(((sku, no, q, self.biz.stocked[(sku, placed[no])]) for no, sku, q in lines))
            for _sku, _no, q, item in holds:
                cur.execute("UPDATE inventory_stockitem SET reserved = reserved + %s, updated_at = %s"
                            " WHERE id = %s AND on_hand - reserved >= %s", [q, now, item, q])
                if cur.rowcount != 1:
                    raise RuntimeError("baseline: stock taken")
            rows = ", ".join(["(%s, %s, %s, 'active', %s, NULL)"] * len(holds))
            cur.execute("INSERT INTO inventory_reservation (stock_item_id, reference, quantity, status, created_at,"
                        f" closed_at) VALUES {rows} RETURNING id",
                        [v for _sku, no, q, item in holds for v in (item, f"{number}/{no}/b", q, now)])
            reservation_ids = [row[0] for row in cur.fetchall()]
            cases_loc = " ".join(["WHEN %s THEN %s"] * len(holds))
            params = [v for (_sku, no, _q, _item) in holds for v in (no, placed[no])]
            params += [v for (_sku, no, _q, _item), rid in zip(holds, reservation_ids, strict=True) for v in (no, rid)]
            cur.execute(f"UPDATE orders_orderline SET location_id = CASE line_no {cases_loc} END, reservation_id ="
                        f" CASE line_no {cases_loc} END WHERE order_id = %s", [*params, order_id])
            self._outbox(cur, now, "inventory.stock_changed", "", {"sku_ids": sku_ids})
            cur.execute("UPDATE orders_order SET status = 'allocated', allocated_at = %s, hold_reasons ="
                        f" %s{self.jsonb}, updated_at = %s WHERE id = %s AND status = 'paid'", [now, "[]", now, order_id])
            if cur.rowcount != 1:
                raise RuntimeError(f"baseline: order {order_id} is not paid")
            locations = ", ".join(map(str, sorted(set(placed.values()))))
            reason = f"allocated ({strategy}) to {locations}"
            self._audit(cur, now, "orders.order", order_id, "paid", "allocated", reason, {})
            self._outbox(cur, now, "order.status_changed", number,
                         {"order_id": order_id, "number": number, "store_id": self.biz.store_id,
                          "external_id": f"B-{order_id}", "from": "paid", "to": "allocated", "reason": reason})


# --- measuring -------------------------------------------------------------------------------------

def table_counts() -> dict[str, int]:
    return harness.table_counts(TABLES)


def run_chunk(path, items, timings, rows) -> None:
    before = table_counts()
    clock = time.perf_counter
    start = clock()
    approved = [(oid, plan) for oid, plan in items if path.review_one(oid, plan)]
    middle = clock()
    for oid, plan in approved:
        path.allocate_one(oid, plan)
    timings["review"] += middle - start
    timings["allocate"] += clock() - middle
    after = table_counts()
    for table in TABLES:
        rows[table] += after[table] - before[table]


def count_queries(path, items) -> dict[str, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {"review": 0, "allocate": 0}
    with CaptureQueriesContext(connection) as ctx:
        approved = [(oid, plan) for oid, plan in items if path.review_one(oid, plan)]
    counts["review"] = len(ctx.captured_queries) / len(items)
    with CaptureQueriesContext(connection) as ctx:
        for oid, plan in approved:
            path.allocate_one(oid, plan)
    counts["allocate"] = len(ctx.captured_queries) / max(len(approved), 1)
    return {k: round(v, 1) for k, v in counts.items()}


def outcome(order) -> tuple:
    return (order.status, order.review_status, sorted(h["code"] for h in order.hold_reasons), order.carrier_code,
            tuple(line.location_id for line in order.lines.all()))


def check(biz, pairs) -> tuple[list[str], dict]:
    from huitong.inventory.selectors import ledger_discrepancies
    from huitong.orders.models import Order

    problems = [f"ledger: {d}" for d in ledger_discrepancies()[:5]]
    ids = [i for pair in pairs for i in pair]
    orders = {o.pk: o for o in Order.objects.filter(pk__in=ids).prefetch_related("lines")}
    summary = Counter()
    for service_id, baseline_id in pairs:
        s, b = outcome(orders[service_id]), outcome(orders[baseline_id])
        if s != b:
            problems.append(f"twins differ: {service_id} {s} / {baseline_id} {b}")
        summary[s[0] if s[1] == "approved" else "held"] += 1
        summary["split"] += len(set(s[4])) > 1 and s[0] == "allocated"
        summary["not reviewed"] += s[1] == "unreviewed"
    if summary["not reviewed"]:
        problems.append(f"{summary['not reviewed']} orders not reviewed")
    return problems, dict(summary)


def child(args) -> int:
    server = configure(args.db)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    biz = setup_business(args.skus)
    rng = random.Random(args.seed)
    plans = make_plans(args.orders + 40, args.skus, rng)
    service_ids = insert_orders(biz, plans, "S")
    baseline_ids = insert_orders(biz, plans, "B")
    numbers = {oid: f"B{n:012d}" for n, oid in enumerate(baseline_ids)}
    paths = {"service": ServicePath(biz), "baseline": BaselinePath(biz, numbers)}
    ids = {"service": service_ids, "baseline": baseline_ids}
    # 20 orders per path for statement counts, 20 for warm-up; the rest are timed.
    queries = {name: count_queries(path, list(zip(ids[name][:20], plans[:20], strict=True)))
               for name, path in paths.items()}
    for name, path in paths.items():
        run_chunk(path, list(zip(ids[name][20:40], plans[20:40], strict=True)), Counter(), Counter())
    timed = list(range(40, len(plans)))
    chunks = [timed[i::args.rounds] for i in range(args.rounds)]
    timings = {name: Counter() for name in paths}
    rows = {name: Counter() for name in paths}
    for index, chunk in enumerate(chunks):
        order = ("service", "baseline") if index % 4 in (0, 3) else ("baseline", "service")
        for name in order:
            run_chunk(paths[name], [(ids[name][i], plans[i]) for i in chunk], timings[name], rows[name])
    problems, outcomes = check(biz, list(zip(service_ids, baseline_ids, strict=True)))
    n = len(timed)
    result = {"db": args.db, "server": server, "n": n, "queries_per_order": queries, "outcomes": outcomes}
    for name, phase_times in timings.items():
        total = sum(phase_times.values())
        result[name] = {"seconds": total, "orders_per_s": n / total,
                        "ms_per_order": {p: 1000 * phase_times[p] / n for p in PHASES}}
    result["ratio"] = result["service"]["seconds"] / result["baseline"]["seconds"]
    result["rows_per_order"] = {name: {t: round(rows[name][t] / n, 3) for t in TABLES} for name in paths}
    if result["rows_per_order"]["service"] != result["rows_per_order"]["baseline"]:
        problems.append("the paths wrote different rows")
    result |= {"correct": not problems, "problems": problems}
    print(RESULT_MARK + json.dumps(result, ensure_ascii=False), flush=True)
    return 0 if not problems else 1


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.child:
        if args.db == "both":
            raise SystemExit("--child needs --db sqlite or --db postgres")
        return child(args)
    return parent(args)


if __name__ == "__main__":
    sys.exit(main())
