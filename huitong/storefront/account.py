"""The member centre: one member across every channel — tier, card with its QR code, points (with the
lots that expire next), stored value, coupons and the orders of every channel."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from huitong.loyalty import selectors as loyalty
from huitong.marketing import selectors as marketing
from huitong.members import selectors as members
from huitong.members.cards import card_png as render_card_png
from huitong.members.phones import masked
from huitong.orders import selectors as orders
from huitong.storefront import session

RECENT = 10


def me(request: HttpRequest):
    member = session.member_id(request)
    if member is None:
        return redirect(reverse("storefront:login") + "?next=" + request.path)
    customer = members.get_customer(member)
    now = timezone.now()
    return render(request, "storefront/me.html", {
        "customer": customer,
        "phone": masked(customer.phone) if customer.phone else "",
        "tier": members.member_tier(member),
        "points": loyalty.points_balance(member),
        "lots": list(loyalty.list_points_lots(member, open_only=True)[:3]),
        "entries": list(loyalty.list_points_entries(member)[:RECENT]),
        "stored_value_fen": loyalty.stored_value_balance(member),
        "coupons": [c for c in marketing.list_coupons(customer_id=member, status="issued")[:RECENT]
                    if c.valid_until > now],
        "orders": list(orders.list_orders(customer_id=member)[:RECENT]),
    })


def card_png(request: HttpRequest):
    member = session.member_id(request)
    if member is None:
        return HttpResponse(status=401)
    response = HttpResponse(render_card_png(members.get_customer(member).card_no), content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response
