from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone

from huitong.core import audit
from huitong.orders.errors import OrderNotFound
from huitong.orders.models import Order


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
    date_to: date | None = None, search: str | None = None,
) -> QuerySet[Order]:
    """Orders newest first; ``date_to`` is inclusive (local dates)."""
    qs = Order.objects.select_related("store").prefetch_related("lines")
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
