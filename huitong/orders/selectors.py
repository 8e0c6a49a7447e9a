from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone

from huitong.core import audit
from huitong.orders.errors import MergeGroupNotFound, OrderNotFound
from huitong.orders.models import (
    BlacklistEntry,
    FloorPrice,
    MergeGroup,
    Order,
    OrderReview,
    OrderStatus,
    ReviewRule,
    ReviewStatus,
)


def get_order(order_id: int) -> Order:
    order = Order.objects.select_related("store").prefetch_related("lines").filter(pk=order_id).first()
    if order is None:
        raise OrderNotFound(order_id=f"订单 {order_id} 不存在")
    return order


def get_order_by_number(number: str) -> Order:
    order = Order.objects.select_related("store").prefetch_related("lines").filter(number=number).first()
    if order is None:
        raise OrderNotFound(number=f"订单 {number} 不存在")
    return order


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def list_orders(
    *, status: str | None = None, store_id: int | None = None, date_from: date | None = None,
    date_to: date | None = None, search: str | None = None, customer_id: int | None = None,
) -> QuerySet[Order]:
    """Orders newest first; ``date_to`` is inclusive (local dates)."""
    qs = Order.objects.select_related("store").prefetch_related("lines")
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if status:
        qs = qs.filter(status=status)
    if store_id:
        qs = qs.filter(store_id=store_id)
    if date_from:
        qs = qs.filter(placed_at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(placed_at__lt=_day_start(date_to) + timezone.timedelta(days=1))
    if search:
        qs = qs.filter(Q(number=search) | Q(external_id=search) | Q(buyer_nick=search))
    return qs.order_by("-placed_at", "-id")


def order_history(order: Order):
    return audit.history(order)


# --- 审单 / 合单 / 分仓 -----------------------------------------------------------------------------

def review_queue(*, review_status: str | None = None, store_id: int | None = None, code: str | None = None
                 ) -> QuerySet[Order]:
    """Unshipped paid orders waiting for review, held by review, waiting for finance, or held by a
    process (out of stock, unmapped, refund, allocation failed): oldest payment first."""
    pending = [ReviewStatus.WAITING, ReviewStatus.HELD, ReviewStatus.FINANCE]
    qs = Order.objects.select_related("store").filter(status__in=[OrderStatus.PAID, OrderStatus.ALLOCATED]).filter(
        Q(review_status__in=pending) | ~Q(hold_reasons=[]))
    if review_status:
        qs = qs.filter(review_status=review_status)
    if store_id:
        qs = qs.filter(store_id=store_id)
    if code:
        qs = qs.filter(hold_reasons__icontains=f'"code": "{code}"')
    return qs.defer("receiver_name", "receiver_phone", "address").order_by("paid_at", "pk")


def review_history(order_id: int):
    """The order's review transitions (audited as orders.orderreview), oldest first."""
    get_order(order_id)
    return audit.history(OrderReview(pk=order_id))


def list_review_rules(*, store_id: int | None = None):
    qs = ReviewRule.objects.order_by("position", "id")
    return qs.filter(Q(store_id=store_id) | Q(store_id__isnull=True)) if store_id else qs


def list_blacklist(*, kind: str | None = None):
    qs = BlacklistEntry.objects.order_by("-created_at", "-id")
    return qs.filter(kind=kind) if kind else qs


def list_floor_prices():
    return FloorPrice.objects.select_related("sku").order_by("sku__code")


def get_merge_group(group_id: int):
    group = MergeGroup.objects.prefetch_related("orders").filter(pk=group_id).first()
    if group is None:
        raise MergeGroupNotFound(group_id=f"合单 {group_id} 不存在")
    return group


def list_merge_groups(*, status: str | None = None, store_id: int | None = None):
    qs = MergeGroup.objects.prefetch_related("orders").order_by("-created_at", "-id")
    if status:
        qs = qs.filter(status=status)
    if store_id:
        qs = qs.filter(store_id=store_id)
    return qs
