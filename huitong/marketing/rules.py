"""Between the tables and the engine: per-kind validation of a promotion's ``params`` and of a
``scope`` (field errors, no database), and the conversion of rows into ``pricing`` rules."""

from __future__ import annotations

from typing import Any

from huitong.marketing import pricing
from huitong.marketing.models import Coupon, CouponKind, Promotion, PromotionKind, Stage

SCOPE_ID_KEYS = ("store_ids", "sku_ids", "product_ids", "category_ids", "brand_ids")
SCOPE_KEYS = (*SCOPE_ID_KEYS, "platforms")
DEFAULT_STAGE = {
    PromotionKind.MULTI_BUY: Stage.ITEM,
    PromotionKind.SECOND_ITEM: Stage.ITEM,
    PromotionKind.THRESHOLD_OFF: Stage.ORDER,
    PromotionKind.GIFT: Stage.ORDER,
}
MAX_FEN = 10**12


def _int(params: dict, key: str, errors: dict, path: str, *, low: int, high: int, required: bool = True):
    value = params.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors[f"{path}.{key}"] = "必须是整数"
        return None
    if not low <= value <= high:
        errors[f"{path}.{key}"] = f"必须在 {low} 到 {high} 之间"
        return None
    return value


def _tiers(params: dict, errors: dict, path: str) -> list[list[int]]:
    tiers = params.get("tiers")
    if not isinstance(tiers, list) or not tiers:
        errors[f"{path}.tiers"] = "至少需要一档 [门槛(分), 减免(分)]"
        return []
    clean = []
    for i, tier in enumerate(tiers):
        ok = (
            isinstance(tier, list | tuple)
            and len(tier) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in tier)
        )
        if not ok or not (0 < tier[1] <= tier[0] <= MAX_FEN):
            errors[f"{path}.tiers[{i}]"] = "每档为 [门槛(分), 减免(分)],减免大于 0 且不超过门槛"
            continue
        clean.append([tier[0], tier[1]])
    clean.sort()
    if any(a[0] == b[0] or a[1] >= b[1] for a, b in zip(clean, clean[1:], strict=False)):
        errors[f"{path}.tiers"] = "门槛不能重复,门槛越高减免必须越多"
    return clean


def clean_params(kind: str, params: Any, path: str = "params") -> tuple[dict, dict[str, str]]:
    """The params of a promotion of ``kind``, normalised, and field errors (``params.<key>``)."""
    errors: dict[str, str] = {}
    if not isinstance(params, dict):
        return {}, {path: "必须是对象"}
    allowed = {
        PromotionKind.MULTI_BUY: {"min_quantity", "pay_percent"},
        PromotionKind.SECOND_ITEM: {"pay_percent"},
        PromotionKind.THRESHOLD_OFF: {"tiers", "each_time", "cap_fen"},
        PromotionKind.GIFT: {"threshold_fen", "gift_sku_id", "gift_quantity"},
    }.get(kind, set())
    for key in sorted(set(params) - allowed):
        errors[f"{path}.{key}"] = "该类型不支持此参数"
    clean: dict[str, Any] = {}
    if kind == PromotionKind.MULTI_BUY:
        clean["min_quantity"] = _int(params, "min_quantity", errors, path, low=1, high=999)
        clean["pay_percent"] = _int(params, "pay_percent", errors, path, low=1, high=99)
    elif kind == PromotionKind.SECOND_ITEM:
        clean["pay_percent"] = _int(params, "pay_percent", errors, path, low=0, high=99)
    elif kind == PromotionKind.THRESHOLD_OFF:
        clean["tiers"] = _tiers(params, errors, path)
        clean["each_time"] = params.get("each_time", False)
        if not isinstance(clean["each_time"], bool):
            errors[f"{path}.each_time"] = "必须是布尔值"
        clean["cap_fen"] = _int(params, "cap_fen", errors, path, low=1, high=MAX_FEN, required=False)
        if clean["each_time"] is True and len(params.get("tiers") or []) != 1:
            errors[f"{path}.tiers"] = "每满减只能设置一档"
        if clean["cap_fen"] is not None and clean["each_time"] is not True:
            errors[f"{path}.cap_fen"] = "只有每满减可以设置封顶"
    elif kind == PromotionKind.GIFT:
        clean["threshold_fen"] = _int(params, "threshold_fen", errors, path, low=1, high=MAX_FEN)
        clean["gift_sku_id"] = _int(params, "gift_sku_id", errors, path, low=1, high=2**62)
        clean["gift_quantity"] = (
            _int(params, "gift_quantity", errors, path, low=1, high=99, required=False) or 1
        )
    return clean, errors


