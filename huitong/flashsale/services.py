"""Flash sale services: create/update/start/end a sale, buy from it, and return the units of unpaid or
cancelled claim orders.

Counters and their rules (all conditional updates, never read-then-write):
- ``FlashSale.remaining``: taken by ``remaining >= q`` inside the window while open, on both paths.
- ``FlashSaleBuyer.held``: raised only where ``held + q <= per_buyer_limit``.
- the set-aside reservation holds exactly ``remaining`` units while the sale is open.
With Redis configured a Lua script screens every attempt first (see ``gate``); the database rules above
still decide, so a Redis counter that drifted can never oversell. Every unit the database refuses or a
failed order leaves behind is given back to Redis.

Lock order (the same in every writer, so they cannot deadlock): claim → order → buyer → sale → stock row
→ set-aside reservation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from huitong.catalog import selectors as catalog
from huitong.channels import selectors as channels
from huitong.core import audit, outbox
from huitong.core.actors import Actor
from huitong.core.errors import DomainError, InvalidTransition
from huitong.core.states import transition
from huitong.flashsale import gate as redis_gate
from huitong.flashsale.errors import (
    FlashSaleNotFound,
    InvalidFlashSale,
    InvalidPurchase,
    LimitReached,
    NotEnoughStock,
    NotRunning,
    SaleLocationChanged,
    SaleNotEditable,
    SoldOut,
)
from huitong.flashsale.models import (
    OPEN_STATES,
    Claim,
    ClaimStatus,
    FlashSale,
    FlashSaleBuyer,
    FlashSaleStatus,
)
from huitong.flashsale.states import CLAIM_LIFECYCLE, SALE_LIFECYCLE
from huitong.inventory import selectors as inventory_selectors
from huitong.inventory import services as inventory
from huitong.inventory.errors import InsufficientStock
from huitong.orders import services as orders
from huitong.orders.models import Order, OrderStatus

log = logging.getLogger(__name__)

PATH_REDIS, PATH_DB = "redis", "db"
MAX_TIMEOUT_MINUTES = 24 * 60


# --- helpers --------------------------------------------------------------------------------------


def _lock(sale_id: int) -> FlashSale:
    sale = FlashSale.objects.select_for_update().filter(pk=sale_id).first()
    if sale is None:
        raise FlashSaleNotFound(sale_id=f"秒杀活动 {sale_id} 不存在")
    return sale


def _get(sale_id: int) -> FlashSale:
    sale = FlashSale.objects.filter(pk=sale_id).first()
    if sale is None:
        raise FlashSaleNotFound(sale_id=f"秒杀活动 {sale_id} 不存在")
    return sale


def _move_to(sale: FlashSale, status: str, *, actor: Actor, reason: str = "", fields=()) -> None:
    previous = transition(
        sale,
        status,
        lifecycle=SALE_LIFECYCLE,
        actor=actor,
        reason=reason,
        update_fields=[*fields, "updated_at"],
    )
    outbox.emit(
        topic="flash_sale.status_changed",
        key=str(sale.pk),
        payload={"sale_id": sale.pk, "from": previous, "to": status},
    )


def _is_int(value, minimum: int) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and value >= minimum


def _validate(values: dict) -> None:
    errors = _ref_errors(
        store_id=values["store_id"], sku_id=values["sku_id"], location_id=values["location_id"]
    )
    if not str(values["name"]).strip():
        errors["name"] = "请填写活动名称"
    if not _is_int(values["price_fen"], 0):
        errors["price_fen"] = "秒杀价必须为非负整数(分)"
    if not _is_int(values["quantity"], 1):
        errors["quantity"] = "秒杀数量必须为正整数"
    if not _is_int(values["per_buyer_limit"], 1):
        errors["per_buyer_limit"] = "每人限购必须为正整数"
    elif _is_int(values["quantity"], 1) and values["per_buyer_limit"] > values["quantity"]:
        errors["per_buyer_limit"] = "每人限购不能超过秒杀数量"
    if (
        not _is_int(values["unpaid_timeout_minutes"], 1)
        or values["unpaid_timeout_minutes"] > MAX_TIMEOUT_MINUTES
    ):
        errors["unpaid_timeout_minutes"] = f"未付款超时必须在 1 到 {MAX_TIMEOUT_MINUTES} 分钟之间"
    if values["ends_at"] <= values["starts_at"]:
        errors["ends_at"] = "结束时间必须晚于开始时间"
    if errors:
        raise InvalidFlashSale.for_fields(errors)


def _ref_errors(*, store_id: int, sku_id: int, location_id: int) -> dict[str, str]:
    errors: dict[str, str] = {}
    for field, check in (
        ("store_id", lambda: channels.get_store(store_id)),
        ("sku_id", lambda: catalog.get_sku(sku_id)),
        ("location_id", lambda: inventory_selectors.get_location(location_id)),
    ):
        try:
            check()
        except DomainError as exc:
            errors[field] = exc.message
    return errors


# --- staff: create, update, start, end ------------------------------------------------------------

TERMS = ("name", "price_fen", "starts_at", "ends_at", "quantity", "per_buyer_limit", "unpaid_timeout_minutes")


@transaction.atomic
def create_sale(
    *,
    name: str,
    store_id: int,
    sku_id: int,
    location_id: int,
    price_fen: int,
    starts_at: datetime,
    ends_at: datetime,
    quantity: int,
    per_buyer_limit: int = 1,
    unpaid_timeout_minutes: int = 10,
    actor: Actor,
) -> FlashSale:
    """A draft sale; nothing is set aside until it is started."""
    terms = {
        "name": name,
        "price_fen": price_fen,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "quantity": quantity,
        "per_buyer_limit": per_buyer_limit,
        "unpaid_timeout_minutes": unpaid_timeout_minutes,
    }
    _validate({**terms, "store_id": store_id, "sku_id": sku_id, "location_id": location_id})
    sale = FlashSale.objects.create(
        store_id=store_id, sku_id=sku_id, location_id=location_id, **{**terms, "name": name.strip()}
    )
    audit.record(actor=actor, obj=sale, to_state=sale.status, reason="created")
    return sale


@transaction.atomic
def update_sale(
    *,
    sale_id: int,
    actor: Actor,
    name: str | None = None,
    store_id: int | None = None,
    sku_id: int | None = None,
    location_id: int | None = None,
    price_fen: int | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    quantity: int | None = None,
    per_buyer_limit: int | None = None,
    unpaid_timeout_minutes: int | None = None,
) -> FlashSale:
    """Change a draft sale (a started one is fixed: buyers are already counting on its terms)."""
    sale = _lock(sale_id)
    if sale.status != FlashSaleStatus.DRAFT:
        raise SaleNotEditable(detail={"status": sale.status})
    given = {
        "name": name,
        "store_id": store_id,
        "sku_id": sku_id,
        "location_id": location_id,
        "price_fen": price_fen,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "quantity": quantity,
        "per_buyer_limit": per_buyer_limit,
        "unpaid_timeout_minutes": unpaid_timeout_minutes,
    }
    changes = {k: v for k, v in given.items() if v is not None}
    merged = {
        field: changes.get(field, getattr(sale, field))
        for field in (*TERMS, "store_id", "sku_id", "location_id")
    }
    _validate(merged)
    if "name" in changes:
        changes["name"] = changes["name"].strip()
    for field, value in changes.items():
        setattr(sale, field, value)
    sale.save()
    audit.record(
        actor=actor,
        obj=sale,
        from_state=sale.status,
        to_state=sale.status,
        reason="updated",
        data={"fields": sorted(changes)},
    )
    return sale


def start_sale(*, sale_id: int, actor: Actor, now: datetime | None = None) -> FlashSale:
    """Set the sale's quantity aside at its location (409 if not that much is available there) and open
    it: running inside its window, scheduled before. Then load the Redis counters, if Redis is configured."""
    sale = _start(sale_id=sale_id, actor=actor, now=now or timezone.now())
    load_into_redis(sale_id=sale.pk)
    return sale


@transaction.atomic
def _start(*, sale_id: int, actor: Actor, now: datetime) -> FlashSale:
    sale = _lock(sale_id)
    target = FlashSaleStatus.RUNNING if sale.starts_at <= now else FlashSaleStatus.SCHEDULED
    SALE_LIFECYCLE.check(sale.status, target)
    if now >= sale.ends_at:
        raise NotRunning("活动结束时间已过,不能开始", detail={"ends_at": sale.ends_at.isoformat()})
    channels.get_active_store(sale.store_id)
    locations = orders.fulfillment_locations(sale.store_id)
    if not locations or locations[0] != sale.location_id:
        # create_order holds stock at the store's first location with enough: the unit set aside here
        # must be the one the order takes, or returned units could not come back to the sale.
        raise InvalidFlashSale.for_fields({"location_id": "备货库位必须是该店铺的首选发货库位"})
    item = inventory.ensure_stock_item(sku_id=sale.sku_id, location_id=sale.location_id)
    try:
        reservation = inventory.reserve_stock(
            stock_item_id=item.pk, quantity=sale.quantity, reference=f"flash-sale:{sale.pk}"
        )
    except InsufficientStock as exc:
        raise NotEnoughStock(detail=exc.detail) from exc
    sale.reservation_id, sale.remaining, sale.started_at = reservation.pk, sale.quantity, now
    _move_to(
        sale,
        target,
        actor=actor,
        reason=f"set aside {sale.quantity}",
        fields=("reservation", "remaining", "started_at"),
    )
    return sale


def end_sale(*, sale_id: int, actor: Actor, now: datetime | None = None, reason: str = "") -> FlashSale:
    """Close the sale and give what is left of the set-aside (unsold and returned units) back to general
    stock. Claims still held keep their orders; if they time out later their unit goes to general stock."""
    sale = _end(sale_id=sale_id, actor=actor, now=now or timezone.now(), reason=reason or "ended")
    g = redis_gate.gate()
    if g is not None:
        try:
            g.drop(sale_id=sale.pk)
        except redis_gate.redis_errors() as exc:  # keys left behind only lead buyers to the database path
            log.warning("flash sale %s: could not drop Redis keys: %s", sale.pk, exc)
    return sale


@transaction.atomic
def _end(*, sale_id: int, actor: Actor, now: datetime, reason: str) -> FlashSale:
    sale = _lock(sale_id)
    SALE_LIFECYCLE.check(sale.status, FlashSaleStatus.ENDED)
    released = 0
    if sale.reservation_id is not None:
        released = sum(
            r.quantity for r in inventory.release_reservations(reservation_ids=[sale.reservation_id])
        )
    if released != sale.remaining:
        raise AssertionError(f"flash sale {sale.pk}: set aside {released} but {sale.remaining} remaining")
    sale.released_quantity, sale.remaining, sale.reservation, sale.ended_at = released, 0, None, now
    _move_to(
        sale,
        FlashSaleStatus.ENDED,
        actor=actor,
        reason=f"{reason}; released {released}",
        fields=("released_quantity", "remaining", "reservation", "ended_at"),
    )
    return sale


def advance_sales(*, now: datetime | None = None) -> dict[str, int]:
    """The clock: scheduled sales whose window opened run, open sales whose window closed end."""
    now = now or timezone.now()
    actor = Actor.system("flash-sale-clock")
    started = ended = 0
    for sale_id in FlashSale.objects.filter(
        status=FlashSaleStatus.SCHEDULED, starts_at__lte=now, ends_at__gt=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            sale = _lock(sale_id)
            if sale.status == FlashSaleStatus.SCHEDULED:
                _move_to(sale, FlashSaleStatus.RUNNING, actor=actor, reason="window opened")
                started += 1
    for sale_id in FlashSale.objects.filter(status__in=OPEN_STATES, ends_at__lte=now).values_list(
        "pk", flat=True
    ):
        try:
            end_sale(sale_id=sale_id, actor=actor, now=now, reason="window closed")
        except InvalidTransition:
            continue
        ended += 1
    return {"started": started, "ended": ended}


def load_into_redis(*, sale_id: int) -> bool:
    """(Re)load a sale's Redis counters from the database (remaining, each buyer's held units). Safe at any
    time: a Redis count above the database's only sends extra buyers to the database, which refuses them."""
    g = redis_gate.gate()
    if g is None:
        return False
    sale = _get(sale_id)
    try:
        if sale.status not in OPEN_STATES:
            g.drop(sale_id=sale.pk)
            return False
        buyers = dict(FlashSaleBuyer.objects.filter(sale=sale, held__gt=0).values_list("customer_id", "held"))
        g.load(
            sale_id=sale.pk,
            starts_at=sale.starts_at,
            ends_at=sale.ends_at,
            limit=sale.per_buyer_limit,
            remaining=sale.remaining,
            buyers=buyers,
        )
    except redis_gate.redis_errors() as exc:
        log.warning("flash sale %s: Redis not loaded (%s); buyers take the database path", sale.pk, exc)
        return False
    return True


