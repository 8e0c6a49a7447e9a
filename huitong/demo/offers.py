"""The demo's members side once its orders exist: tiers and RFM segments computed from the purchases,
store-wide promotions, a coupon campaign to lapsing members, and a running flash sale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from huitong.core.actors import Actor
from huitong.flashsale import services as flashsale
from huitong.inventory import selectors as inventory
from huitong.marketing import services as marketing
from huitong.members import services as members
from huitong.members.models import Segment


@dataclass(frozen=True)
class Offers:
    members_scored: int
    coupons_issued: int
    flash_sale_id: int | None


def seed_offers(*, actor: Actor, web_store_id: int, web_location_id: int) -> Offers:
    now = timezone.now()
    members.recompute_tiers(now=now)
    scored = members.recompute_rfm(now=now).scored
    marketing.create_promotion(name="全场满199减20,满299减40", kind="threshold_off",
                               params={"tiers": [[19900, 2000], [29900, 4000]]},
                               starts_at=now - timedelta(days=30), ends_at=now + timedelta(days=60), actor=actor)
    marketing.create_promotion(name="第二件半价", kind="second_item", params={"pay_percent": 50},
                               starts_at=now - timedelta(days=7), ends_at=now + timedelta(days=30),
                               exclusive_group="item", actor=actor)
    welcome = marketing.create_coupon_template(name="老友回归 20 元券", kind="fixed", value_fen=2000,
                                               threshold_fen=15000, valid_days=30, actor=actor)
    campaign = marketing.create_campaign(name="流失预警会员唤醒", template_id=welcome.pk, segment=Segment.AT_RISK,
                                         actor=actor)
    issued = marketing.run_campaign(campaign_id=campaign.pk, actor=actor).issued
    return Offers(scored, issued, _flash_sale(actor, web_store_id, web_location_id, now))


def _flash_sale(actor: Actor, store_id: int, location_id: int, now) -> int | None:
    """A week-long 秒杀 of the SKU the main warehouse holds most of, at half price, 30 units, one each."""
    stock = inventory.list_stock(location_id=location_id).first()
    if stock is None or stock.on_hand - stock.reserved < 60:
        return None
    sale = flashsale.create_sale(name=f"{stock.sku.display_name} 限时秒杀", store_id=store_id, sku_id=stock.sku_id,
                                 location_id=location_id, price_fen=stock.sku.price_fen // 2, starts_at=now,
                                 ends_at=now + timedelta(days=7), quantity=30, per_buyer_limit=1, actor=actor)
    return flashsale.start_sale(sale_id=sale.pk, actor=actor, now=now).pk
