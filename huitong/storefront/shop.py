"""The web mall's buying pages: cart (priced by the one price-calculation service, every adjustment
with its reason), checkout, the order page with payment, and member sign-in with a phone code."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huitong.catalog import selectors as catalog
from huitong.channels import selectors as channels
from huitong.checkout import services as checkout
from huitong.core.actors import Actor
from huitong.core.errors import DomainError
from huitong.members.services import login as member_login
from huitong.orders import services as orders
from huitong.orders.errors import OrderNotFound
from huitong.storefront import session

CHECKOUT_TOKEN = "checkout_token"


def web_mall_store_id() -> int | None:
    """The store the web mall sells as: ``HUITONG_WEB_MALL_STORE`` (a store code), else the first active
    web-mall store."""
    code = getattr(settings, "HUITONG_WEB_MALL_STORE", "")
    stores = channels.list_stores(active_only=True).filter(platform="web_mall").order_by("pk")
    store = stores.filter(code=code).first() if code else stores.first()
    return store.pk if store else None


def _int(value, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _errors(exc: DomainError) -> list[str]:
    fields = exc.detail.get("fields") or {}
    return [str(message) for message in fields.values()] or [exc.message]


def _checkout_from(request: HttpRequest, member: int | None) -> checkout.Checkout | None:
    store_id = web_mall_store_id()
    items = session.cart(request)
    if store_id is None or not items:
        return None
    codes = [c.strip() for c in request.POST.get("coupon_codes", request.GET.get("coupon", "")).split(",") if c.strip()]
    receiver = orders.Receiver(**{f: request.POST.get(f, "").strip()[:200] for f in (
        "name", "phone", "province", "city", "district", "address")})
    return checkout.Checkout(
        store_id=store_id, lines=[checkout.CheckoutLine(sku_id=s, quantity=q) for s, q in sorted(items.items())],
        customer_id=member, coupon_codes=codes[:5], points=max(0, _int(request.POST.get("points"))),
        receiver=receiver, buyer_remark=request.POST.get("remark", "").strip()[:500],
        external_id=request.session.get(CHECKOUT_TOKEN, ""),
    )


def cart_page(request: HttpRequest):
    member = session.member_id(request)
    wanted = _checkout_from(request, member)
    context = {"member": member, "preview": None, "problems": [], "coupon": request.GET.get("coupon", "")}
    if wanted is not None:
        try:
            context["preview"] = checkout.preview(checkout=wanted)
        except DomainError as exc:
            context["problems"] = _errors(exc)
        context["skus"] = catalog.skus_by_ids(list(session.cart(request)))
    request.session.setdefault(CHECKOUT_TOKEN, secrets.token_hex(12))
    return render(request, "storefront/cart.html", context)


@require_POST
def cart_add(request: HttpRequest):
    sku_id, quantity = _int(request.POST.get("sku_id")), _int(request.POST.get("quantity"), 1)
    sku = catalog.skus_by_ids([sku_id]).get(sku_id)
    if sku is None or not sku.is_active or quantity < 1:
        messages.error(request, _("该商品暂不可购买"))
    else:
        session.add_to_cart(request, sku_id, quantity)
        messages.success(request, _("已加入购物车: %(name)s") % {"name": sku.display_name})
    return redirect(request.POST.get("next") or reverse("storefront:cart"))


@require_POST
def cart_update(request: HttpRequest):
    session.set_quantity(request, _int(request.POST.get("sku_id")), _int(request.POST.get("quantity")))
    coupon = request.POST.get("coupon_codes", "").strip()
    return redirect(reverse("storefront:cart") + (f"?coupon={coupon}" if coupon else ""))


@require_POST
def place_order(request: HttpRequest):
    member = session.member_id(request)
    if member is None:
        return redirect(reverse("storefront:login") + "?next=" + reverse("storefront:cart"))
    wanted = _checkout_from(request, member)
    if wanted is None:
        return redirect("storefront:cart")
    try:
        placed = checkout.place_order(checkout=wanted, actor=Actor.system("storefront"))
    except DomainError as exc:
        for problem in _errors(exc):
            messages.error(request, problem)
        return redirect(reverse("storefront:cart") + (f"?coupon={','.join(wanted.coupon_codes)}"
                                                      if wanted.coupon_codes else ""))
    session.save_cart(request, {})
    request.session[CHECKOUT_TOKEN] = secrets.token_hex(12)
    return redirect("storefront:order", number=placed.order.number)


def order_page(request: HttpRequest, number: str):
    member = session.member_id(request)
    if member is None:
        return redirect(reverse("storefront:login") + "?next=" + request.path)
    try:
        order = checkout.access_order(customer_id=member, number=number)
    except OrderNotFound:
        raise Http404 from None
    return render(request, "storefront/order.html", {
        "order": order, "lines": order.lines.order_by("line_no"), "due_fen": order.total_fen - order.paid_fen,
        "member": member,
    })


@require_POST
def pay(request: HttpRequest, number: str):
    member = session.member_id(request)
    if member is None:
        return redirect("storefront:login")
    try:
        checkout.pay_now(customer_id=member, number=number, method="sandbox", actor=Actor.system("storefront"))
        messages.success(request, _("支付成功"))
    except OrderNotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("storefront:order", number=number)


def login_page(request: HttpRequest):
    next_url = request.GET.get("next") or request.POST.get("next") or reverse("storefront:me")
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = reverse("storefront:me")
    phone = request.POST.get("phone", "").strip()
    context = {"next": next_url, "phone": phone, "code_sent": False, "problems": []}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "send":
                member_login.request_login_code(phone=phone)
                context["code_sent"] = True
            else:
                signed_in = member_login.login_with_code(phone=phone, code=request.POST.get("code", ""))
                session.sign_in(request, signed_in.token)
                return redirect(next_url)
        except DomainError as exc:
            context["problems"] = _errors(exc)
            context["code_sent"] = request.POST.get("action") != "send"
    return render(request, "storefront/login.html", context)


@require_POST
def logout(request: HttpRequest):
    token = request.session.get(session.MEMBER_TOKEN)
    if token:
        member_login.logout(token=token)
    request.session.flush()
    return redirect("storefront:home")
