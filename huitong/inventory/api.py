from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from huitong.catalog import selectors as catalog
from huitong.core.api import ANY_STAFF, actor_of, errors, staff
from huitong.core.permissions import Role
from huitong.inventory import selectors, services
from huitong.inventory.schemas import (
    AdjustmentIn,
    AdjustmentOut,
    LocationIn,
    LocationOut,
    MovementOut,
    ReceiptIn,
    SafetyStockIn,
    SkuStockOut,
    StockLevelOut,
    TransferIn,
    TransferOut,
)

router = Router()
WAREHOUSE = staff(Role.WAREHOUSE, Role.OPERATOR)


@router.get("/locations", response=list[LocationOut], auth=ANY_STAFF)
def list_locations(request, kind: str | None = None):
    return selectors.list_locations(kind=kind)


@router.post("/locations", response={201: LocationOut, **errors(409, 422)}, auth=staff(Role.OPERATOR))
def create_location(request, payload: LocationIn):
    return Status(201, services.create_location(**payload.dict()))


@router.get("/skus/{sku_id}/stock", response={200: SkuStockOut, **errors(404)}, auth=ANY_STAFF,
            summary="Stock of a SKU across locations")
def sku_stock(request, sku_id: int):
    catalog.get_sku(sku_id)
    levels = selectors.stock_of_sku(sku_id)
    return SkuStockOut(
        sku_id=sku_id, on_hand=sum(x.on_hand for x in levels), reserved=sum(x.reserved for x in levels),
        available=sum(x.available for x in levels), locations=[StockLevelOut(**x.__dict__) for x in levels],
    )


@router.get("/movements", response=list[MovementOut], auth=ANY_STAFF)
@paginate(LimitOffsetPagination)
def list_movements(request, sku_id: int | None = None, location_id: int | None = None, reference: str | None = None):
    return selectors.list_movements(sku_id=sku_id, location_id=location_id, reference=reference)


@router.post("/receipts", response={201: MovementOut, **errors(404, 422)}, auth=WAREHOUSE)
def receive(request, payload: ReceiptIn):
    return Status(201, services.receive_stock(**payload.dict(), actor=actor_of(request)))


@router.post("/adjustments", response={200: AdjustmentOut, **errors(404, 409, 422)}, auth=WAREHOUSE,
             summary="Stocktake: set on hand to the counted quantity")
def adjust(request, payload: AdjustmentIn):
    movement = services.adjust_stock(**payload.dict(), actor=actor_of(request))
    return AdjustmentOut(changed=movement is not None, movement=movement)


@router.post("/transfers", response={201: TransferOut, **errors(404, 409, 422)}, auth=WAREHOUSE)
def transfer(request, payload: TransferIn):
    out, into = services.transfer_stock(**payload.dict(), actor=actor_of(request))
    return Status(201, TransferOut(out=out, into=into))


@router.put("/safety-stock", response={200: StockLevelOut, **errors(404, 422)}, auth=staff(Role.OPERATOR))
def set_safety_stock(request, payload: SafetyStockIn):
    item = services.set_safety_stock(**payload.dict())
    return next(x for x in selectors.stock_of_sku(item.sku_id) if x.location_id == item.location_id).__dict__