# --- buying ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Purchase:
    claim: Claim
    order: Order
    created: bool  # False: a retry of an earlier request (same request id) answered with its claim
    path: str  # "redis" or "db": which gate the attempt went through


def purchase(
    *,
    sale_id: int,
    customer_id: int,
    receiver: orders.Receiver,
    quantity: int = 1,
    request_id: str = "",
    now: datetime | None = None,
    path: str | None = None,
) -> Purchase:
    """Take ``quantity`` units for the member and create their order at the flash price.

    ``path`` forces "redis" or "db" (tests, benchmarks); by default Redis screens the attempt when it is
    configured and holds the sale's keys, the database path serves otherwise. Raises NotRunning,
    SoldOut, LimitReached (409) or InvalidPurchase (422); a refused or failed attempt changes nothing
    (a unit taken from Redis is given back). A repeated ``request_id`` returns the first claim."""
    now = now or timezone.now()
    request_id = (request_id or "").strip()
    _validate_purchase(quantity=quantity, receiver=receiver, request_id=request_id)
    if request_id:
        done = _claim_for_request(sale_id, customer_id, request_id)
        if done is not None:
            return done
    g = redis_gate.gate() if path in (None, PATH_REDIS) else None
    if path == PATH_REDIS and g is None:
        raise AssertionError("the Redis path needs REDIS_URL")
    # With Redis, the Lua script answers first: refused attempts (most of them) never touch the database.
    taken = g is not None and _take_from_redis(g, sale_id, customer_id, quantity, now)
    try:
        sale = _get(sale_id)
        if not taken:
            if quantity > sale.per_buyer_limit:
                raise LimitReached(
                    f"每人限购 {sale.per_buyer_limit} 件", detail={"limit": sale.per_buyer_limit}
                )
            _refuse_early(sale, now, quantity)
    except BaseException:
        if taken:
            _give_back(g, sale_id, customer_id, quantity)
        raise
    try:
        claim = _claim(
            sale,
            customer_id=customer_id,
            quantity=quantity,
            receiver=receiver,
            request_id=request_id,
            now=now,
        )
    except BaseException as exc:
        if taken:
            _give_back(g, sale_id, customer_id, quantity)
        if isinstance(exc, IntegrityError) and request_id:
            done = _claim_for_request(sale_id, customer_id, request_id)  # a concurrent duplicate won
            if done is not None:
                return done
        raise
    return Purchase(claim=claim, order=claim.order, created=True, path=PATH_REDIS if taken else PATH_DB)


