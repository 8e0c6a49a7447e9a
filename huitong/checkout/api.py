"""Staff checkout: the POS counter sale with a member, coupons, points and split tenders, and cart
previews for the till."""

import dataclasses

from ninja import Router, Status

from huitong.checkout import presenters, services
from huitong.checkout.schemas import CartIn, CounterSaleIn, PlacedOut, PreviewOut
from huitong.core.api import actor_of, errors, staff
from huitong.core.permissions import Role
from huitong.payments.gateways import Tender

router = Router()
CASHIER = staff(Role.OPERATOR)


def _checkout(payload: CartIn, customer_id: int | None) -> services.Checkout:
    return services.Checkout(
        store_id=payload.store_id, customer_id=customer_id, coupon_codes=payload.coupon_codes, points=payload.points,
        lines=[services.CheckoutLine(sku_id=line.sku_id, quantity=line.quantity) for line in payload.lines])


def _member(payload: CounterSaleIn) -> int | None:
    return services.find_member(**payload.member.dict()) if payload.member else None


@router.post("/preview", response={200: PreviewOut, **errors(404, 422)}, auth=CASHIER,
             summary="Price a cart at the till (member price, promotions, coupons, points)")
def preview(request, payload: CounterSaleIn):
    result = services.preview(checkout=_checkout(payload, _member(payload)))
    return {"priced": presenters.priced(result.priced), "shipping_fen": result.shipping_fen,
            "total_fen": result.total_fen, "points_balance": result.points_balance,
            "points_redeemable": result.points_redeemable}


@router.post("/counter-sales", response={201: PlacedOut, **errors(404, 409, 422)}, auth=CASHIER,
             summary="A POS sale with member, coupons, points and split tenders, completed at once")
def counter_sale(request, payload: CounterSaleIn):
    customer_id = _member(payload)
    tenders = [Tender(**tender.dict()) for tender in payload.tenders]
    sold = services.sell_at_counter(checkout=_checkout(payload, customer_id), actor=actor_of(request),
                                    tenders=[dataclasses.replace(t, customer_id=t.customer_id or customer_id)
                                             for t in tenders])
    return Status(201, presenters.placed(sold))
