"""After-sales reads: requests, their history, and what each order line can still take back."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from huitong.aftersales.errors import RequestNotFound
from huitong.aftersales.models import RELEASED_STATES, AfterSalesLine, AfterSalesRequest
from huitong.core import audit
from huitong.core.money import round_fen
from huitong.orders import selectors as orders

# The orders' personal data is not needed to show a request: leave it encrypted in the row.
_PERSONAL = [f"{order}__{field}" for order in ("order", "replacement_order")
             for field in ("receiver_name", "receiver_phone", "address")]


def _requests() -> QuerySet[AfterSalesRequest]:
    return (AfterSalesRequest.objects.select_related("order__store", "replacement_order")
            .defer(*_PERSONAL).prefetch_related("lines__order_line"))


def get_request(request_id: int) -> AfterSalesRequest:
    found = _requests().filter(pk=request_id).first()
    if found is None:
        raise RequestNotFound(request_id=f"售后单 {request_id} 不存在")
    return found


def list_requests(
    *, status: str | None = None, kind: str | None = None, order_id: int | None = None, store_id: int | None = None,
    search: str | None = None,
) -> QuerySet[AfterSalesRequest]:
    """Requests newest first; ``search`` matches the request number, the order number or platform refund id."""
    qs = _requests()
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if order_id:
        qs = qs.filter(order_id=order_id)
    if store_id:
        qs = qs.filter(order__store_id=store_id)
    if search:
        qs = qs.filter(Q(number=search) | Q(order__number=search) | Q(platform_refund_id=search))
    return qs.order_by("-created_at", "-id")


def request_history(request: AfterSalesRequest):
    return audit.history(request)


@dataclass(frozen=True)
class LineAllowance:
    """What one order line can still take back: units not in an open request, and the money paid for them."""

    order_line_id: int
    line_no: int
    sku_id: int | None
    sku_code: str
    title: str
    location_id: int | None
    quantity: int
    amount_fen: int
    claimed_quantity: int
    claimed_fen: int

    @property
    def returnable_quantity(self) -> int:
        return self.quantity - self.claimed_quantity

    @property
    def remaining_fen(self) -> int:
        return self.amount_fen - self.claimed_fen

    def value_of(self, quantity: int) -> int:
        """What was paid for ``quantity`` more units: their share of the line amount (the one rounding,
        half up), the last units taking whatever is left so all units together add up to the line amount."""
        if quantity >= self.returnable_quantity:
            return self.remaining_fen
        return min(round_fen(Decimal(self.amount_fen) * quantity / self.quantity), self.remaining_fen)


def line_allowances(order_id: int, *, exclude_request_id: int | None = None) -> dict[int, LineAllowance]:
    """Per order line (by id): units and money still free of open requests. Two queries."""
    claims = (AfterSalesLine.objects.filter(order_line__order_id=order_id)
              .exclude(request__status__in=RELEASED_STATES))
    if exclude_request_id is not None:
        claims = claims.exclude(request_id=exclude_request_id)
    claimed = {row["order_line_id"]: (row["q"], row["v"])
               for row in claims.values("order_line_id").annotate(q=Sum("quantity"), v=Sum("value_fen"))}
    order = orders.get_order(order_id)
    return {
        line.pk: LineAllowance(
            order_line_id=line.pk, line_no=line.line_no, sku_id=line.sku_id, sku_code=line.sku_code,
            title=line.title, location_id=line.location_id, quantity=line.quantity, amount_fen=line.amount_fen,
            claimed_quantity=claimed.get(line.pk, (0, 0))[0], claimed_fen=claimed.get(line.pk, (0, 0))[1],
        )
        for line in sorted(order.lines.all(), key=lambda ln: ln.line_no)
    }


def open_refund_fen(order_id: int, *, exclude_request_id: int | None = None) -> int:
    """Money promised or paid back on the order by requests that still stand."""
    qs = AfterSalesRequest.objects.filter(order_id=order_id).exclude(status__in=RELEASED_STATES)
    if exclude_request_id is not None:
        qs = qs.exclude(pk=exclude_request_id)
    return qs.aggregate(s=Sum("refund_fen"))["s"] or 0
