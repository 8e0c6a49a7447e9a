#!/usr/bin/env python
"""Cart pricing throughput: ``marketing.services.quote`` against the pure engine and a plain-sum baseline.

    .venv/bin/python bench/pricing.py [--carts 2000] [--db sqlite|postgres|both] [--rounds 10]

Each database runs in its own child process (see bench/harness.py). A child builds a throwaway
database, migrates it and sets up through the services: a web store, a category tree, 10 SKUs, a gold
member (95%, with explicit member prices on two SKUs), 5 live promotions (任选3件8折 on a category,
第二件5折 on a brand, 满199减20/满299减40, 每满100减5 in the same exclusive group, a gift at 满500)
and one claimed 9折 coupon capped at 30 yuan. Then it prices the same 10-line cart over and over:

* quote:    ``marketing.services.quote`` — validation, every DB read (store, promotions, SKUs, member
  tier, member prices, coupon, category tree) and the engine;
* engine:   ``marketing.pricing.price_cart`` alone on the inputs quote built (captured once);
* baseline: the same DB reads as quote (same statements, same rows), then plain summing of the 10
  lines' list prices: what any price lookup costs before any promotion logic.

quote and baseline alternate in chunks (ABBA) on the same database; the ratio quote/baseline is what
the promotion logic costs on top of the reads it needs anyway.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import harness  # bench/harness.py: this file runs as a script from bench/

PG_DB = "huitong_bench_pricing"
RESULT_MARK = harness.RESULT_MARK


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--carts", type=int, default=2000, help="carts timed per path (default 2000)")
    p.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    p.add_argument("--rounds", type=int, default=10, help="quote/baseline alternations (default 10)")
    p.add_argument("--json", action="store_true", help="also print each child's raw result")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.carts < args.rounds or args.rounds < 1:
        p.error("--carts must be >= --rounds >= 1")
    return args


# --- parent ---------------------------------------------------------------------------------------


def parent(args: argparse.Namespace) -> int:
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = []
    for db in dbs:
        print(f"[{db}] pricing {args.carts} carts per path ...", file=sys.stderr, flush=True)
        results.append(
            harness.run_child(__file__, db, ["--carts", str(args.carts), "--rounds", str(args.rounds)])
        )
    if args.json:
        for r in results:
            print(json.dumps(r, ensure_ascii=False))
    print(f"\ncode: {harness.code_state()}; python {sys.version.split()[0]}; {os.cpu_count()} CPUs\n")
    header = (
        f"{'database':<10} {'N':>6} {'quote c/s':>10} {'baseline c/s':>13} {'ratio':>6} {'engine c/s':>11} "
        f"{'engine share':>13} {'queries/quote':>14} {'same result':>12}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        if "error" in r:
            print(f"{r['db']:<10} error: {r['error']}")
            continue
        print(
            f"{r['db']:<10} {r['n']:>6} {r['quote']['carts_per_s']:>10.1f} {r['baseline']['carts_per_s']:>13.1f} "
            f"{r['ratio']:>5.2f}× {r['engine']['carts_per_s']:>11.1f} {r['engine_share']:>12.0%} "
            f"{r['queries']['quote']:>14} {'yes' if r['correct'] else 'NO':>12}"
        )
    for r in results:
        if "error" not in r:
            print(
                f"\n{r['db']} ({r['server']}): cart of 10 lines, subtotal {r['cart']['subtotal_fen']} fen, "
                f"total {r['cart']['total_fen']} fen; ms per cart: quote {r['quote']['ms']:.3f}, "
                f"baseline {r['baseline']['ms']:.3f}, engine {r['engine']['ms']:.3f}"
            )
            for reason in r["cart"]["adjustments"]:
                print(f"  {reason}")
            if r["problems"]:
                print(f"  PROBLEMS: {r['problems']}")
    return 1 if any("error" in r or not r["correct"] for r in results) else 0


# --- child: the world, the three paths ------------------------------------------------------------


def setup_world():
    from datetime import timedelta

    from django.utils import timezone

    from huitong.catalog import services as catalog
    from huitong.channels import services as channels
    from huitong.core.actors import Actor
    from huitong.marketing import services as marketing
    from huitong.members import selectors as members_selectors
    from huitong.members import services as members

    actor = Actor.system("bench")
    now = timezone.now()
    store = channels.create_store(code="BENCH", name="压测商城", platform="web_mall")
    tea = catalog.create_category(name="茶叶")
    green = catalog.create_category(name="绿茶", parent_id=tea.pk)
    brand = catalog.create_brand(name="压测品牌")
    skus = []
    for i in range(10):
        product = catalog.create_product(
            spu_code=f"PB-{i:02d}",
            name=f"压测商品{i}",
            actor=actor,
            brand_id=brand.pk if i % 2 else None,
            category_id=green.pk if i < 6 else tea.pk,
            skus=[
                catalog.SkuSpec(code=f"PB-{i:02d}-1", price_fen=1990 + 1170 * i, attributes={"规格": "250g"})
            ],
        )
        skus.append(product.skus.get())
    customer_id = members.create_member(phone="13800138000", name="压测会员", actor=actor).pk
    members.record_purchase(
        customer_id=customer_id,
        reference="BENCH-SPEND",
        store_id=store.pk,
        amount_fen=600_000,
        at=now - timedelta(days=1),
    )
    members.recompute_member_tier(customer_id=customer_id)
    tier = members_selectors.member_tier(customer_id)
    for sku in skus[:2]:
        marketing.set_member_price(
            sku_id=sku.pk, tier_code=tier.code, price_fen=sku.price_fen - 300, actor=actor
        )
    start = now - timedelta(days=1)
    promo = {"starts_at": start, "actor": actor}
    marketing.create_promotion(
        name="绿茶任选3件8折",
        kind="multi_buy",
        params={"min_quantity": 3, "pay_percent": 80},
        scope={"category_ids": [tea.pk]},
        **promo,
    )
    marketing.create_promotion(
        name="品牌第二件5折",
        kind="second_item",
        params={"pay_percent": 50},
        scope={"brand_ids": [brand.pk]},
        **promo,
    )
    marketing.create_promotion(
        name="满199减20",
        kind="threshold_off",
        exclusive_group="满减",
        params={"tiers": [[19900, 2000], [29900, 4000]]},
        **promo,
    )
    marketing.create_promotion(
        name="每满100减5",
        kind="threshold_off",
        exclusive_group="满减",
        params={"tiers": [[10000, 500]], "each_time": True, "cap_fen": 10000},
        **promo,
    )
    marketing.create_promotion(
        name="满500赠", kind="gift", params={"threshold_fen": 50000, "gift_sku_id": skus[0].pk}, **promo
    )
    template = marketing.create_coupon_template(
        name="9折券", kind="percent", pay_percent=90, cap_fen=3000, valid_days=30, actor=actor
    )
    code = marketing.claim_coupon(template_id=template.pk, customer_id=customer_id).code
    lines = [marketing.CartLine(sku_id=sku.pk, quantity=1 + i % 3) for i, sku in enumerate(skus)]
    return {"store_id": store.pk, "customer_id": customer_id, "lines": lines, "codes": [code]}


def quote_path(world):
    from huitong.marketing import services

    def run():
        return services.quote(
            store_id=world["store_id"],
            lines=world["lines"],
            customer_id=world["customer_id"],
            coupon_codes=world["codes"],
        ).total_fen

    return run


def baseline_path(world):
    """The reads quote makes (same selectors and statements), then a plain sum of the line prices."""
    from django.db.models import Q
    from django.utils import timezone

    from huitong.catalog import selectors as catalog
    from huitong.channels import selectors as channels
    from huitong.marketing.models import Coupon, MemberPrice
    from huitong.marketing.services.quoting import live_promotions
    from huitong.members import selectors as members

    def run():
        at = timezone.now()
        channels.get_active_store(world["store_id"])
        tier = members.member_tier(world["customer_id"])
        list(live_promotions(at))
        skus = catalog.skus_by_ids({line.sku_id for line in world["lines"]} | {world["lines"][0].sku_id})
        list(Coupon.objects.select_related("template").filter(Q(code__in=world["codes"])))
        list(catalog.list_categories().values_list("pk", "path"))
        dict(
            MemberPrice.objects.filter(tier_code=tier.code, sku_id__in=skus).values_list(
                "sku_id", "price_fen"
            )
        )
        return sum(skus[line.sku_id].price_fen * line.quantity for line in world["lines"])

    return run


def capture_engine_inputs(world):
    """Run quote once with price_cart wrapped, keeping the exact inputs it passed to the engine."""
    from huitong.marketing import pricing
    from huitong.marketing.services import quoting

    captured = {}
    original = quoting.pricing.price_cart

    def spy(cart, promotions, coupons):
        captured.update(cart=cart, promotions=promotions, coupons=coupons)
        return original(cart, promotions, coupons)

    quoting.pricing.price_cart = spy
    try:
        priced = quote_path(world)()
    finally:
        quoting.pricing.price_cart = original
    return captured, priced, pricing.price_cart


def timed(fn, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return time.perf_counter() - start


def count_queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def child(args: argparse.Namespace) -> int:
    server = harness.configure(args.db, name="pricing", pg_db=PG_DB)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from huitong.marketing.services import quote

    world = setup_world()
    inputs, _, price_cart = capture_engine_inputs(world)
    priced = quote(
        store_id=world["store_id"],
        lines=world["lines"],
        customer_id=world["customer_id"],
        coupon_codes=world["codes"],
    )
    paths = {"quote": quote_path(world), "baseline": baseline_path(world)}
    engine = lambda: price_cart(inputs["cart"], inputs["promotions"], inputs["coupons"])  # noqa: E731
    problems = []
    if engine() != priced:
        problems.append("engine on the captured inputs differs from quote")
    kinds = {a.kind for a in priced.adjustments}
    if not {"member_price", "multi_buy", "second_item", "threshold_off", "gift", "coupon"} <= kinds:
        problems.append(f"expected every kind of adjustment, got {sorted(kinds)}")
    if sum(line.amount_fen for line in priced.lines) != priced.total_fen:
        problems.append("lines do not add up to the total")
    queries = {name: count_queries(fn) for name, fn in paths.items()}
    for fn in (*paths.values(), engine):  # warm-up
        timed(fn, 50)
    seconds = {"quote": 0.0, "baseline": 0.0}
    per_round = args.carts // args.rounds
    for index in range(args.rounds):
        order = ("quote", "baseline") if index % 4 in (0, 3) else ("baseline", "quote")
        for name in order:
            seconds[name] += timed(paths[name], per_round)
    n = per_round * args.rounds
    seconds["engine"] = timed(engine, n)
    result = {
        "db": args.db,
        "server": server,
        "n": n,
        "queries": queries,
        "problems": problems,
        "correct": not problems,
        "ratio": seconds["quote"] / seconds["baseline"],
        "engine_share": seconds["engine"] / seconds["quote"],
        "cart": {
            "subtotal_fen": priced.subtotal_fen,
            "total_fen": priced.total_fen,
            "adjustments": [f"{a.kind}: {a.reason} −{a.amount_fen}" for a in priced.adjustments],
        },
    }
    for name, total in seconds.items():
        result[name] = {"seconds": total, "carts_per_s": n / total, "ms": 1000 * total / n}
    print(RESULT_MARK + json.dumps(result, ensure_ascii=False), flush=True)
    return 0 if not problems else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return child(args) if args.child else parent(args)


if __name__ == "__main__":
    sys.exit(main())