def _validate_purchase(*, quantity, receiver: orders.Receiver, request_id: str) -> None:
    errors: dict[str, str] = {}
    if not _is_int(quantity, 1):
        errors["quantity"] = "购买数量必须为正整数"
    if not receiver.name.strip():
        errors["receiver.name"] = "请填写收货人"
    if not receiver.phone.strip():
        errors["receiver.phone"] = "请填写收货电话"
    if not receiver.address.strip():
        errors["receiver.address"] = "请填写收货地址"
    if len(request_id) > 64:
        errors["request_id"] = "请求号不能超过 64 个字符"
    if errors:
        raise InvalidPurchase.for_fields(errors)


def _claim_for_request(sale_id: int, customer_id: int, request_id: str) -> Purchase | None:
    claim = (
        Claim.objects.select_related("order")
        .filter(sale_id=sale_id, customer_id=customer_id, request_id=request_id)
        .first()
    )
    return None if claim is None else Purchase(claim=claim, order=claim.order, created=False, path=PATH_DB)


def _not_running(sale: FlashSale, now: datetime) -> NotRunning | None:
    if sale.status not in OPEN_STATES or now >= sale.ends_at:
        return NotRunning("秒杀已结束", detail={"ends_at": sale.ends_at.isoformat()})
    if now < sale.starts_at:
        return NotRunning("秒杀尚未开始", detail={"starts_at": sale.starts_at.isoformat()})
    return None


