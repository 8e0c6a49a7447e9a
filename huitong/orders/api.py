from ninja import Query, Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from huitong.core.api import ANY_STAFF, actor_of, errors, staff
from huitong.core.permissions import Role
from huitong.orders import selectors, services
from huitong.orders.schemas import (
    AllocateIn,
    CancelIn,
    CounterSaleIn,
    HistoryOut,
    OrderFilter,
    OrderIn,
    OrderOut,
    PayIn,
    ShipIn,
    StoreLocationsIn,
)
from huitong.orders.services import LineSpec, NewOrder, Receiver

router = Router()
OPERATOR = staff(Role.OPERATOR)
FULFILMENT = staff(Role.OPERATOR, Role.WAREHOUSE)


@router.post("", response={201: OrderOut, 200: OrderOut, **errors(404, 409, 422)}, auth=OPERATOR,
             summary="Create an order (idempotent per store + external_id)")
def create_order(request, payload: OrderIn):
    data = payload.dict()
    spec = NewOrder(**{**data, "lines": [LineSpec(**line) for line in data["lines"]],
                       "receiver": Receiver(**data["receiver"])})
    result = services.create_order(spec=spec, actor=actor_of(request))
    return Status(201 if result.created else 200, selectors.get_order(result.order.pk))


@router.post("/counter-sales", response={201: OrderOut, **errors(404, 409, 422)}, auth=OPERATOR,
             summary="A POS sale: paid, handed over and completed in one step")
def counter_sale(request, payload: CounterSaleIn):
    data = payload.dict()
    lines = [LineSpec(**line) for line in data.pop("lines")]
    order = services.sell_at_counter(**data, lines=lines, actor=actor_of(request))
    return Status(201, selectors.get_order(order.pk))


@router.get("", response=list[OrderOut], auth=ANY_STAFF)
@paginate(LimitOffsetPagination)
def list_orders(request, filters: Query[OrderFilter]):
    return selectors.list_orders(**filters.dict())


@router.get("/{order_id}", response={200: OrderOut, **errors(404)}, auth=ANY_STAFF)
def get_order(request, order_id: int):
    return selectors.get_order(order_id)


@router.get("/{order_id}/history", response={200: list[HistoryOut], **errors(404)}, auth=ANY_STAFF)
def order_history(request, order_id: int):
    return list(selectors.order_history(selectors.get_order(order_id)))


@router.post("/{order_id}/pay", response={200: OrderOut, **errors(404, 409, 422)},
             auth=staff(Role.OPERATOR, Role.FINANCE), summary="Pay through the sandbox gateway")
def pay(request, order_id: int, payload: PayIn):
    services.pay_order(order_id=order_id, method=payload.method, actor=actor_of(request))
    return selectors.get_order(order_id)


@router.post("/{order_id}/allocate", response={200: OrderOut, **errors(404, 409, 422)}, auth=FULFILMENT)
def allocate(request, order_id: int, payload: AllocateIn):
    services.allocate_order(order_id=order_id, location_id=payload.location_id, actor=actor_of(request))
    return selectors.get_order(order_id)


@router.post("/{order_id}/ship", response={200: OrderOut, **errors(404, 409, 422)},
             auth=staff(Role.WAREHOUSE))
def ship(request, order_id: int, payload: ShipIn):
    services.ship_order(order_id=order_id, **payload.dict(), actor=actor_of(request))
    return selectors.get_order(order_id)


@router.post("/{order_id}/complete", response={200: OrderOut, **errors(404, 409)}, auth=OPERATOR)
def complete(request, order_id: int):
    services.complete_order(order_id=order_id, actor=actor_of(request))
    return selectors.get_order(order_id)


@router.post("/{order_id}/cancel", response={200: OrderOut, **errors(404, 409, 422)},
             auth=staff(Role.OPERATOR, Role.CUSTOMER_SERVICE))
def cancel(request, order_id: int, payload: CancelIn):
    services.cancel_order(order_id=order_id, reason=payload.reason, actor=actor_of(request))
    return selectors.get_order(order_id)


@router.put("/stores/{store_id}/locations", response={200: StoreLocationsIn, **errors(404, 422)}, auth=OPERATOR,
            summary="Set which locations fulfil a store's orders, in priority order")
def set_store_locations(request, store_id: int, payload: StoreLocationsIn):
    return {"location_ids": services.set_fulfillment_locations(store_id=store_id, location_ids=payload.location_ids)}


from huitong.orders.api_review import router as workflow_router  # noqa: E402

router.add_router("/workflow", workflow_router)
