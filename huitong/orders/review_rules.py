"""审单 rules: what each rule kind checks, and what the checks need, loaded once for a batch of orders.
``review`` decides and writes; these functions only read (and may fill a receiver's region fields)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.db.models import Q

from huitong.catalog import selectors as catalog
from huitong.core import crypto
from huitong.core.money import format_yuan
from huitong.inventory import selectors as inventory
from huitong.orders.addresses import address_key, normalize, parse_region, region_problem
from huitong.orders.models import (
    BlacklistEntry,
    BlacklistKind,
    FloorPrice,
    Order,
    OrderLine,
    OrderStatus,
    ReviewRule,
    RuleAction,
    RuleKind,
    StoreLocation,
    WorkflowSettings,
)
from huitong.orders.review_setup import config_cache_key, load_settings

REFUND_IN_PROGRESS = "refund_in_progress"
LINE_KINDS = frozenset({RuleKind.QUANTITY_RANGE, RuleKind.BELOW_FLOOR_PRICE, RuleKind.UNMAPPED_SKU,
                        RuleKind.EXCLUDED_SKU, RuleKind.OUT_OF_STOCK})


# --- what the rules need, loaded once per batch ---------------------------------------------------

@dataclass
class Context:
    now: datetime
    settings: WorkflowSettings
    rules: list[ReviewRule]
    lines: dict[int, list[OrderLine]] = field(default_factory=dict)
    floors: dict[int, int] = field(default_factory=dict)
    blacklist: dict[str, set[str]] = field(default_factory=dict)
    unpaid: set[tuple[int, str]] = field(default_factory=set)
    short: dict[int, list[str]] = field(default_factory=dict)

    def rules_for(self, order: Order, kinds: frozenset[str] | None) -> list[ReviewRule]:
        return [r for r in self.rules if r.store_id in (None, order.store_id) and (kinds is None or r.kind in kinds)]


def order_key(order: Order):
    """How the context refers to an order: its primary key, or for an order not inserted yet (a platform
    order reviewed before its row is written) the instance itself."""
    return order.pk if order.pk is not None else ("new", id(order))


def identities(order) -> set[str]:
    """How a buyer is recognised across their orders in one store: customer, platform buyer id, nick."""
    found = set()
    if order.customer_id:
        found.add(f"c:{order.customer_id}")
    if order.buyer_id:
        found.add(f"b:{order.buyer_id}")
    if order.buyer_nick:
        found.add(f"n:{order.buyer_nick}")
    return found


def same_buyers(orders: Iterable[Order]) -> Q:
    """Orders that may belong to any of these buyers in their stores (match exactly with ``identities``)."""
    orders = list(orders)
    return Q(store_id__in={o.store_id for o in orders}) & (
        Q(customer_id__in={o.customer_id for o in orders if o.customer_id})
        | Q(buyer_id__in={o.buyer_id for o in orders if o.buyer_id})
        | Q(buyer_nick__in={o.buyer_nick for o in orders if o.buyer_nick}))


def review_config() -> tuple[WorkflowSettings, list[ReviewRule]]:
    """Settings and active rules, read on every paid order: kept in the cache (shared through Redis when
    configured) and dropped by every change to them (review_setup), with a short expiry as a backstop."""
    key = config_cache_key()
    config = cache.get(key)
    if config is None:
        config = (load_settings(), list(ReviewRule.objects.filter(is_active=True).order_by("position", "id")))
        cache.set(key, config, timeout=60)
    return config


def load(orders: list[Order], now: datetime, kinds: frozenset[str] | None = None, *,
         lines: Sequence[Sequence[OrderLine]] | None = None, unpaid: Iterable[Order] = ()) -> Context:
    """What the rules need for these orders. ``lines`` (one list per order) and ``unpaid`` (pending orders
    not in the database yet) describe orders reviewed before their rows are written."""
    settings_row, active_rules = review_config()
    rules = [r for r in active_rules if kinds is None or r.kind in kinds]
    ctx = Context(now=now, settings=settings_row, rules=rules)
    needed = {r.kind for r in rules}
    if needed & LINE_KINDS:
        if lines is not None:
            ctx.lines = {order_key(o): list(rows) for o, rows in zip(orders, lines, strict=True)}
        else:
            for line in OrderLine.objects.filter(order_id__in=[o.pk for o in orders]).order_by("order_id", "line_no"):
                ctx.lines.setdefault(line.order_id, []).append(line)
    if RuleKind.BELOW_FLOOR_PRICE in needed:
        sku_ids = {ln.sku_id for rows in ctx.lines.values() for ln in rows if ln.sku_id}
        ctx.floors = {sku.pk: sku.cost_fen for sku in catalog.skus_by_ids(sku_ids).values() if sku.cost_fen > 0}
        ctx.floors |= dict(FloorPrice.objects.filter(sku_id__in=sku_ids).values_list("sku_id", "floor_price_fen"))
    if RuleKind.BLACKLISTED in needed:
        for kind, value_hash in BlacklistEntry.objects.values_list("kind", "value_hash"):
            ctx.blacklist.setdefault(kind, set()).add(value_hash)
    if RuleKind.UNPAID_SIBLING in needed:
        # The orders under review are not their own siblings (a payment reviews before its row says paid).
        pending = Order.objects.filter(same_buyers(orders), status=OrderStatus.PENDING_PAYMENT).exclude(
            pk__in=[o.pk for o in orders if o.pk is not None]).only("store_id", "customer_id", "buyer_id", "buyer_nick")
        for row in [*pending, *unpaid]:
            ctx.unpaid |= {(row.store_id, ident) for ident in identities(row)}
    if RuleKind.OUT_OF_STOCK in needed:
        ctx.short = _short_of_stock(orders, ctx.lines)
    return ctx


def _short_of_stock(orders: list[Order], lines: dict[int, list[OrderLine]]) -> dict[int, list[str]]:
    """Per order, the SKU codes its unreserved lines need more of than the store's locations have."""
    stores: dict[int, list[Order]] = defaultdict(list)
    for order in orders:
        if any(ln.sku_id and not ln.reservation_id for ln in lines.get(order_key(order), ())):
            stores[order.store_id].append(order)
    short: dict[int, list[str]] = {}
    for store_id, store_orders in stores.items():
        location_ids = list(StoreLocation.objects.filter(store_id=store_id).values_list("location_id", flat=True))
        sku_ids = {ln.sku_id for o in store_orders for ln in lines[order_key(o)] if ln.sku_id}
        available = inventory.available_by_sku(sku_ids, location_ids=location_ids)
        for order in store_orders:
            need: dict[int, int] = defaultdict(int)
            codes = {}
            for ln in lines[order_key(order)]:
                if ln.sku_id and not ln.reservation_id:
                    need[ln.sku_id] += ln.quantity
                    codes[ln.sku_id] = ln.sku_code
            missing = [codes[s] for s, q in need.items() if available.get(s, 0) < q]
            if missing:
                short[order_key(order)] = missing
    return short