def _refuse_early(sale: FlashSale, now: datetime, quantity: int) -> None:
    """Refuse without writing what a plain read already shows (the conditional updates decide the rest)."""
    if (refusal := _not_running(sale, now)) is not None:
        raise refusal
    if sale.remaining < quantity:
        raise SoldOut()


def _take_from_redis(g, sale_id: int, customer_id: int, quantity: int, now: datetime) -> bool:
    """True: a unit is taken; False: Redis cannot answer (keys not loaded, server down), use the database."""
    try:
        taken = g.take(sale_id=sale_id, customer_id=customer_id, quantity=quantity, now=now)
    except redis_gate.redis_errors() as exc:
        log.warning("flash sale %s: Redis unavailable (%s), database path", sale_id, exc)
        return False
    if taken.outcome == redis_gate.OK:
        return True
    if taken.outcome == redis_gate.MISSING:
        return False
    if taken.outcome == redis_gate.SOLD_OUT:
        raise SoldOut()
    sale = _get(sale_id)  # a rarer refusal: read the sale for a precise message
    if taken.outcome == redis_gate.NOT_RUNNING:
        raise _not_running(sale, now) or NotRunning()
    if quantity > sale.per_buyer_limit:
        raise LimitReached(f"每人限购 {sale.per_buyer_limit} 件", detail={"limit": sale.per_buyer_limit})
    raise _limit_reached(sale, customer_id)


