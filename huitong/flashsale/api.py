"""Flash sales, staff side: operators create, edit (while draft), start and end sales; every staff role
reads them and their stats (units sold, held, paid, returned; remaining in the database vs Redis)."""

from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from huitong.core.api import ANY_STAFF, actor_of, errors, staff
from huitong.core.permissions import Role
from huitong.flashsale import selectors, services
from huitong.flashsale.schemas import (
    ClaimOut,
    EndIn,
    FlashSaleIn,
    FlashSaleOut,
    FlashSalePatch,
    StatsOut,
    SyncOut,
)

router = Router(tags=["flash sales"])
OPERATOR = staff(Role.OPERATOR)


@router.get("", response=list[FlashSaleOut], auth=ANY_STAFF)
@paginate(LimitOffsetPagination)
def list_sales(request, status: str | None = None, store_id: int | None = None):
    return selectors.list_sales(status=status, store_id=store_id)


@router.post("", response={201: FlashSaleOut, **errors(422)}, auth=OPERATOR)
def create_sale(request, payload: FlashSaleIn):
    return Status(201, services.create_sale(**payload.dict(), actor=actor_of(request)))


@router.get("/{sale_id}", response={200: FlashSaleOut, **errors(404)}, auth=ANY_STAFF)
def get_sale(request, sale_id: int):
    return selectors.get_sale(sale_id)


@router.patch("/{sale_id}", response={200: FlashSaleOut, **errors(404, 409, 422)}, auth=OPERATOR)
def update_sale(request, sale_id: int, payload: FlashSalePatch):
    return services.update_sale(sale_id=sale_id, **payload.dict(exclude_none=True), actor=actor_of(request))


@router.post(
    "/{sale_id}/start",
    response={200: FlashSaleOut, **errors(404, 409, 422)},
    auth=OPERATOR,
    summary="Set the quantity aside and open the sale",
)
def start_sale(request, sale_id: int):
    return services.start_sale(sale_id=sale_id, actor=actor_of(request))


@router.post(
    "/{sale_id}/end",
    response={200: FlashSaleOut, **errors(404, 409)},
    auth=OPERATOR,
    summary="Close the sale and release what is left",
)
def end_sale(request, sale_id: int, payload: EndIn):
    return services.end_sale(sale_id=sale_id, actor=actor_of(request), reason=payload.reason)


@router.get("/{sale_id}/stats", response={200: StatsOut, **errors(404)}, auth=ANY_STAFF)
def sale_stats(request, sale_id: int):
    return selectors.sale_stats(sale_id)


@router.get("/{sale_id}/claims", response={200: list[ClaimOut], **errors(404)}, auth=ANY_STAFF)
@paginate(LimitOffsetPagination)
def list_claims(request, sale_id: int, status: str | None = None):
    return selectors.list_claims(sale_id=selectors.get_sale(sale_id).pk, status=status)


@router.post(
    "/{sale_id}/redis-sync",
    response={200: SyncOut, **errors(404)},
    auth=OPERATOR,
    summary="Reload the sale's Redis counters from the database",
)
def sync_redis(request, sale_id: int):
    return SyncOut(loaded=services.load_into_redis(sale_id=sale_id))