# --- the checks: one per rule kind, each returns why the order matches (or None) ----------------------

def _in_range(value: int, rule: ReviewRule) -> bool:
    return (rule.min_value is None or value >= rule.min_value) and (rule.max_value is None or value <= rule.max_value)


def _amount(order, rule, ctx):
    if _in_range(order.total_fen, rule):
        return f"应付 {format_yuan(order.total_fen)}"
    return None


def _quantity(order, rule, ctx):
    count = sum(ln.quantity for ln in ctx.lines.get(order_key(order), ()))
    return f"共 {count} 件" if _in_range(count, rule) else None


def _remark(text: str, label: str):
    return f"{label}: {text.strip()[:60]}" if text.strip() else None


def _keyword(order, rule, ctx):
    remarks = f"{order.buyer_remark}\n{order.seller_remark}"
    hit = next((k for k in rule.keywords if k and k in remarks), None)
    return f"备注含关键字「{hit}」" if hit else None


def _below_floor(order, rule, ctx):
    low = [f"{ln.sku_code} 成交 {format_yuan(ln.amount_fen // ln.quantity)} < 最低 {format_yuan(ctx.floors[ln.sku_id])}"
           for ln in ctx.lines.get(order_key(order), ())
           if ln.sku_id in ctx.floors and ln.amount_fen < ctx.floors[ln.sku_id] * ln.quantity]
    return "; ".join(low) or None