def _give_back(g, sale_id: int, customer_id: int, quantity: int) -> None:
    try:
        g.give_back(sale_id=sale_id, customer_id=customer_id, quantity=quantity)
    except redis_gate.redis_errors() as exc:  # Redis now counts fewer than the database: reload it
        log.error("flash sale %s: unit of buyer %s not given back to Redis (%s)", sale_id, customer_id, exc)


def _limit_reached(sale: FlashSale, customer_id: int) -> LimitReached:
    held = list(
        Claim.objects.filter(
            sale=sale, customer_id=customer_id, status__in=(ClaimStatus.HELD, ClaimStatus.PAID)
        ).values_list("order__number", flat=True)
    )
    return LimitReached(
        f"每人限购 {sale.per_buyer_limit} 件,您已抢到", detail={"limit": sale.per_buyer_limit, "orders": held}
    )


@transaction.atomic
def _claim(
    sale: FlashSale,
    *,
    customer_id: int,
    quantity: int,
    receiver: orders.Receiver,
    request_id: str,
    now: datetime,
) -> Claim:
    buyer = FlashSaleBuyer.objects.filter(sale=sale, customer_id=customer_id)
    FlashSaleBuyer.objects.bulk_create(
        [FlashSaleBuyer(sale=sale, customer_id=customer_id)], ignore_conflicts=True
    )
    if not buyer.filter(held__lte=sale.per_buyer_limit - quantity).update(
        held=F("held") + quantity, seq=F("seq") + 1
    ):
        raise _limit_reached(sale, customer_id)
    claim_no = buyer.values_list("seq", flat=True).get()
    won = FlashSale.objects.filter(
        pk=sale.pk, status__in=OPEN_STATES, starts_at__lte=now, ends_at__gt=now, remaining__gte=quantity
    ).update(remaining=F("remaining") - quantity)
    if not won:
        raise _not_running(_get(sale.pk), now) or SoldOut()
    reservation_id = FlashSale.objects.filter(pk=sale.pk).values_list("reservation_id", flat=True).get()
    if inventory.shrink_reservation(reservation_id=reservation_id, quantity=quantity) == 0:
        FlashSale.objects.filter(pk=sale.pk).update(reservation=None)
    actor = Actor(user_id=None, label=f"member:{customer_id}")
    spec = orders.NewOrder(
        store_id=sale.store_id,
        external_id=f"FS{sale.pk}-{customer_id}-{claim_no}",
        receiver=receiver,
        lines=[orders.LineSpec(sku_id=sale.sku_id, quantity=quantity, unit_price_fen=sale.price_fen)],
        customer_id=customer_id,
        placed_at=now,
        buyer_remark=f"秒杀 {sale.name}"[:200],
    )
    created = orders.create_order(spec=spec, actor=actor)
    if not created.created:
        raise AssertionError(f"order {spec.external_id} exists: claim numbers must be new")
    order = created.order
    if set(order.lines.values_list("location_id", flat=True)) != {sale.location_id}:
        raise SaleLocationChanged(detail={"location_id": sale.location_id})
    claim = Claim.objects.create(
        sale=sale,
        customer_id=customer_id,
        claim_no=claim_no,
        request_id=request_id,
        order=order,
        quantity=quantity,
        created_at=now,
    )
    audit.record(actor=actor, obj=claim, to_state=claim.status, reason=f"order {order.number}")
    return claim


