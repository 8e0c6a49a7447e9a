from django import template

from huitong.core.money import format_yuan

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """Fen as a price: 12800 → ¥128.00."""
    return "" if fen is None else format_yuan(fen)
