"""Customers' checkout at /api/store/v1/checkout: preview a cart (every adjustment with its reason), place
the order (coupons and points taken with it), and pay it. Signed-in members only."""

from ninja import Router, Status

from huitong.checkout import presenters, services
from huitong.checkout.schemas import CartIn, PayIn, PayOut, PlacedOut, PlaceIn, PreviewOut
from huitong.core.actors import Actor
from huitong.core.api import errors
from huitong.members.auth import member_auth
from huitong.orders.services import Receiver

router = Router(auth=member_auth)
STOREFRONT = Actor.system("storefront")


def _checkout(request, payload: CartIn, **extra) -> services.Checkout:
    return services.Checkout(
        store_id=payload.store_id, customer_id=request.auth, coupon_codes=payload.coupon_codes, points=payload.points,
        lines=[services.CheckoutLine(sku_id=line.sku_id, quantity=line.quantity) for line in payload.lines], **extra)


@router.post("/preview", response={200: PreviewOut, **errors(404, 422)}, summary="Price a cart")
def preview(request, payload: CartIn):
    result = services.preview(checkout=_checkout(request, payload))
    return {"priced": presenters.priced(result.priced), "shipping_fen": result.shipping_fen,
            "total_fen": result.total_fen, "points_balance": result.points_balance,
            "points_redeemable": result.points_redeemable}


@router.post("/orders", response={201: PlacedOut, 200: PlacedOut, **errors(404, 409, 422)},
             summary="Place an order (idempotent per checkout_token)")
def place(request, payload: PlaceIn):
    wanted = _checkout(request, payload, receiver=Receiver(**payload.receiver.dict()),
                       buyer_remark=payload.buyer_remark, shipping_fen=payload.shipping_fen,
                       external_id=payload.checkout_token)
    result = services.place_order(checkout=wanted, actor=STOREFRONT)
    return Status(201 if result.created else 200, presenters.placed(result))


@router.get("/orders/{number}", response={200: PlacedOut, **errors(404)}, summary="One of my orders")
def get_order(request, number: str):
    order = services.access_order(customer_id=request.auth, number=number)
    return {"order": presenters.order_summary(order), "points_fen": 0}


@router.post("/orders/{number}/pay", response={200: PayOut, **errors(404, 409, 422)},
             summary="Pay what is due (sandbox at once; Alipay/WeChat Pay return a pay URL or QR code)")
def pay(request, number: str, payload: PayIn):
    started = services.start_payment(customer_id=request.auth, number=number, method=payload.method, actor=STOREFRONT)
    return {"order": presenters.order_summary(started.order), "pay_url": started.pay_url,
            "qr_code": started.qr_code}
