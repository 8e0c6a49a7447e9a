from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from huitong.flashsale import gate as redis_gate
from huitong.flashsale.errors import FlashSaleNotFound
from huitong.flashsale.models import Claim, ClaimStatus, FlashSale


def get_sale(sale_id: int) -> FlashSale:
    sale = FlashSale.objects.filter(pk=sale_id).first()
    if sale is None:
        raise FlashSaleNotFound(sale_id=f"秒杀活动 {sale_id} 不存在")
    return sale


def list_sales(*, status: str | None = None, store_id: int | None = None) -> QuerySet[FlashSale]:
    sales = FlashSale.objects.all()
    if status:
        sales = sales.filter(status=status)
    if store_id:
        sales = sales.filter(store_id=store_id)
    return sales.order_by("-starts_at", "-id")


def list_claims(*, sale_id: int, status: str | None = None) -> QuerySet[Claim]:
    claims = Claim.objects.filter(sale_id=sale_id).select_related("order")
    if status:
        claims = claims.filter(status=status)
    return claims.order_by("created_at", "pk")


@dataclass(frozen=True)
class SaleStats:
    sale_id: int
    status: str
    quantity: int
    sold: int  # units claimed and not returned (held + paid)
    held: int
    paid: int
    returned: int
    buyers: int
    remaining_db: int
    set_aside: int  # units the sale's reservation holds now
    remaining_redis: int | None  # None: no Redis, or the sale's keys are not loaded
    held_redis: int | None
    released: int


def sale_stats(sale_id: int) -> SaleStats:
    sale = FlashSale.objects.select_related("reservation").filter(pk=sale_id).first()
    if sale is None:
        raise FlashSaleNotFound(sale_id=f"秒杀活动 {sale_id} 不存在")
    units = {status: Sum("quantity", filter=Q(status=status), default=0) for status in ClaimStatus.values}
    totals = Claim.objects.filter(sale=sale).aggregate(
        **units, buyers=Count("customer", distinct=True, filter=~Q(status=ClaimStatus.RETURNED))
    )
    snapshot = None
    g = redis_gate.gate()
    if g is not None:
        try:
            snapshot = g.snapshot(sale_id=sale.pk)
        except redis_gate.redis_errors():
            snapshot = None
    reservation = sale.reservation
    return SaleStats(
        sale_id=sale.pk,
        status=sale.status,
        quantity=sale.quantity,
        sold=totals[ClaimStatus.HELD] + totals[ClaimStatus.PAID],
        held=totals[ClaimStatus.HELD],
        paid=totals[ClaimStatus.PAID],
        returned=totals[ClaimStatus.RETURNED],
        buyers=totals["buyers"],
        remaining_db=sale.remaining,
        set_aside=reservation.quantity if reservation is not None and reservation.status == "active" else 0,
        remaining_redis=snapshot["remaining"] if snapshot else None,
        held_redis=snapshot["held"] if snapshot else None,
        released=sale.released_quantity,
    )
