"""Promotions and member prices: per-kind params are validated with field errors; nothing changes on refusal."""

from datetime import timedelta

import pytest

from huitong.core.audit import history
from huitong.marketing import services
from huitong.marketing.errors import InvalidMemberPrice, InvalidPromotion, MemberPriceNotFound
from huitong.marketing.models import MemberPrice, Promotion

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "params", "fields"),
    [
        ("multi_buy", {"min_quantity": 0, "pay_percent": 100}, {"params.min_quantity", "params.pay_percent"}),
        ("multi_buy", {"min_quantity": 3}, {"params.pay_percent"}),
        ("second_item", {"pay_percent": "50"}, {"params.pay_percent"}),
        ("threshold_off", {"tiers": []}, {"params.tiers"}),
        ("threshold_off", {"tiers": [[19900, 2000], [29900, 1000]]}, {"params.tiers"}),
        ("threshold_off", {"tiers": [[100, 200]]}, {"params.tiers[0]"}),
        ("threshold_off", {"tiers": [[100, 10], [200, 30]], "each_time": True}, {"params.tiers"}),
        ("threshold_off", {"tiers": [[100, 10]], "cap_fen": 50}, {"params.cap_fen"}),
        ("gift", {"threshold_fen": 100, "gift_sku_id": 999999}, {"params.gift_sku_id"}),
        ("gift", {"threshold_fen": 100, "gift_sku_id": 1, "colour": "red"}, {"params.colour"}),
        ("bogo", {}, {"kind"}),
    ],
)
def test_params_are_checked_per_kind(shop, kind, params, fields):
    with pytest.raises(InvalidPromotion) as exc:
        shop.promotion(kind, params)
    assert set(exc.value.detail["fields"]) == fields
    assert Promotion.objects.count() == 0


def test_other_field_errors(shop):
    with pytest.raises(InvalidPromotion) as exc:
        shop.promotion(
            "second_item",
            {"pay_percent": 50},
            name=" ",
            stage=7,
            ends_at=shop.now - timedelta(days=2),
            scope={"category_ids": [999999], "store_ids": ["x"]},
            audience_tiers=[""],
        )
    assert set(exc.value.detail["fields"]) == {
        "name",
        "stage",
        "ends_at",
        "scope.category_ids",
        "scope.store_ids",
        "audience_tiers",
    }


def test_create_defaults_the_stage_by_kind_and_update_replaces(shop):
    item = shop.promotion(
        "multi_buy", {"min_quantity": 2, "pay_percent": 90}, scope={"sku_ids": [shop.cup.pk] * 2}
    )
    order = shop.promotion("threshold_off", {"tiers": [[29900, 4000], [19900, 2000]]})
    assert (item.stage, order.stage, item.scope) == (2, 3, {"sku_ids": [shop.cup.pk]})
    assert order.params == {"tiers": [[19900, 2000], [29900, 4000]], "each_time": False, "cap_fen": None}
    updated = services.update_promotion(
        promotion_id=item.pk,
        name="改名",
        kind="second_item",
        params={"pay_percent": 50},
        starts_at=shop.now,
        exclusive=True,
        actor=shop.actor,
    )
    assert (updated.kind, updated.stage, updated.exclusive, updated.scope) == ("second_item", 2, True, {})
    assert [h.reason for h in history(updated)] == ["创建促销", "修改促销"]


def test_member_prices(shop):
    services.set_member_price(sku_id=shop.cup.pk, tier_code="gold", price_fen=2000, actor=shop.actor)
    services.set_member_price(sku_id=shop.cup.pk, tier_code="gold", price_fen=1900, actor=shop.actor)
    assert list(MemberPrice.objects.values_list("tier_code", "price_fen")) == [("gold", 1900)]
    with pytest.raises(InvalidMemberPrice) as exc:
        services.set_member_price(sku_id=shop.cup.pk, tier_code="gold", price_fen=2600, actor=shop.actor)
    assert exc.value.detail["fields"] == {"price_fen": "会员价不能高于售价 2500 分"}
    with pytest.raises(InvalidMemberPrice):
        services.set_member_price(sku_id=999999, tier_code="", price_fen=-1, actor=shop.actor)
    assert MemberPrice.objects.get().price_fen == 1900
    services.remove_member_price(sku_id=shop.cup.pk, tier_code="gold", actor=shop.actor)
    with pytest.raises(MemberPriceNotFound):
        services.remove_member_price(sku_id=shop.cup.pk, tier_code="gold", actor=shop.actor)
