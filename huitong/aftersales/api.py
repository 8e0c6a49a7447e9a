from ninja import Query, Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from huitong.aftersales import selectors, services
from huitong.aftersales.schemas import (
    AllowanceOut,
    ApproveIn,
    HistoryOut,
    NoteIn,
    OptionalReasonIn,
    ReasonIn,
    ReceiveIn,
    RequestFilter,
    RequestIn,
    RequestOut,
)
from huitong.core.api import ANY_STAFF, actor_of, errors, staff
from huitong.core.permissions import Role

router = Router()
SERVICE = staff(Role.CUSTOMER_SERVICE)
WAREHOUSE = staff(Role.WAREHOUSE)
FINANCE = staff(Role.FINANCE)


def _out(request_id: int):
    return selectors.get_request(request_id)


@router.post("/requests", response={201: RequestOut, **errors(404, 409, 422)}, auth=SERVICE,
             summary="Open an after-sales request (refund only, return and refund, exchange)")
def open_request(request, payload: RequestIn):
    data = payload.dict()
    spec = services.NewRequest(**{**data, "lines": [services.LineRequest(**line) for line in data["lines"]]})
    return Status(201, _out(services.open_request(spec=spec, actor=actor_of(request)).pk))


@router.get("/requests", response=list[RequestOut], auth=ANY_STAFF, summary="The after-sales queue")
@paginate(LimitOffsetPagination)
def list_requests(request, filters: Query[RequestFilter]):
    return selectors.list_requests(**filters.dict())


@router.get("/requests/{request_id}", response={200: RequestOut, **errors(404)}, auth=ANY_STAFF)
def get_request(request, request_id: int):
    return _out(request_id)


@router.get("/requests/{request_id}/history", response={200: list[HistoryOut], **errors(404)}, auth=ANY_STAFF)
def request_history(request, request_id: int):
    return list(selectors.request_history(selectors.get_request(request_id)))


@router.post("/requests/{request_id}/approve", response={200: RequestOut, **errors(404, 409, 422)}, auth=SERVICE)
def approve(request, request_id: int, payload: ApproveIn):
    services.approve_request(request_id=request_id, **payload.dict(), actor=actor_of(request))
    return _out(request_id)


@router.post("/requests/{request_id}/reject", response={200: RequestOut, **errors(404, 409, 422)}, auth=SERVICE)
def reject(request, request_id: int, payload: ReasonIn):
    services.reject_request(request_id=request_id, reason=payload.reason, actor=actor_of(request))
    return _out(request_id)


@router.post("/requests/{request_id}/cancel", response={200: RequestOut, **errors(404, 409)}, auth=SERVICE,
             summary="The buyer withdraws the request")
def cancel(request, request_id: int, payload: OptionalReasonIn):
    services.cancel_request(request_id=request_id, reason=payload.reason, actor=actor_of(request))
    return _out(request_id)


@router.post("/requests/{request_id}/receive", response={200: RequestOut, **errors(404, 409, 422)},
             auth=WAREHOUSE, summary="Record the returned goods and their inspection (restocks)")
def receive(request, request_id: int, payload: ReceiveIn):
    inspections = [services.Inspection(**line) for line in payload.dict()["lines"]]
    services.receive_return(request_id=request_id, inspections=inspections, carrier_code=payload.carrier_code,
                            waybill_no=payload.waybill_no, actor=actor_of(request))
    return _out(request_id)


@router.post("/requests/{request_id}/refund", response={200: RequestOut, **errors(404, 409, 422)}, auth=FINANCE)
def refund(request, request_id: int):
    services.refund_request(request_id=request_id, actor=actor_of(request))
    return _out(request_id)


@router.post("/requests/{request_id}/exchange", response={200: RequestOut, **errors(404, 409, 422)},
             auth=SERVICE, summary="Create the replacement order of an exchange")
def exchange(request, request_id: int):
    services.exchange_request(request_id=request_id, actor=actor_of(request))
    return _out(request_id)


@router.post("/requests/{request_id}/close", response={200: RequestOut, **errors(404, 409)}, auth=SERVICE)
def close(request, request_id: int, payload: NoteIn):
    services.close_request(request_id=request_id, note=payload.note, actor=actor_of(request))
    return _out(request_id)


@router.get("/orders/{order_id}/allowances", response={200: list[AllowanceOut], **errors(404)}, auth=ANY_STAFF,
            summary="What each line of an order can still take back (units and money)")
def allowances(request, order_id: int):
    return list(selectors.line_allowances(order_id).values())
