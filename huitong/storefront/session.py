"""What the web mall keeps in the visitor's session: the signed-in member (by their member token, so
signing out revokes it) and the cart (SKU id → quantity)."""

from __future__ import annotations

from django.http import HttpRequest

from huitong.members.auth import member_for_token

MEMBER_TOKEN = "member_token"
CART = "cart"
MAX_QUANTITY = 99
MAX_LINES = 50


def member_id(request: HttpRequest) -> int | None:
    token = request.session.get(MEMBER_TOKEN)
    return member_for_token(token) if token else None


def sign_in(request: HttpRequest, token: str) -> None:
    request.session.cycle_key()  # no session fixation across sign-in
    request.session[MEMBER_TOKEN] = token


def cart(request: HttpRequest) -> dict[int, int]:
    return {int(sku): qty for sku, qty in request.session.get(CART, {}).items()}


def save_cart(request: HttpRequest, items: dict[int, int]) -> None:
    request.session[CART] = {str(sku): qty for sku, qty in items.items() if qty > 0}


def add_to_cart(request: HttpRequest, sku_id: int, quantity: int) -> None:
    items = cart(request)
    if sku_id not in items and len(items) >= MAX_LINES:
        return
    items[sku_id] = max(0, min(MAX_QUANTITY, items.get(sku_id, 0) + quantity))
    save_cart(request, items)


def set_quantity(request: HttpRequest, sku_id: int, quantity: int) -> None:
    items = cart(request)
    if sku_id in items:
        items[sku_id] = max(0, min(MAX_QUANTITY, quantity))
        save_cart(request, items)


def cart_count(request: HttpRequest) -> int:
    return sum(cart(request).values())
