"""Member sign-in and profile for the storefront API: a one-time code by SMS, then a member token."""

from django.http import HttpResponse
from ninja import Router, Status

from huitong.core.api import errors
from huitong.members import selectors, services
from huitong.members.auth import member_auth
from huitong.members.cards import card_png
from huitong.members.phones import masked
from huitong.members.schemas import CodeIn, LoginIn, LoginOut, MeOut

router = Router()


@router.post(
    "/code",
    response={204: None, **errors(409, 422)},
    auth=None,
    summary="Send a 6-digit sign-in code to a phone (one per 60 seconds)",
)
def request_code(request, payload: CodeIn):
    services.request_login_code(phone=payload.phone)
    return Status(204, None)


@router.post(
    "/login",
    response={200: LoginOut, **errors(409, 422)},
    auth=None,
    summary="Sign in with phone and code; the member is created on first sign-in",
)
def login(request, payload: LoginIn):
    logged_in = services.login_with_code(phone=payload.phone, code=payload.code)
    return LoginOut(token=logged_in.token, customer_id=logged_in.customer_id)


@router.post("/logout", response={204: None, **errors()}, auth=member_auth)
def logout(request):
    token = request.headers.get("Authorization", "").partition(" ")[2].strip()
    services.logout(token=token)
    return Status(204, None)


@router.get("/me", response={200: MeOut, **errors(404)}, auth=member_auth)
def me(request):
    customer = selectors.get_customer(request.auth)
    rfm, tier = getattr(customer, "rfm", None), selectors.member_tier(customer.pk)
    return MeOut(
        id=customer.pk,
        display_name=customer.display_name,
        phone=masked(customer.phone),
        card_no=customer.card_no,
        tier_code=tier.code,
        tier_name=tier.name,
        segment=rfm.segment if rfm else "",
        segment_label=rfm.get_segment_display() if rfm else "",
    )


@router.get(
    "/me/card.png",
    response={200: None, **errors(404)},
    auth=member_auth,
    summary="My member card number as a QR code (PNG)",
)
def my_card(request):
    return HttpResponse(card_png(selectors.get_customer(request.auth).card_no), content_type="image/png")
