"""Ninety days of trading for the demo business, played through the services.

Opening stock, twice-weekly purchase receipts at the warehouses, daily transfers to the shops, web
orders (paid, allocated, shipped by courier, confirmed days later; a few cancelled; the newest still
unpaid) and POS sales (paid in cash and completed on the spot), all with historical timestamps.
Deterministic for a given seed and day.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate

from django.utils import timezone
from tqdm import tqdm

from huitong.catalog import selectors as catalog_selectors
from huitong.core.actors import Actor
from huitong.core.money import round_fen
from huitong.demo import demand
from huitong.demo.catalog_data import DemoProduct
from huitong.demo.people import REMARKS, Customer, customer_weights, make_customers
from huitong.inventory import selectors as inventory_selectors
from huitong.inventory import services as inventory
from huitong.inventory.errors import InsufficientStock
from huitong.members import services as members
from huitong.orders import services as orders

WEB_SHARE = 0.55  # of all orders; the rest are sold in the shops
SPEC_POPULARITY = [1.0, 0.6, 0.4]  # first (smallest) spec sells best
GIFT_BOOST = 3.0  # gift SKUs sell up to 4× on the eve of a gift holiday
TARGET_PER_WEIGHT = {"main": (10, 8), "regional": (6, 4), "shop": (3, 1.5)}  # (base, per popularity)
REORDER_AT = 0.4  # of the target
PURCHASE_WEEKDAYS = {0, 3}  # warehouses receive purchase orders on Mondays and Thursdays
UNPAID_TIMEOUT = timedelta(minutes=30)
SOUTH = {"广东省", "湖南省", "四川省"}  # web orders shipped from 广州仓 when it has the stock
CARRIERS = [("SF", "SF", 13, 40), ("ZTO", "78", 12, 25), ("YTO", "YT", 13, 15), ("YD", "43", 13, 10),
            ("JD", "JDVA", 11, 10)]  # code, waybill prefix, digits, weight
CANCEL_REASONS = ["买家拍错了规格", "不想要了", "地址填错,重新下单", "买家要求合并订单"]


@dataclass(frozen=True)
class Site:
    """A demo channel store and where it ships from."""

    store_id: int
    code: str
    web: bool
    share: float  # of the shops' orders (POS stores)
    location_ids: list[int]
    replenish_from: dict[int, int]  # shop location → warehouse that restocks it


@dataclass(frozen=True)
class _Item:
    sku_id: int
    price_fen: int
    weight: float
    gift: bool
    limited: bool  # a limited edition: small opening stock, never restocked


@dataclass
class SimulationResult:
    orders: int = 0
    restocks: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


class Simulation:
    def __init__(self, *, sites: list[Site], products: list[DemoProduct], users: dict, seed: int,
                 orders_per_day: float):
        self.rng = random.Random(seed)
        self.now = timezone.localtime()
        self.tz = timezone.get_current_timezone()
        self.web = next(site for site in sites if site.web)
        self.shops = [site for site in sites if not site.web]
        self.orders_per_day = orders_per_day
        self.items = _items(products)
        self.limited = {item.sku_id for item in self.items if item.limited}
        self.prices = {item.sku_id: item.price_fen for item in self.items}
        self.targets = self._targets()
        self.customers: list[Customer] = make_customers(400, self.rng)
        self.member_ids: dict[str, int] = {}  # phone → member: one member per person across channels
        self.customer_cum = list(accumulate(customer_weights(len(self.customers))))
        self.cum_weights: dict[float, list[float]] = {}
        self.staff = {name: Actor.of_user(user) for name, user in users.items()}
        self.status = Counter()
        self.restocks = 0

    # --- the run ------------------------------------------------------------------------------

    def run(self, *, days: int, progress: bool = False) -> SimulationResult:
        today = timezone.localdate(self.now)
        first = today - timedelta(days=days - 1)
        self._open_stock(first)
        for day in tqdm([first + timedelta(days=n) for n in range(days)], desc="演示订单", unit="天",
                        disable=not progress):
            self._replenish(day)
            self._trade(day)
        # the last minutes: a few orders still unpaid, a few just paid and waiting for the warehouse
        for n in range(2 * max(2, round(3 * self.orders_per_day / 30))):
            self._web_order(self.now - timedelta(minutes=self.rng.uniform(1, 20)), 90000 + n,
                            just_now="paid" if n % 2 else "unpaid")
        return SimulationResult(orders=sum(self.status.values()), restocks=self.restocks, by_status=dict(self.status))

    def _trade(self, day: date) -> None:
        sales = [(moment, self.web) for moment in self._moments(day, web=True, average=self.orders_per_day * WEB_SHARE)]
        for shop in self.shops:
            average = self.orders_per_day * (1 - WEB_SHARE) * shop.share
            sales += [(moment, shop) for moment in self._moments(day, web=False, average=average)]
        sales.sort(key=lambda sale: (sale[0], sale[1].code))
        web_orders = 0
        for moment, site in sales:
            if site.web:
                web_orders += 1
                self._web_order(moment, web_orders)
            else:
                self._pos_order(site, moment)

    def _moments(self, day: date, *, web: bool, average: float) -> list[datetime]:
        count = demand.orders_on(day, web=web, average=average, rng=self.rng)
        return [m for m in demand.moments(day, count, web=web, rng=self.rng, tz=self.tz) if m <= self.now]

    # --- stock --------------------------------------------------------------------------------

    def _targets(self) -> dict[tuple[int, int], int]:
        roles = {self.web.location_ids[0]: "main", self.web.location_ids[1]: "regional"}
        roles |= {shop.location_ids[0]: "shop" for shop in self.shops}
        targets = {}
        for location_id, role in roles.items():
            base, per = TARGET_PER_WEIGHT[role]
            for item in self.items:
                if item.limited:
                    targets[location_id, item.sku_id] = 8 if role == "main" else 0
                else:
                    targets[location_id, item.sku_id] = int(base + per * item.weight)
        return targets

    def _open_stock(self, first: date) -> None:
        actor = self.staff["warehouse"]
        for (location_id, sku_id), target in sorted(self.targets.items()):
            if target:
                inventory.receive_stock(sku_id=sku_id, location_id=location_id, quantity=target,
                                        reference=f"PO{first:%y%m%d}-OPEN-{location_id}", actor=actor,
                                        reason="期初入库")

    def _below_target(self, location_id: int) -> dict[int, int]:
        """SKU → how many to bring ``location_id`` back to its target, for SKUs under the reorder point."""
        skus = [item.sku_id for item in self.items if not item.limited]
        available = inventory_selectors.available_by_sku(skus, location_ids=[location_id])
        short = {}
        for sku_id in skus:
            target = self.targets[location_id, sku_id]
            have = available.get(sku_id, 0)
            if have < target * REORDER_AT:
                short[sku_id] = target - have
        return short

    def _replenish(self, day: date) -> None:
        actor = self.staff["warehouse"]
        if day.weekday() in PURCHASE_WEEKDAYS:
            for location_id in self.web.location_ids:
                for sku_id, quantity in self._below_target(location_id).items():
                    inventory.receive_stock(sku_id=sku_id, location_id=location_id, quantity=quantity, actor=actor,
                                            reference=f"PO{day:%y%m%d}-{location_id}", reason="采购入库")
                    self.restocks += 1
        for shop in self.shops:
            for location_id, source_id in shop.replenish_from.items():
                self._restock_shop(day, location_id, source_id)

    def _restock_shop(self, day: date, location_id: int, source_id: int) -> None:
        actor = self.staff["warehouse"]
        short = self._below_target(location_id)
        spare = inventory_selectors.available_by_sku(short, location_ids=[source_id])
        for sku_id, quantity in short.items():
            reference = f"TR{day:%y%m%d}-{source_id}-{location_id}"
            if spare.get(sku_id, 0) - quantity >= self.targets[source_id, sku_id] * REORDER_AT:
                inventory.transfer_stock(sku_id=sku_id, from_location_id=source_id, to_location_id=location_id,
                                         quantity=quantity, reference=reference, actor=actor, reason="门店补货")
            else:
                inventory.receive_stock(sku_id=sku_id, location_id=location_id, quantity=quantity, actor=actor,
                                        reference=f"PO{day:%y%m%d}-{location_id}", reason="供应商直送门店")
            self.restocks += 1

    def _rush_receive(self, site: Site, sku_id: int, quantity: int) -> None:
        location_id = site.location_ids[0]
        inventory.receive_stock(sku_id=sku_id, location_id=location_id,
                                quantity=max(quantity, self.targets[location_id, sku_id]),
                                reference=f"PO-RUSH-{location_id}", actor=self.staff["warehouse"], reason="缺货紧急补货")
        self.restocks += 1

    # --- orders -------------------------------------------------------------------------------

    def _pick_lines(self, day: date) -> list[orders.LineSpec]:
        season = round(demand.gift_season(day), 1)
        if season not in self.cum_weights:
            self.cum_weights[season] = list(accumulate(
                item.weight * (1 + GIFT_BOOST * season if item.gift else 1) for item in self.items
            ))
        count = self.rng.choices([1, 2, 3, 4], weights=[52, 30, 13, 5])[0]
        chosen: dict[int, int] = {}
        for item in self.rng.choices(self.items, cum_weights=self.cum_weights[season], k=count):
            quantity = 1 if item.price_fen >= 50000 else self.rng.choices([1, 2, 3, 6], weights=[75, 18, 5, 2])[0]
            chosen.setdefault(item.sku_id, quantity)
        return [orders.LineSpec(sku_id=sku_id, quantity=quantity) for sku_id, quantity in chosen.items()]

    def _place(self, site: Site, lines: list[orders.LineSpec], make):
        """``make(lines, subtotal_fen)`` the order; when stock runs short, restock (or drop a sold-out
        limited edition from the order) and try again."""
        for _attempt in range(5):
            if not lines:
                return None
            subtotal = sum(self.prices[line.sku_id] * line.quantity for line in lines)
            try:
                return make(lines, subtotal)
            except InsufficientStock as exc:
                short = exc.detail.get("sku_id")
                if short in self.limited:
                    lines = [line for line in lines if line.sku_id != short]
                    continue
                for line in lines:
                    if short is None or line.sku_id == short:
                        self._rush_receive(site, line.sku_id, line.quantity)
        return None

    def _web_order(self, placed_at: datetime, seq: int, *, just_now: str = "") -> None:
        customer = self.rng.choices(self.customers, cum_weights=self.customer_cum)[0]
        remark = self.rng.choice(REMARKS) if self.rng.random() < 0.15 else ""

        buyer = Actor(user_id=None, label=f"customer:{customer.nick}")

        def make(lines, subtotal):
            discount = _web_discount(subtotal, self.rng.random())
            spec = orders.NewOrder(
                store_id=self.web.store_id, lines=lines, external_id=f"WM{placed_at:%y%m%d}{seq:05d}",
                discount_fen=discount, shipping_fen=0 if subtotal - discount >= 9900 else 800,
                receiver=orders.Receiver(name=customer.name, phone=customer.phone, province=customer.province,
                                         city=customer.city, district=customer.district, address=customer.address),
                buyer_nick=customer.nick, buyer_remark=remark, placed_at=placed_at,
                customer_id=self._member_id(customer),
            )
            return orders.create_order(spec=spec, actor=buyer).order

        order = self._place(self.web, self._pick_lines(placed_at.date()), make)
        if order is None:
            return
        if just_now == "paid":
            paid_at = placed_at + (self.now - placed_at) * self.rng.uniform(0.2, 0.9)
            order = orders.pay_order(order_id=order.pk, actor=Actor.system("payment-gateway"), at=paid_at)
        elif not just_now:
            order = self._web_lifecycle(order, placed_at, customer)
        self.status[order.status] += 1

    def _member_id(self, customer: Customer) -> int:
        if customer.phone not in self.member_ids:
            self.member_ids[customer.phone] = members.identify_member(phone=customer.phone, name=customer.name)
        return self.member_ids[customer.phone]

    def _web_lifecycle(self, order, placed_at: datetime, customer: Customer):
        roll = self.rng.random()
        paid_at = placed_at + timedelta(minutes=self.rng.uniform(0.3, 20))
        if roll < 0.05 or paid_at > self.now or (placed_at > self.now - UNPAID_TIMEOUT and roll < 0.4):
            if placed_at + UNPAID_TIMEOUT < self.now and roll < 0.05:
                order = orders.cancel_order(order_id=order.pk, actor=Actor.system("unpaid-timeout"),
                                            reason="超过 30 分钟未付款,自动取消", at=placed_at + UNPAID_TIMEOUT)
            return order
        order = orders.pay_order(order_id=order.pk, actor=Actor.system("payment-gateway"), method="sandbox",
                                 at=paid_at)
        if roll < 0.07:
            cancelled_at = paid_at + timedelta(minutes=self.rng.uniform(5, 240))
            return orders.cancel_order(order_id=order.pk, actor=self.staff["customer_service"],
                                       reason=self.rng.choice(CANCEL_REASONS), at=min(cancelled_at, self.now))
        # orders with a buyer remark wait for customer service to review them (审单) before allocation
        review = timedelta(hours=self.rng.uniform(1, 18)) if order.buyer_remark else timedelta(0)
        allocated_at = paid_at + review + timedelta(minutes=self.rng.uniform(3, 90))
        if allocated_at > self.now:
            return order
        order = self._allocate(order, customer, allocated_at)
        shipped_at = allocated_at + timedelta(hours=self.rng.uniform(2, 22))
        if shipped_at > self.now:
            return order
        carrier, waybill = self._waybill()
        order = orders.ship_order(order_id=order.pk, carrier_code=carrier, waybill_no=waybill,
                                  actor=self.staff["warehouse"], at=shipped_at)
        completed_at = shipped_at + timedelta(days=self.rng.uniform(2, 7))
        if completed_at > self.now:
            return order
        return orders.complete_order(order_id=order.pk, actor=Actor.system("auto-confirm"), at=completed_at)

    def _allocate(self, order, customer: Customer, at: datetime):
        actor = Actor.system("auto-allocate")
        if customer.province in SOUTH:
            try:
                return orders.allocate_order(order_id=order.pk, actor=actor, location_id=self.web.location_ids[1], at=at)
            except InsufficientStock:
                pass  # 广州仓 lacks something: ship from where the stock was reserved
        return orders.allocate_order(order_id=order.pk, actor=actor, at=at)

    def _waybill(self) -> tuple[str, str]:
        code, prefix, digits, _weight = self.rng.choices(CARRIERS, weights=[c[3] for c in CARRIERS])[0]
        return code, prefix + "".join(str(self.rng.randrange(10)) for _ in range(digits))

    def _pos_order(self, site: Site, sold_at: datetime) -> None:
        """A till sale: paid in cash and handed over on the spot; members get 5 % off."""
        member = self.rng.random() < 0.3

        def make(lines, subtotal):
            return orders.sell_at_counter(
                store_id=site.store_id, lines=lines, actor=self.staff["operator"], tender="cash",
                discount_fen=round_fen(Decimal(subtotal) * Decimal("0.05")) if member else 0,
                buyer_nick="门店会员" if member else "", at=sold_at,
            )

        order = self._place(site, self._pick_lines(sold_at.date()), make)
        if order is not None:
            self.status[order.status] += 1


def _web_discount(subtotal_fen: int, roll: float) -> int:
    """满 399 减 50 and 满 199 减 20 coupons, used by about half the buyers who qualify."""
    if subtotal_fen >= 39900 and roll < 0.5:
        return 5000
    if subtotal_fen >= 19900 and roll < 0.4:
        return 2000
    return 0


def _items(products: list[DemoProduct]) -> list[_Item]:
    ids = dict(catalog_selectors.list_skus().values_list("code", "pk"))
    items = []
    for product in products:
        for index, sku in enumerate(product.skus):
            weight = product.popularity * SPEC_POPULARITY[min(index, len(SPEC_POPULARITY) - 1)]
            items.append(_Item(
                sku_id=ids[sku.code], price_fen=sku.price_fen, weight=weight, gift=sku.gift,
                limited=sku.gift and product.popularity <= 3,
            ))
    return items
