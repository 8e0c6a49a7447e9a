"""Service results → API output dictionaries (shared by the staff and storefront routers)."""

from __future__ import annotations

from huitong.marketing.pricing import PricedCart
from huitong.orders.models import Order


def priced(p: PricedCart) -> dict:
    return {
        "lines": [vars(line) for line in p.lines],
        "gifts": [{"sku_id": g.sku_id, "quantity": g.quantity, "reason": g.reason} for g in p.gifts],
        "adjustments": adjustments(p),
        "unapplied_coupons": [{"code": c.code, "reason": c.reason} for c in p.unapplied_coupons],
        "subtotal_fen": p.subtotal_fen, "discount_fen": p.discount_fen, "total_fen": p.total_fen,
    }


def adjustments(p: PricedCart | None) -> list[dict]:
    if p is None:
        return []
    return [{"kind": a.kind, "reason": a.reason, "amount_fen": a.amount_fen, "source_id": a.source_id, "code": a.code}
            for a in p.adjustments]


def order_summary(order: Order) -> dict:
    return {"number": order.number, "status": order.status, "total_fen": order.total_fen, "paid_fen": order.paid_fen,
            "due_fen": order.total_fen - order.paid_fen, "discount_fen": order.discount_fen,
            "customer_id": order.customer_id}


def placed(result) -> dict:
    return {"order": order_summary(result.order), "adjustments": adjustments(result.priced),
            "points_fen": result.points_fen}
