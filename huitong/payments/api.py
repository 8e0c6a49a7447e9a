"""Payments at /api/v1/payments: staff reads for finance, operators and customer service; writes (refunds,
asynchronous payments, tenders, reconciliation) for finance (admin always passes). The gateways' notify
endpoints are public: they are authenticated by the gateway's signature, never by a staff token."""

from django.http import HttpResponse, JsonResponse
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from huitong.core.api import actor_of, errors, staff
from huitong.core.permissions import Role
from huitong.payments import callbacks, reconciliation, selectors, services
from huitong.payments.gateways import Tender
from huitong.payments.models import StatementGateway
from huitong.payments.schemas import (
    AsyncPaymentIn,
    CloseIn,
    PaymentDetailOut,
    PaymentFilter,
    PaymentOut,
    ReconciliationOut,
    RefundIn,
    RefundOut,
    TendersIn,
)

router = Router(tags=["payments"])
READ = staff(Role.FINANCE, Role.OPERATOR, Role.CUSTOMER_SERVICE)
FINANCE = staff(Role.FINANCE)


# --- gateway notifies (public) ----------------------------------------------------------------------


@router.post("/notify/alipay", auth=None, include_in_schema=False)
def alipay_notify(request):
    outcome = callbacks.handle_alipay_notify(params=request.POST.dict())
    return HttpResponse(
        "success" if outcome.accepted else "failure",
        content_type="text/plain",
        status=200 if outcome.accepted else 400,
    )


@router.post("/notify/wechat", auth=None, include_in_schema=False)
def wechat_notify(request):
    outcome = callbacks.handle_wechat_notify(
        headers=request.headers, body=request.body.decode("utf-8", "replace")
    )
    if outcome.accepted:
        return HttpResponse(status=204)
    return JsonResponse({"code": "FAIL", "message": outcome.message}, status=400)


# --- payments -----------------------------------------------------------------------------------------


@router.get("", response=list[PaymentOut], auth=READ, summary="List payments")
@paginate(LimitOffsetPagination)
def list_payments(request, filters: Query[PaymentFilter]):
    data = filters.dict()
    return selectors.search_payments(
        **{**data, "method": data["method"] or "", "status": data["status"] or ""}
    )


@router.post(
    "",
    response={201: PaymentOut, **errors(422, 502)},
    auth=FINANCE,
    summary="Start an Alipay / WeChat Pay payment (returns the pay URL and QR code)",
)
def create_payment(request, payload: AsyncPaymentIn):
    return Status(201, services.create_payment(**payload.dict(), actor=actor_of(request)))


@router.post(
    "/tenders",
    response={201: list[PaymentOut], **errors(404, 409, 422)},
    auth=FINANCE,
    summary="Take split tenders for one document, all or nothing",
)
def take_tenders(request, payload: TendersIn):
    tenders = [Tender(**t.dict()) for t in payload.tenders]
    return Status(
        201, services.take_tenders(reference=payload.reference, tenders=tenders, actor=actor_of(request))
    )


@router.get("/{int:payment_id}", response={200: PaymentDetailOut, **errors(404)}, auth=READ)
def get_payment(request, payment_id: int):
    return selectors.get_payment(payment_id)


@router.get("/{int:payment_id}/refunds", response={200: list[RefundOut], **errors(404)}, auth=READ)
def list_refunds(request, payment_id: int):
    return list(selectors.list_refunds(payment_id=selectors.get_payment(payment_id).pk))


@router.post(
    "/{int:payment_id}/refunds",
    response={200: PaymentDetailOut, **errors(404, 409, 422, 502)},
    auth=FINANCE,
    summary="Refund part or all of a settled payment",
)
def refund(request, payment_id: int, payload: RefundIn):
    services.refund_payment(payment_id=payment_id, **payload.dict(), actor=actor_of(request))
    return selectors.get_payment(payment_id)


@router.post(
    "/{int:payment_id}/query",
    response={200: PaymentDetailOut, **errors(404, 409, 502)},
    auth=FINANCE,
    summary="Ask the gateway for the trade's status and apply it",
)
def query(request, payment_id: int):
    return services.query_payment(payment_id=payment_id, actor=actor_of(request))


@router.post(
    "/{int:payment_id}/close", response={200: PaymentDetailOut, **errors(404, 409, 502)}, auth=FINANCE
)
def close(request, payment_id: int, payload: CloseIn):
    return services.close_payment(payment_id=payment_id, reason=payload.reason, actor=actor_of(request))


# --- reconciliation -----------------------------------------------------------------------------------


@router.post(
    "/reconciliations",
    response={201: ReconciliationOut, **errors(422)},
    auth=FINANCE,
    summary="Import a gateway statement (CSV) and reconcile it",
)
def reconcile(request, gateway: Form[StatementGateway], file: File[UploadedFile]):
    run = reconciliation.reconcile_statement(
        gateway=gateway, file_name=file.name or "", content=file.read(), actor=actor_of(request)
    )
    return Status(201, run)


@router.get("/reconciliations/{int:run_id}", response={200: ReconciliationOut, **errors(404)}, auth=READ)
def get_reconciliation(request, run_id: int):
    return selectors.get_reconciliation(run_id)
