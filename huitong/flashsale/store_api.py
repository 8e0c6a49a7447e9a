"""Flash sales for customers: see a sale, and buy from it (member token)."""

from datetime import timedelta

from ninja import Router, Status

from huitong.core.api import errors
from huitong.flashsale import selectors, services
from huitong.flashsale.schemas import PublicSaleOut, PurchaseIn, PurchaseOut
from huitong.members.auth import member_auth
from huitong.orders.services import Receiver

router = Router(tags=["flash sales"])


@router.get("/{sale_id}", response={200: PublicSaleOut, **errors(404)}, auth=None)
def get_sale(request, sale_id: int):
    return selectors.get_sale(sale_id)


@router.post(
    "/{sale_id}/purchase",
    response={201: PurchaseOut, 200: PurchaseOut, **errors(404, 409, 422)},
    auth=member_auth,
    summary="Take a unit and get an order to pay (201; 200 for a repeated request_id)",
)
def purchase(request, sale_id: int, payload: PurchaseIn):
    done = services.purchase(
        sale_id=sale_id,
        customer_id=request.auth,
        quantity=payload.quantity,
        receiver=Receiver(**payload.receiver.dict()),
        request_id=payload.request_id,
    )
    claim, order = done.claim, done.order
    body = PurchaseOut(
        sale_id=claim.sale_id,
        claim_no=claim.claim_no,
        quantity=claim.quantity,
        order_number=order.number,
        amount_due_fen=order.total_fen - order.paid_fen,
        created=done.created,
        pay_before=claim.created_at + timedelta(minutes=claim.sale.unpaid_timeout_minutes),
    )
    return Status(201 if done.created else 200, body)
