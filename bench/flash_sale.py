#!/usr/bin/env python
"""Flash sale (秒杀) over HTTP: many concurrent buyers against a few units, with Redis and without.

    .venv/bin/python bench/flash_sale.py [--attempts 10000] [--units 100] [--buyers 2000] [--clients 32]
                                         [--workers 4] [--threads 8] [--redis-url redis://127.0.0.1:6379/5]

Builds a throwaway PostgreSQL database (``huitong_bench_flash``, dropped and created), migrates it and
sets up through the services a web-mall store, one warehouse, one SKU and ``--buyers`` members with
storefront tokens. Then, once per path, it starts a sale of ``--units`` units with a per-buyer limit of
1 and serves the app with gunicorn (``--workers`` processes × ``--threads`` threads, gthread), the
Redis run with REDIS_URL set and the database run without it (the same API then takes the database
path). ``--clients`` threads, each with one keep-alive HTTP connection, send ``--attempts`` purchase
requests (POST /api/store/v1/flash-sales/{id}/purchase) spread over the buyers, timing each one.

Per path it prints attempts per second and p50/p99 latency, and asserts: exactly ``--units`` orders,
no buyer with more than one, every other answer a 409 sold_out/limit_reached, stock and reservations
exact. In the same run, a baseline per path with the same number of attempts: the bare Redis Lua
decrement loop (one client, EVALSHA of a check-and-decrement script) and the bare conditional-UPDATE
loop on PostgreSQL (one connection, autocommit ``UPDATE … SET remaining = remaining - 1 WHERE
remaining >= 1``); each path's ratio to its baseline is printed (how much of the bare counter's rate
survives HTTP, authentication, the sale checks and, for the winners, the order).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import harness  # bench/harness.py: this file runs as a script from bench/

ROOT = harness.ROOT
PG_DB = "huitong_bench_flash"
RESULT_MARK = harness.RESULT_MARK
RECEIVER = {
    "name": "压测买家",
    "phone": "13800000000",
    "province": "浙江省",
    "city": "杭州市",
    "address": "西湖区文三路 1 号",
}
BASELINE_LUA = """
local left = tonumber(redis.call('GET', KEYS[1]) or '0')
if left < 1 then return 0 end
redis.call('DECR', KEYS[1])
return 1
"""


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--attempts", type=int, default=10_000)
    p.add_argument("--units", type=int, default=100)
    p.add_argument("--buyers", type=int, default=2_000)
    p.add_argument("--clients", type=int, default=32, help="concurrent HTTP clients (threads)")
    p.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    p.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    p.add_argument("--port", type=int, default=18765)
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    p.add_argument("--paths", default="redis,db", help="comma-separated: redis, db")
    return p.parse_args(argv)


# --- setup ----------------------------------------------------------------------------------------


def setup_django(redis_url: str) -> str:
    label = harness.configure("postgres", name="flash", pg_db=PG_DB)
    os.environ["REDIS_URL"] = redis_url  # this process: loads the sale's keys at start, runs the Lua baseline
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return label


def seed(n_buyers: int, units: int, n_paths: int):
    from django.utils import timezone

    from huitong.catalog.models import Brand, Category, Product, Sku
    from huitong.channels.services import create_store
    from huitong.core.actors import Actor
    from huitong.core.services import hash_token
    from huitong.inventory import services as inventory
    from huitong.members.models import Customer, MemberToken
    from huitong.orders import services as orders

    actor = Actor.system("bench")
    store = create_store(code="FLASH", name="秒杀商城", platform="web_mall")
    location = inventory.create_location(code="WH-FLASH", name="秒杀仓", kind="warehouse")
    orders.set_fulfillment_locations(store_id=store.pk, location_ids=[location.pk])
    product = Product.objects.create(
        spu_code="SPU-FLASH",
        name="秒杀商品",
        brand=Brand.objects.create(name="汇通"),
        category=Category.objects.create(name="秒杀", path="秒杀"),
    )
    sku = Sku.objects.create(product=product, code="SKU-FLASH", price_fen=19900)
    inventory.receive_stock(
        sku_id=sku.pk, location_id=location.pk, quantity=units * n_paths, reference="bench", actor=actor
    )
    customers = Customer.objects.bulk_create(Customer(display_name=f"买家{i}") for i in range(n_buyers))
    tokens = [f"m_bench_{i:06d}_{os.urandom(8).hex()}" for i in range(n_buyers)]
    expires = timezone.now() + timezone.timedelta(days=1)
    MemberToken.objects.bulk_create(
        MemberToken(customer_id=c.pk, key_hash=hash_token(t), expires_at=expires)
        for c, t in zip(customers, tokens, strict=True)
    )
    return store, location, sku, [c.pk for c in customers], tokens, actor


def start_sale(store, location, sku, units: int, actor, path: str):
    from django.utils import timezone

    from huitong.flashsale import gate, services

    now = timezone.now()
    sale = services.create_sale(
        name=f"压测秒杀 {path}",
        store_id=store.pk,
        sku_id=sku.pk,
        location_id=location.pk,
        price_fen=990,
        starts_at=now - timezone.timedelta(minutes=1),
        ends_at=now + timezone.timedelta(hours=2),
        quantity=units,
        per_buyer_limit=1,
        unpaid_timeout_minutes=10,
        actor=actor,
    )
    sale = services.start_sale(sale_id=sale.pk, actor=actor)
    if path == "db":
        gate.gate().drop(sale_id=sale.pk)  # belt and braces: the db server has no REDIS_URL anyway
    return sale


# --- server and load ------------------------------------------------------------------------------


def serve(args, *, with_redis: bool) -> subprocess.Popen:
    env = dict(os.environ)
    if not with_redis:
        env.pop("REDIS_URL", None)
    env["HUITONG_LOG_LEVEL"] = "ERROR"
    cmd = [
        str(Path(sys.executable).parent / "gunicorn"),
        "huitong.config.wsgi:application",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(args.threads),
        "--keep-alive",
        "30",
        "--backlog",
        "2048",
        "--log-level",
        "warning",
    ]
    # The server's log (Django logs every 4xx answer as a warning) goes to a file: a pipe nobody reads
    # would fill up and block the workers.
    log_path = Path(os.environ["HUITONG_DATA_DIR"]) / f"gunicorn-{args.port}-{int(time.time())}.log"
    with open(log_path, "w") as log_file:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log_file)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log_path.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", args.port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start listening")


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def load(args, sale_id: int, tokens: list[str]) -> dict:
    url = f"/api/store/v1/flash-sales/{sale_id}/purchase"
    body = json.dumps({"receiver": RECEIVER}).encode()
    lock = threading.Lock()
    next_attempt = iter(range(args.attempts))
    results: list[tuple[float, int, str]] = []
    # Buyer of attempt i: spread so that each buyer comes back several times, interleaved with others.
    stride = 7919 if len(tokens) % 7919 else 7907

    def connect():
        # warm the worker (imports, DB connection) with a cheap read
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
        conn.request("GET", f"/api/store/v1/flash-sales/{sale_id}")
        conn.getresponse().read()
        return conn

    start_gate = threading.Barrier(args.clients + 1)

    def client():
        conn = connect()
        mine = []
        start_gate.wait()
        while True:
            with lock:
                i = next(next_attempt, None)
            if i is None:
                break
            token = tokens[(i * stride) % len(tokens)]
            t0 = time.perf_counter()
            try:
                conn.request(
                    "POST",
                    url,
                    body=body,
                    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                )
                resp = conn.getresponse()
                payload = resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
                status, payload = 599, b"{}"
            elapsed = time.perf_counter() - t0
            code = (
                "created"
                if status == 201
                else (json.loads(payload or b"{}").get("code", str(status)) if status < 500 else str(status))
            )
            mine.append((elapsed, status, code))
        conn.close()
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for t in threads:
        t.start()
    start_gate.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    latencies = sorted(r[0] for r in results)
    return {
        "attempts": len(results),
        "seconds": round(wall, 3),
        "per_second": round(len(results) / wall, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 2),
        "answers": dict(Counter(r[2] for r in results)),
    }


# --- checks and baselines -------------------------------------------------------------------------


def check(sale, units: int) -> dict:
    from django.db.models import Count

    from huitong.flashsale import gate
    from huitong.flashsale.models import Claim, FlashSaleBuyer
    from huitong.inventory import selectors as inventory_selectors
    from huitong.orders.models import Order

    sale.refresh_from_db()
    orders = Order.objects.filter(external_id__startswith=f"FS{sale.pk}-")
    per_buyer = orders.values("customer_id").annotate(n=Count("id")).filter(n__gt=1).count()
    over_limit = FlashSaleBuyer.objects.filter(sale=sale, held__gt=sale.per_buyer_limit).count()
    snapshot = gate.gate().snapshot(sale_id=sale.pk)
    found = {
        "orders": orders.count(),
        "claims": Claim.objects.filter(sale=sale).count(),
        "buyers_with_two_orders": per_buyer,
        "buyers_over_limit": over_limit,
        "remaining_db": sale.remaining,
        "remaining_redis": snapshot and snapshot["remaining"],
        "ledger_discrepancies": len(inventory_selectors.ledger_discrepancies()),
    }
    assert found["orders"] == units, found
    assert found["claims"] == units and per_buyer == 0 and over_limit == 0, found
    assert sale.remaining == 0 and found["ledger_discrepancies"] == 0, found
    return found


def redis_baseline(attempts: int, units: int) -> dict:
    from huitong.flashsale import gate

    client = gate.client()
    key = f"bench:{{fs-baseline}}:{os.getpid()}"
    client.set(key, units)
    script = client.register_script(BASELINE_LUA)
    taken = 0
    t0 = time.perf_counter()
    for _ in range(attempts):
        taken += script(keys=[key])
    wall = time.perf_counter() - t0
    client.delete(key)
    assert taken == units
    return {"attempts": attempts, "seconds": round(wall, 3), "per_second": round(attempts / wall, 1)}


def pg_baseline(attempts: int, units: int) -> dict:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_flash_counter (id int PRIMARY KEY, remaining int NOT NULL)"
        )
        conn.execute("DELETE FROM bench_flash_counter")
        conn.execute("INSERT INTO bench_flash_counter VALUES (1, %s)", [units])
        taken = 0
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            for _ in range(attempts):
                cur.execute(
                    "UPDATE bench_flash_counter SET remaining = remaining - 1 WHERE id = 1 AND remaining >= 1"
                )
                taken += cur.rowcount
        wall = time.perf_counter() - t0
        conn.execute("DROP TABLE bench_flash_counter")
    assert taken == units
    return {"attempts": attempts, "seconds": round(wall, 3), "per_second": round(attempts / wall, 1)}


# --- main -----------------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    label = setup_django(args.redis_url)
    store, location, sku, _customers, tokens, actor = seed(args.buyers, args.units, len(paths))
    report = {
        "code": harness.code_state(),
        "database": label,
        "redis": args.redis_url,
        "config": {
            k: getattr(args, k) for k in ("attempts", "units", "buyers", "clients", "workers", "threads")
        },
        "paths": {},
    }
    for path in paths:
        sale = start_sale(store, location, sku, args.units, actor, path)
        server = serve(args, with_redis=(path == "redis"))
        try:
            measured = load(args, sale.pk, tokens)
        finally:
            stop(server)
        measured["check"] = check(sale, args.units)
        answers = measured["answers"]
        assert answers.get("created") == args.units, answers
        assert set(answers) <= {"created", "sold_out", "limit_reached"}, answers
        baseline = (
            redis_baseline(args.attempts, args.units)
            if path == "redis"
            else pg_baseline(args.attempts, args.units)
        )
        measured["baseline"] = baseline
        measured["ratio_to_baseline"] = round(measured["per_second"] / baseline["per_second"], 4)
        report["paths"][path] = measured
    print_report(report)
    print(RESULT_MARK + json.dumps(report, ensure_ascii=False))
    return 0


def print_report(report: dict) -> None:
    cfg = report["config"]
    print(
        f"Flash sale over HTTP — {cfg['attempts']} attempts, {cfg['units']} units, limit 1, {cfg['buyers']} buyers,"
        f" {cfg['clients']} clients, gunicorn {cfg['workers']}×{cfg['threads']} (gthread)"
    )
    print(f"code: {report['code']}\ndatabase: {report['database']}")
    print(
        f"{'path':<8}{'attempts/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'orders':>8}   baseline{'':<34}{'ratio':>8}"
    )
    for path, m in report["paths"].items():
        base = "Redis Lua decrement loop" if path == "redis" else "PG conditional-UPDATE loop"
        print(
            f"{path:<8}{m['per_second']:>12,.0f}{m['p50_ms']:>9.1f}{m['p99_ms']:>9.1f}{m['check']['orders']:>8}   "
            f"{base:<28}{m['baseline']['per_second']:>10,.0f}/s{m['ratio_to_baseline']:>8.3f}"
        )
        print(f"        answers: {m['answers']}")


if __name__ == "__main__":
    sys.exit(main())
