"""Promotions and member prices: created and changed by operators, each change audited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from huitong.catalog import selectors as catalog
from huitong.catalog.errors import SkuNotFound
from huitong.core import audit
from huitong.core.actors import Actor
from huitong.marketing import rules
from huitong.marketing.errors import (
    InvalidMemberPrice,
    InvalidPromotion,
    MemberPriceNotFound,
    PromotionNotFound,
)
from huitong.marketing.models import MemberPrice, Promotion, PromotionKind, Stage
from huitong.marketing.services.common import clean_codes, clean_scope


def _clean(
    *,
    name: str,
    kind: str,
    params: Any,
    stage: int | None,
    exclusive_group: str,
    priority: int,
    scope: Any,
    audience_tiers: Sequence[str],
    audience_segments: Sequence[str],
    starts_at: datetime,
    ends_at: datetime | None,
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if not (name or "").strip():
        errors["name"] = _("请填写名称")
    if kind not in PromotionKind.values:
        errors["kind"] = _("类型必须是 {kinds} 之一").format(kinds=", ".join(PromotionKind.values))
        clean_params: dict = {}
    else:
        clean_params, param_errors = rules.clean_params(kind, params)
        errors.update(param_errors)
        if not param_errors and kind == PromotionKind.GIFT:
            try:
                catalog.get_sku(clean_params["gift_sku_id"])
            except SkuNotFound:
                errors["params.gift_sku_id"] = _("赠品 SKU 不存在")
    if stage is not None and stage not in Stage.values:
        errors["stage"] = _("计算阶段必须是 2(单品)或 3(订单)")
    if len(exclusive_group or "") > 40:
        errors["exclusive_group"] = _("互斥组不超过 40 个字符")
    if not -1000 <= priority <= 1000:
        errors["priority"] = _("优先级必须在 -1000 到 1000 之间")
    clean = {
        "scope": clean_scope(scope, errors),
        "audience_tiers": clean_codes(audience_tiers, errors, "audience_tiers"),
        "audience_segments": clean_codes(audience_segments, errors, "audience_segments"),
    }
    if ends_at is not None and starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = _("结束时间必须晚于开始时间")
    if errors:
        raise InvalidPromotion.for_fields(errors)
    return {
        "name": name.strip(),
        "kind": kind,
        "params": clean_params,
        "stage": stage if stage is not None else rules.DEFAULT_STAGE[kind],
        "exclusive_group": (exclusive_group or "").strip(),
        "priority": priority,
        "starts_at": starts_at,
        "ends_at": ends_at,
        **clean,
    }


@transaction.atomic
def create_promotion(
    *,
    name: str,
    kind: str,
    params: dict[str, Any],
    starts_at: datetime,
    ends_at: datetime | None = None,
    stage: int | None = None,
    exclusive_group: str = "",
    exclusive: bool = False,
    priority: int = 0,
    scope: dict[str, Any] | None = None,
    audience_tiers: Sequence[str] = (),
    audience_segments: Sequence[str] = (),
    is_active: bool = True,
    actor: Actor,
) -> Promotion:
    data = _clean(
        name=name,
        kind=kind,
        params=params,
        stage=stage,
        exclusive_group=exclusive_group,
        priority=priority,
        scope=scope,
        audience_tiers=audience_tiers,
        audience_segments=audience_segments,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    promotion = Promotion.objects.create(**data, exclusive=exclusive, is_active=is_active)
    audit.record(actor=actor, obj=promotion, reason="创建促销", data={"kind": kind, "params": data["params"]})
    return promotion


@transaction.atomic
def update_promotion(
    *,
    promotion_id: int,
    name: str,
    kind: str,
    params: dict[str, Any],
    starts_at: datetime,
    ends_at: datetime | None = None,
    stage: int | None = None,
    exclusive_group: str = "",
    exclusive: bool = False,
    priority: int = 0,
    scope: dict[str, Any] | None = None,
    audience_tiers: Sequence[str] = (),
    audience_segments: Sequence[str] = (),
    is_active: bool = True,
    actor: Actor,
) -> Promotion:
    """Replace every setting of a promotion (the audit entry keeps what it was)."""
    promotion = Promotion.objects.select_for_update().filter(pk=promotion_id).first()
    if promotion is None:
        raise PromotionNotFound()
    data = _clean(
        name=name,
        kind=kind,
        params=params,
        stage=stage,
        exclusive_group=exclusive_group,
        priority=priority,
        scope=scope,
        audience_tiers=audience_tiers,
        audience_segments=audience_segments,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    before = {"kind": promotion.kind, "params": promotion.params, "is_active": promotion.is_active}
    for field, value in {**data, "exclusive": exclusive, "is_active": is_active}.items():
        setattr(promotion, field, value)
    promotion.save()
    audit.record(actor=actor, obj=promotion, reason="修改促销", data={"before": before})
    return promotion


@transaction.atomic
def set_promotion_active(*, promotion_id: int, is_active: bool, actor: Actor) -> Promotion:
    promotion = Promotion.objects.select_for_update().filter(pk=promotion_id).first()
    if promotion is None:
        raise PromotionNotFound()
    if promotion.is_active != is_active:
        promotion.is_active = is_active
        promotion.save(update_fields=["is_active", "updated_at"])
        audit.record(
            actor=actor,
            obj=promotion,
            from_state=str(not is_active).lower(),
            to_state=str(is_active).lower(),
            reason="启用促销" if is_active else "停用促销",
        )
    return promotion


@transaction.atomic
def set_member_price(*, sku_id: int, tier_code: str, price_fen: int, actor: Actor) -> MemberPrice:
    errors = {}
    tier_code = (tier_code or "").strip()
    if not tier_code or len(tier_code) > 30:
        errors["tier_code"] = _("请填写会员等级编码(不超过 30 个字符)")
    if isinstance(price_fen, bool) or not isinstance(price_fen, int) or price_fen < 0:
        errors["price_fen"] = _("会员价必须是非负整数(分)")
    try:
        sku = catalog.get_sku(sku_id)
    except SkuNotFound:
        errors["sku_id"] = _("SKU 不存在")
    else:
        if not errors and price_fen > sku.price_fen:
            errors["price_fen"] = _("会员价不能高于售价 {price} 分").format(price=sku.price_fen)
    if errors:
        raise InvalidMemberPrice.for_fields(errors)
    price, _created = MemberPrice.objects.update_or_create(
        sku_id=sku_id, tier_code=tier_code, defaults={"price_fen": price_fen}
    )
    audit.record(actor=actor, obj=price, reason="设置会员价", data={"price_fen": price_fen})
    return price


@transaction.atomic
def remove_member_price(*, sku_id: int, tier_code: str, actor: Actor) -> None:
    price = MemberPrice.objects.filter(sku_id=sku_id, tier_code=tier_code).first()
    if price is None:
        raise MemberPriceNotFound()
    audit.record(actor=actor, obj=price, reason="删除会员价", data={"price_fen": price.price_fen})
    price.delete()
