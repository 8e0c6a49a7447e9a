"""What operators configure for 审单/合单/分仓: review rules, the workflow settings (cool-down, review window,
finance review, merge gap, allocation strategies), the blacklist and floor prices."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import time

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction

from huitong.catalog import selectors as catalog
from huitong.channels import selectors as channels
from huitong.core import audit, crypto
from huitong.core.actors import Actor
from huitong.core.errors import InvalidInput
from huitong.inventory import selectors as inventory
from huitong.orders.addresses import address_key
from huitong.orders.errors import (
    BlacklistEntryNotFound,
    DuplicateBlacklistEntry,
    InvalidReviewRule,
    InvalidWorkflowSettings,
    ReviewRuleNotFound,
)
from huitong.orders.models import (
    AllocationStrategy,
    BlacklistEntry,
    BlacklistKind,
    FloorPrice,
    ReviewRule,
    RuleAction,
    RuleKind,
    WorkflowSettings,
    default_strategies,
)

RANGE_KINDS = {RuleKind.AMOUNT_RANGE, RuleKind.QUANTITY_RANGE}
_CARRIER = re.compile(r"^[A-Z][A-Z0-9_]{1,19}$")


# --- settings -------------------------------------------------------------------------------------

def config_cache_key() -> str:
    """Per database: processes sharing one Redis may serve different databases (tenants, test workers)."""
    return f"orders:review-config:{connection.settings_dict['NAME']}"


def forget_review_config() -> None:
    """Drop the cached settings and rules (see review_rules.review_config): now, and again once the change
    commits (a reader between the two could have cached the old rows)."""
    key = config_cache_key()
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def load_settings() -> WorkflowSettings:
    """The settings row, or the defaults (unsaved) when nobody has saved any yet."""
    return WorkflowSettings.objects.filter(pk=1).first() or WorkflowSettings(pk=1)


@dataclass(frozen=True)
class SettingsSpec:
    cool_down_minutes: int = 0
    window_start: time | None = None
    window_end: time | None = None
    finance_review: bool = False
    finance_min_total_fen: int = 0
    unpaid_recheck_minutes: int = 10
    merge_gap_minutes: int = 24 * 60
    strategies: Sequence[str] = field(default_factory=default_strategies)


def settings_errors(spec: SettingsSpec) -> dict[str, str]:
    errors = {}
    for name in ("cool_down_minutes", "finance_min_total_fen", "unpaid_recheck_minutes", "merge_gap_minutes"):
        value = getattr(spec, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            errors[name] = "必须为非负整数"
    if (spec.window_start is None) != (spec.window_end is None):
        errors["window_end"] = "审核时间段需同时设置开始与结束"
    elif spec.window_start is not None and spec.window_start == spec.window_end:
        errors["window_end"] = "结束时间不能等于开始时间"
    strategies = list(spec.strategies)
    unknown = [s for s in strategies if s not in AllocationStrategy.values]
    if unknown:
        errors["strategies"] = f"未知的分仓策略: {', '.join(map(str, unknown))}"
    elif len(set(strategies)) != len(strategies):
        errors["strategies"] = "分仓策略不能重复"
    elif not {AllocationStrategy.SINGLE_LOCATION, AllocationStrategy.SPLIT} & set(strategies):
        errors["strategies"] = "至少需要「整单同一库位」或「拆分到多库位」之一"
    return errors


@transaction.atomic
def update_settings(*, spec: SettingsSpec, actor: Actor) -> WorkflowSettings:
    errors = settings_errors(spec)
    if errors:
        raise InvalidWorkflowSettings.for_fields(errors)
    values = {**asdict(spec), "strategies": [str(s) for s in spec.strategies]}
    row, _ = WorkflowSettings.objects.update_or_create(pk=1, defaults=values)
    forget_review_config()
    audit.record(actor=actor, obj=row, reason="settings updated",
                 data={k: str(v) if isinstance(v, time) else v for k, v in values.items()})
    return row


# --- review rules ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class RuleSpec:
    name: str
    kind: str
    action: str = RuleAction.HOLD
    store_id: int | None = None
    is_active: bool = True
    position: int = 100
    min_value: int | None = None
    max_value: int | None = None
    keywords: Sequence[str] = ()
    sku_codes: Sequence[str] = ()
    carrier_code: str = ""
    location_id: int | None = None


def _range_errors(spec: RuleSpec, errors: dict[str, str]) -> None:
    for name in ("min_value", "max_value"):
        value = getattr(spec, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            errors[name] = "必须为非负整数"
    if spec.kind in RANGE_KINDS and spec.min_value is None and spec.max_value is None:
        errors["min_value"] = "请至少填写下限或上限"
    if not errors and spec.min_value is not None and spec.max_value is not None and spec.min_value > spec.max_value:
        errors["max_value"] = "上限不能小于下限"


def _action_errors(spec: RuleSpec, errors: dict[str, str]) -> None:
    if spec.action not in RuleAction.values:
        errors["action"] = f"未知的动作 {spec.action}"
    elif spec.action != RuleAction.HOLD and spec.kind != RuleKind.REMARK_KEYWORD:
        errors["action"] = "只有关键字规则可以指定快递或库位"
    elif spec.action == RuleAction.SET_CARRIER and not _CARRIER.match(spec.carrier_code or ""):
        errors["carrier_code"] = "请填写快递公司编码(如 SF、ZTO)"
    elif spec.action == RuleAction.SET_LOCATION:
        if spec.location_id is None:
            errors["location_id"] = "请选择发货库位"
        else:
            inventory.get_location(spec.location_id)  # LocationNotFound (404)


def validate_rule(spec: RuleSpec) -> None:
    errors: dict[str, str] = {}
    if not spec.name.strip():
        errors["name"] = "请填写规则名称"
    if spec.kind not in RuleKind.values:
        errors["kind"] = f"未知的规则类型 {spec.kind}"
    _range_errors(spec, errors)
    _action_errors(spec, errors)
    if spec.kind == RuleKind.REMARK_KEYWORD and not [k for k in spec.keywords if k.strip()]:
        errors["keywords"] = "请至少填写一个关键字"
    if spec.kind == RuleKind.EXCLUDED_SKU:
        codes = [c.strip() for c in spec.sku_codes if c.strip()]
        known = set(catalog.list_skus().filter(code__in=codes).values_list("code", flat=True))
        if not codes:
            errors["sku_codes"] = "请至少填写一个商品编码"
        elif set(codes) - known:
            errors["sku_codes"] = f"商品编码不存在: {', '.join(sorted(set(codes) - known))}"
    if errors:
        raise InvalidReviewRule.for_fields(errors)
    if spec.store_id is not None:
        channels.get_store(spec.store_id)  # StoreNotFound (404)


def _rule_values(spec: RuleSpec) -> dict:
    values = asdict(spec)
    values["name"] = spec.name.strip()
    values["keywords"] = [k.strip() for k in spec.keywords if k.strip()]
    values["sku_codes"] = [c.strip() for c in spec.sku_codes if c.strip()]
    if spec.action != RuleAction.SET_CARRIER:
        values["carrier_code"] = ""
    if spec.action != RuleAction.SET_LOCATION:
        values["location_id"] = None
    return values


@transaction.atomic
def create_review_rule(*, spec: RuleSpec, actor: Actor) -> ReviewRule:
    validate_rule(spec)
    rule = ReviewRule.objects.create(**_rule_values(spec))
    forget_review_config()
    audit.record(actor=actor, obj=rule, to_state="active" if rule.is_active else "inactive", reason="rule created")
    return rule


def _lock_rule(rule_id: int) -> ReviewRule:
    rule = ReviewRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise ReviewRuleNotFound(rule_id=f"规则 {rule_id} 不存在")
    return rule


@transaction.atomic
def update_review_rule(*, rule_id: int, spec: RuleSpec, actor: Actor) -> ReviewRule:
    rule = _lock_rule(rule_id)
    validate_rule(spec)
    was = "active" if rule.is_active else "inactive"
    for name, value in _rule_values(spec).items():
        setattr(rule, name, value)
    rule.save()
    forget_review_config()
    audit.record(actor=actor, obj=rule, from_state=was, to_state="active" if rule.is_active else "inactive",
                 reason="rule updated")
    return rule


@transaction.atomic
def delete_review_rule(*, rule_id: int, actor: Actor) -> None:
    rule = _lock_rule(rule_id)
    audit.record(actor=actor, obj=rule, from_state="active" if rule.is_active else "inactive", to_state="deleted",
                 reason=f"rule deleted: {rule.name}")
    rule.delete()
    forget_review_config()


# --- blacklist and floor prices -------------------------------------------------------------------

def blacklist_hash(kind: str, value: str) -> str:
    """The lookup hash of a blacklisted buyer (id or nick), phone or address (normalized)."""
    if kind == BlacklistKind.ADDRESS:
        return crypto.lookup_hash(address_key("", "", "", value))
    return crypto.lookup_hash(value.strip())


def _label(kind: str, value: str) -> str:
    if kind == BlacklistKind.PHONE:
        return crypto.mask_phone(value.strip())
    if kind == BlacklistKind.ADDRESS:
        return crypto.mask_address(value.strip())
    return value.strip()[:100]


def add_blacklist_entry(*, kind: str, value: str, actor: Actor, note: str = "") -> BlacklistEntry:
    errors = {}
    if kind not in BlacklistKind.values:
        errors["kind"] = f"未知的类型 {kind}"
    if not value.strip():
        errors["value"] = "请填写内容"
    if errors:
        raise InvalidInput.for_fields(errors)
    try:
        with transaction.atomic():
            return BlacklistEntry.objects.create(kind=kind, value_hash=blacklist_hash(kind, value),
                                                 label=_label(kind, value), note=note[:200], created_by=actor.label)
    except IntegrityError as exc:
        raise DuplicateBlacklistEntry(detail={"kind": kind}) from exc


@transaction.atomic
def remove_blacklist_entry(*, entry_id: int, actor: Actor) -> None:
    deleted, _ = BlacklistEntry.objects.filter(pk=entry_id).delete()
    if not deleted:
        raise BlacklistEntryNotFound(entry_id=f"黑名单记录 {entry_id} 不存在")


@transaction.atomic
def set_floor_price(*, sku_id: int, floor_price_fen: int | None, actor: Actor) -> FloorPrice | None:
    """The SKU's floor price; None removes it (the catalog cost applies again)."""
    catalog.get_sku(sku_id)  # SkuNotFound (404)
    if floor_price_fen is None:
        FloorPrice.objects.filter(sku_id=sku_id).delete()
        return None
    if isinstance(floor_price_fen, bool) or not isinstance(floor_price_fen, int) or floor_price_fen < 0:
        raise InvalidInput.for_fields({"floor_price_fen": "必须为非负整数(分)"})
    row, _ = FloorPrice.objects.update_or_create(sku_id=sku_id, defaults={"floor_price_fen": floor_price_fen})
    return row