def _address(order, rule, ctx):
    problems = []
    if not order.receiver_name.strip():
        problems.append("缺少收货人")
    if not order.receiver_phone.strip():
        problems.append("缺少电话")
    region, _ = region_problem(order.province, order.city, order.district, order.address)
    if region:
        problems.append(region)
    parsed = parse_region(order.address)
    if len(parsed.rest if parsed else normalize(order.address)) < 2:
        problems.append("详细地址不完整")
    return "; ".join(problems) or None


def _unmapped(order, rule, ctx):
    codes = [ln.merchant_code or ln.platform_sku_id or ln.title for ln in ctx.lines.get(order_key(order), ()) if not ln.sku_id]
    return f"平台商品未对应 SKU: {', '.join(codes)}" if codes else None


def _excluded(order, rule, ctx):
    codes = sorted({ln.sku_code for ln in ctx.lines.get(order_key(order), ()) if ln.sku_code in rule.sku_codes})
    return f"含指定商品: {', '.join(codes)}" if codes else None


def _blacklisted(order, rule, ctx):
    hits = []
    if {crypto.lookup_hash(v) for v in (order.buyer_id, order.buyer_nick) if v} & ctx.blacklist.get("buyer", set()):
        hits.append(str(BlacklistKind.BUYER.label))
    if order.receiver_phone_hash and order.receiver_phone_hash in ctx.blacklist.get("phone", set()):
        hits.append(str(BlacklistKind.PHONE.label))
    if order.address and crypto.lookup_hash(address_key(order.province, order.city, order.district, order.address)) \
            in ctx.blacklist.get("address", set()):
        hits.append(str(BlacklistKind.ADDRESS.label))
    return f"命中黑名单: {'、'.join(hits)}" if hits else None


def _refund(order, rule, ctx):
    held = next((h for h in order.hold_reasons if h["code"] == REFUND_IN_PROGRESS), None)
    return held["message"] if held else None


def _unpaid_sibling(order, rule, ctx):
    if any((order.store_id, ident) in ctx.unpaid for ident in identities(order)):
        return "同一买家在本店还有未付款订单,等待合并"
    return None


def _out_of_stock(order, rule, ctx):
    missing = ctx.short.get(order_key(order))
    return f"库存不足: {', '.join(missing)}" if missing else None


CHECKS: dict[str, Callable] = {
    RuleKind.BUYER_REMARK: lambda order, rule, ctx: _remark(order.buyer_remark, "买家留言"),
    RuleKind.SELLER_REMARK: lambda order, rule, ctx: _remark(order.seller_remark, "卖家备注"),
    RuleKind.REMARK_KEYWORD: _keyword,
    RuleKind.AMOUNT_RANGE: _amount,
    RuleKind.QUANTITY_RANGE: _quantity,
    RuleKind.BELOW_FLOOR_PRICE: _below_floor,
    RuleKind.ADDRESS_INCOMPLETE: _address,
    RuleKind.UNMAPPED_SKU: _unmapped,
    RuleKind.EXCLUDED_SKU: _excluded,
    RuleKind.BLACKLISTED: _blacklisted,
    RuleKind.REFUND_IN_PROGRESS: _refund,
    RuleKind.UNPAID_SIBLING: _unpaid_sibling,
    RuleKind.OUT_OF_STOCK: _out_of_stock,
}


def _fill_region(order: Order) -> None:
    """An address given in one line fills the empty province/city/district fields."""
    if order.province and order.city and order.district:
        return
    _, region = region_problem(order.province, order.city, order.district, order.address)
    if region is not None:
        order.province, order.city, order.district = region.province, region.city, region.district


def findings(order: Order, ctx: Context, kinds: frozenset[str] | None = None) -> list[dict]:
    """Every rule the order matches, as hold reasons; keyword rules with an action apply it instead."""
    found = []
    rules = ctx.rules_for(order, kinds)
    if any(r.kind == RuleKind.ADDRESS_INCOMPLETE for r in rules):
        _fill_region(order)
    for rule in rules:
        message = CHECKS[rule.kind](order, rule, ctx)
        if message is None:
            continue
        if rule.action == RuleAction.SET_CARRIER:
            order.carrier_code = rule.carrier_code
        elif rule.action == RuleAction.SET_LOCATION:
            order.preferred_location_id = rule.location_id
        else:
            found.append({"code": rule.kind, "message": f"{rule.name}: {message}", "rule_id": rule.pk})
    return found
