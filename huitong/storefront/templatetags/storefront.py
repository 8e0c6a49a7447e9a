from django import template

from huitong.core.money import format_yuan

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """Fen as a price: 12800 → ¥128.00."""
    return "" if fen is None else format_yuan(fen)


@register.filter
def get_item(mapping, key):
    """``mapping|get_item:key`` for dictionaries keyed by ids."""
    return mapping.get(key) if mapping else None


@register.simple_tag(takes_context=True)
def cart_count(context) -> int:
    request = context.get("request")
    return sum(request.session.get("cart", {}).values()) if request is not None and hasattr(request, "session") else 0


@register.simple_tag(takes_context=True)
def signed_in(context) -> bool:
    request = context.get("request")
    return bool(request is not None and hasattr(request, "session") and request.session.get("member_token"))
