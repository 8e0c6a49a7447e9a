"""Earn rules (per store, per platform, default) and the redeem settings row; every change audited."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction

from huitong.channels import selectors as channels
from huitong.channels.models import Platform
from huitong.core import audit
from huitong.core.actors import Actor
from huitong.core.errors import InvalidInput
from huitong.loyalty import selectors
from huitong.loyalty.errors import DuplicateEarnRule
from huitong.loyalty.models import EarnRule, RedeemConfig


def _check_rule(name: str, store_id: int | None, platform: str, points_per_yuan: Decimal) -> None:
    errors = {}
    if not name.strip():
        errors["name"] = "请填写名称"
    if store_id is not None and platform:
        errors["platform"] = "按店铺或按平台，二选一"
    if platform and platform not in Platform.values:
        errors["platform"] = f"未知平台 {platform}"
    if (
        not isinstance(points_per_yuan, Decimal)
        or not points_per_yuan.is_finite()
        or points_per_yuan < 0
        or points_per_yuan > 1000
        or points_per_yuan != points_per_yuan.quantize(Decimal("0.01"))
    ):
        errors["points_per_yuan"] = "须为 0 到 1000 之间、最多两位小数"
    if errors:
        raise InvalidInput.for_fields(errors)
    if store_id is not None:
        channels.get_store(store_id)


def _save(rule: EarnRule, actor: Actor, action: str) -> EarnRule:
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as exc:
        raise DuplicateEarnRule(
            detail={"fields": {"store_id" if rule.store_id else "platform": "该范围已有积分规则"}}
        ) from exc
    audit.record(
        actor=actor,
        obj=rule,
        reason=action,
        data={
            "store_id": rule.store_id,
            "platform": rule.platform,
            "points_per_yuan": str(rule.points_per_yuan),
            "is_active": rule.is_active,
        },
    )
    return rule


@transaction.atomic
def create_earn_rule(
    *,
    name: str,
    points_per_yuan: Decimal,
    actor: Actor,
    store_id: int | None = None,
    platform: str = "",
    is_active: bool = True,
) -> EarnRule:
    _check_rule(name, store_id, platform, points_per_yuan)
    rule = EarnRule(
        name=name.strip(),
        store_id=store_id,
        platform=platform,
        points_per_yuan=points_per_yuan,
        is_active=is_active,
    )
    return _save(rule, actor, "create earn rule")


@transaction.atomic
def update_earn_rule(
    *,
    rule_id: int,
    name: str,
    points_per_yuan: Decimal,
    actor: Actor,
    store_id: int | None = None,
    platform: str = "",
    is_active: bool = True,
) -> EarnRule:
    rule = selectors.get_earn_rule(rule_id)
    _check_rule(name, store_id, platform, points_per_yuan)
    rule.name, rule.store_id, rule.platform = name.strip(), store_id, platform
    rule.points_per_yuan, rule.is_active = points_per_yuan, is_active
    return _save(rule, actor, "update earn rule")


@transaction.atomic
def delete_earn_rule(*, rule_id: int, actor: Actor) -> None:
    rule = selectors.get_earn_rule(rule_id)
    audit.record(
        actor=actor,
        obj=rule,
        reason="delete earn rule",
        data={
            "store_id": rule.store_id,
            "platform": rule.platform,
            "points_per_yuan": str(rule.points_per_yuan),
        },
    )
    rule.delete()


@transaction.atomic
def update_redeem_config(
    *, points_per_yuan: int, max_share_percent: int, step: int, actor: Actor
) -> RedeemConfig:
    errors = {}
    for field, value, low, high in (
        ("points_per_yuan", points_per_yuan, 1, 100_000),
        ("max_share_percent", max_share_percent, 0, 100),
        ("step", step, 1, 100_000),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[field] = f"须为 {low} 到 {high} 之间的整数"
    if errors:
        raise InvalidInput.for_fields(errors)
    config, _ = RedeemConfig.objects.select_for_update().get_or_create(pk=1)
    before = {
        "points_per_yuan": config.points_per_yuan,
        "max_share_percent": config.max_share_percent,
        "step": config.step,
    }
    config.points_per_yuan, config.max_share_percent, config.step = points_per_yuan, max_share_percent, step
    config.save()
    audit.record(
        actor=actor,
        obj=config,
        reason="update redeem config",
        data={
            "before": before,
            "after": {
                "points_per_yuan": points_per_yuan,
                "max_share_percent": max_share_percent,
                "step": step,
            },
        },
    )
    return config