# --- unpaid timeout and returns -------------------------------------------------------------------

PAID_ORDER_STATES = (OrderStatus.PAID, OrderStatus.ALLOCATED, OrderStatus.SHIPPED, OrderStatus.COMPLETED)


def return_expired_claims(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """The sweep over held claims: an order still unpaid past its sale's timeout is cancelled and its unit
    returned to the sale; a claim whose order was cancelled any other way gets its unit back too; a paid
    order marks its claim paid. Exactly once per claim: the claim's held → returned transition, on its
    locked row, is the guard. Each claim in its own transaction."""
    now = now or timezone.now()
    counts = {"returned": 0, "paid": 0}
    rows = (
        Claim.objects.filter(status=ClaimStatus.HELD)
        .order_by("created_at", "pk")
        .values_list("pk", "order__status", "created_at", "sale__unpaid_timeout_minutes")
    )
    due = []
    for claim_id, status, created_at, minutes in rows[: limit * 4]:
        if status == OrderStatus.PENDING_PAYMENT and created_at > now - timedelta(minutes=minutes):
            continue
        due.append(claim_id)
        if len(due) >= limit:
            break
    for claim_id in due:
        outcome = settle_claim(claim_id=claim_id, now=now)
        if outcome in counts:
            counts[outcome] += 1
    return counts


def settle_claim(*, claim_id: int, now: datetime | None = None) -> str:
    """Bring one held claim in line with its order (see ``return_expired_claims``). Returns "returned",
    "paid" or "" (nothing to do)."""
    now = now or timezone.now()
    outcome, sale_id, customer_id, quantity, sale_open = _settle(claim_id, now)
    if outcome == "returned" and sale_open:
        g = redis_gate.gate()
        if g is not None:
            _give_back(g, sale_id, customer_id, quantity)
    return outcome


@transaction.atomic
def _settle(claim_id: int, now: datetime) -> tuple[str, int, int, int, bool]:
    claim = Claim.objects.select_for_update().filter(pk=claim_id).first()
    if claim is None or claim.status != ClaimStatus.HELD:
        return "", 0, 0, 0, False
    order = Order.objects.select_for_update().only("pk", "status", "number").get(pk=claim.order_id)
    sale = FlashSale.objects.only("unpaid_timeout_minutes", "name").get(pk=claim.sale_id)
    system = Actor.system("flash-sale-timeout")
    if order.status in PAID_ORDER_STATES:
        claim.closed_at = now
        transition(
            claim,
            ClaimStatus.PAID,
            lifecycle=CLAIM_LIFECYCLE,
            actor=system,
            reason=f"order {order.number} paid",
            update_fields=["closed_at"],
        )
        return "paid", claim.sale_id, claim.customer_id, claim.quantity, False
    expired = claim.created_at <= now - timedelta(minutes=sale.unpaid_timeout_minutes)
    if order.status == OrderStatus.PENDING_PAYMENT and not expired:
        return "", 0, 0, 0, False
    # Counters before stock rows: the lock order purchases use (buyer → sale → stock → set-aside).
    FlashSaleBuyer.objects.filter(
        sale_id=claim.sale_id, customer_id=claim.customer_id, held__gte=claim.quantity
    ).update(held=F("held") - claim.quantity)
    sale_open = bool(
        FlashSale.objects.filter(pk=claim.sale_id, status__in=OPEN_STATES).update(
            remaining=F("remaining") + claim.quantity
        )
    )
    timed_out = order.status == OrderStatus.PENDING_PAYMENT
    if timed_out:
        orders.cancel_order(
            order_id=order.pk,
            actor=system,
            at=now,
            reason=f"秒杀订单超过 {sale.unpaid_timeout_minutes} 分钟未付款,自动取消",
        )
    reason = "unpaid timeout" if timed_out else "order cancelled"
    if sale_open and not _restock(claim):
        # Cancelled elsewhere and its unit already sold as general stock: the sale cannot have it back.
        FlashSale.objects.filter(pk=claim.sale_id).update(remaining=F("remaining") - claim.quantity)
        sale_open, reason = False, f"{reason}; unit no longer available at the sale's location"
    claim.closed_at = now
    transition(
        claim,
        ClaimStatus.RETURNED,
        lifecycle=CLAIM_LIFECYCLE,
        actor=system,
        reason=reason,
        update_fields=["closed_at"],
    )
    return "returned", claim.sale_id, claim.customer_id, claim.quantity, sale_open


def _restock(claim: Claim) -> bool:
    """Put the units back into the sale's set-aside (a new reservation when the old one was emptied);
    False when the location no longer has them available. The sale row is locked by the caller."""
    reservation_id = FlashSale.objects.filter(pk=claim.sale_id).values_list("reservation_id", flat=True).get()
    try:
        if reservation_id is not None:
            inventory.grow_reservation(reservation_id=reservation_id, quantity=claim.quantity)
            return True
        sale = FlashSale.objects.only("sku_id", "location_id").get(pk=claim.sale_id)
        item = inventory.ensure_stock_item(sku_id=sale.sku_id, location_id=sale.location_id)
        reservation = inventory.reserve_stock(
            stock_item_id=item.pk,
            quantity=claim.quantity,
            reference=f"flash-sale:{claim.sale_id}/return:{claim.pk}",
        )
    except InsufficientStock:
        return False
    FlashSale.objects.filter(pk=claim.sale_id).update(reservation=reservation)
    return True