def clean_scope(scope: Any, platforms: set[str], path: str = "scope") -> tuple[dict, dict[str, str]]:
    """A scope dict with sorted, de-duplicated id lists; unknown keys and non-integers are field errors."""
    if scope is None:
        return {}, {}
    if not isinstance(scope, dict):
        return {}, {path: "必须是对象"}
    errors: dict[str, str] = {}
    clean: dict[str, list] = {}
    for key in sorted(set(scope) - set(SCOPE_KEYS)):
        errors[f"{path}.{key}"] = "不支持的范围类型"
    for key in SCOPE_ID_KEYS:
        values = scope.get(key) or []
        if not isinstance(values, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values
        ):
            errors[f"{path}.{key}"] = "必须是正整数 ID 列表"
        elif values:
            clean[key] = sorted(set(values))
    values = scope.get("platforms") or []
    if not isinstance(values, list) or not all(isinstance(v, str) and v in platforms for v in values):
        errors[f"{path}.platforms"] = f"平台必须是 {', '.join(sorted(platforms))} 之一"
    elif values:
        clean["platforms"] = sorted(set(values))
    return clean, errors


def to_scope(scope: dict) -> pricing.Scope:
    return pricing.Scope(**{key: frozenset(scope.get(key) or ()) for key in SCOPE_KEYS})


def promotion_rule(
    promotion: Promotion, *, gift_value_fen: int = 0, gift_name: str = ""
) -> pricing.PromotionRule:
    common = {
        "id": promotion.pk,
        "name": promotion.name,
        "stage": promotion.stage,
        "exclusive_group": promotion.exclusive_group,
        "exclusive": promotion.exclusive,
        "priority": promotion.priority,
        "scope": to_scope(promotion.scope),
    }
    p = promotion.params
    if promotion.kind == PromotionKind.MULTI_BUY:
        return pricing.MultiBuyRule(min_quantity=p["min_quantity"], pay_percent=p["pay_percent"], **common)
    if promotion.kind == PromotionKind.SECOND_ITEM:
        return pricing.SecondItemRule(pay_percent=p["pay_percent"], **common)
    if promotion.kind == PromotionKind.THRESHOLD_OFF:
        return pricing.ThresholdRule(
            tiers=tuple((t, off) for t, off in p["tiers"]),
            each_time=p.get("each_time", False),
            cap_fen=p.get("cap_fen"),
            **common,
        )
    return pricing.GiftRule(
        threshold_fen=p["threshold_fen"],
        gift_sku_id=p["gift_sku_id"],
        gift_quantity=p.get("gift_quantity", 1),
        gift_value_fen=gift_value_fen,
        gift_name=gift_name,
        **common,
    )


def coupon_rule(coupon: Coupon) -> pricing.CouponRule:
    t = coupon.template
    return pricing.CouponRule(
        id=coupon.pk,
        code=coupon.code,
        name=t.name,
        exclusive_group=t.exclusive_group,
        scope=to_scope(t.scope),
        value_fen=t.value_fen if t.kind == CouponKind.FIXED else 0,
        pay_percent=t.pay_percent if t.kind == CouponKind.PERCENT else None,
        cap_fen=t.cap_fen,
        threshold_fen=t.threshold_fen,
    )
