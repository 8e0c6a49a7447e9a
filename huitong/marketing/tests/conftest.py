"""A small marketing world: a web store and a POS store, a tea category tree, three SKUs, two members,
and a fake tier/segment source (members' own rules are tested in members)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from huitong.catalog.tests.factories import BrandFactory, CategoryFactory, ProductFactory, SkuFactory
from huitong.channels import services as channels
from huitong.core.actors import Actor
from huitong.core.errors import InvalidInput
from huitong.members.models import Customer
from huitong.members.selectors import TierInfo

GOLD = TierInfo(code="gold", name="金卡", points_multiplier=Decimal("1.5"), member_discount_percent=95)
NORMAL = TierInfo(code="normal", name="普通会员", points_multiplier=Decimal("1"), member_discount_percent=100)


class Shop:
    def __init__(self, monkeypatch):
        self.actor = Actor.system("test")
        self.now = timezone.now()
        self.web = channels.create_store(code="WEB", name="商城", platform="web_mall")
        self.pos = channels.create_store(code="POS1", name="西湖店", platform="pos")
        self.tea = CategoryFactory(name="茶叶")
        self.green = CategoryFactory(name="绿茶", parent=self.tea)
        self.ware = CategoryFactory(name="茶具")
        self.brand = BrandFactory(name="西湖")
        self.longjing = SkuFactory(
            price_fen=10000, product=ProductFactory(category=self.green, brand=self.brand)
        )
        self.biluochun = SkuFactory(price_fen=6000, product=ProductFactory(category=self.green))
        self.cup = SkuFactory(price_fen=2500, product=ProductFactory(category=self.ware))
        self.alice = Customer.objects.create(display_name="Alice")
        self.bob = Customer.objects.create(display_name="Bob")
        self.tiers = {self.alice.pk: GOLD}
        self.segments = {"champions": [self.alice.pk]}
        monkeypatch.setattr(
            "huitong.marketing.services.common.member_tier",
            lambda customer_id: self.tiers.get(customer_id, NORMAL),
        )
        monkeypatch.setattr("huitong.marketing.services.common.segment_customer_ids", self._segment)

    def _segment(self, segment):
        if segment not in ("champions", "loyal", "new"):
            raise InvalidInput.for_fields({"segment": "未知分群"})
        return list(self.segments.get(segment, []))

    def promotion(self, kind, params, **kwargs):
        from huitong.marketing import services

        kwargs.setdefault("name", f"促销 {kind}")
        kwargs.setdefault("starts_at", self.now - timedelta(days=1))
        return services.create_promotion(kind=kind, params=params, actor=self.actor, **kwargs)

    def template(self, **kwargs):
        from huitong.marketing import services

        kwargs.setdefault("name", "满100减10")
        kwargs.setdefault("kind", "fixed")
        if kwargs["kind"] == "fixed":
            kwargs.setdefault("value_fen", 1000)
        kwargs.setdefault("valid_days", 30)
        return services.create_coupon_template(actor=self.actor, **kwargs)


@pytest.fixture
def shop(db, monkeypatch):
    return Shop(monkeypatch)
