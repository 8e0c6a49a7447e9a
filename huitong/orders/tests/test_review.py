"""审单: every rule, the waits, finance review, the queue decisions, the hooks on every paid path, and the
review lifecycle."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from huitong.core.errors import InvalidTransition
from huitong.core.models import AuditEntry
from huitong.inventory import services as inventory
from huitong.orders import review, review_setup, services
from huitong.orders.addresses import address_key, parse_region, province_of, region_problem
from huitong.orders.errors import (
    FinanceReviewPending,
    InvalidOrder,
    InvalidReviewRule,
    InvalidWorkflowSettings,
    OrderOnHold,
    ReviewRuleNotFound,
)
from huitong.orders.models import Order, ReviewRule, ReviewStatus, RuleAction, RuleKind
from huitong.orders.states import MERGE_LIFECYCLE, REVIEW_LIFECYCLE
from huitong.orders.tests.workflow_shop import RECEIVER, WorkflowShop, world

R = ReviewStatus
K = RuleKind


@pytest.fixture
def shop(db):
    return WorkflowShop()


def codes(order) -> list[str]:
    order.refresh_from_db()
    return [h["code"] for h in order.hold_reasons]


def review_trail(order) -> list[tuple[str, str]]:
    return list(AuditEntry.objects.filter(object_type="orders.orderreview", object_id=str(order.pk))
                .order_by("id").values_list("from_state", "to_state"))


# --- the lifecycle --------------------------------------------------------------------------------

ALL_REVIEW = [s.value for s in R]
ALLOWED = {(R.UNREVIEWED, R.WAITING), (R.UNREVIEWED, R.HELD), (R.UNREVIEWED, R.FINANCE), (R.UNREVIEWED, R.APPROVED),
           (R.WAITING, R.HELD), (R.WAITING, R.FINANCE), (R.WAITING, R.APPROVED), (R.HELD, R.FINANCE),
           (R.HELD, R.APPROVED), (R.FINANCE, R.HELD), (R.FINANCE, R.APPROVED), (R.APPROVED, R.HELD)}


@pytest.mark.parametrize("source", ALL_REVIEW)
@pytest.mark.parametrize("target", ALL_REVIEW)
def test_review_lifecycle_allows_exactly_the_table(source, target):
    assert REVIEW_LIFECYCLE.allows(source, target) == ((source, target) in ALLOWED)
    if (source, target) not in ALLOWED:
        with pytest.raises(InvalidTransition):
            REVIEW_LIFECYCLE.check(source, target)


def test_merge_lifecycle():
    assert MERGE_LIFECYCLE.allows("active", "undone")
    for source, target in [("undone", "active"), ("undone", "undone"), ("active", "active")]:
        assert not MERGE_LIFECYCLE.allows(source, target)


# --- addresses (pure) -------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("浙江省杭州市西湖区文三路 100 号", ("浙江省", "杭州市", "西湖区", "文三路100号")),
    ("浙江杭州市西湖区文三路", ("浙江省", "杭州市", "西湖区", "文三路")),
    ("北京北京市朝阳区建国路 1 号", ("北京市", "北京市", "朝阳区", "建国路1号")),
    ("上海市市辖区浦东新区世纪大道", ("上海市", "上海市", "浦东新区", "世纪大道")),
    ("广西南宁市青秀区民族大道", ("广西壮族自治区", "南宁市", "青秀区", "民族大道")),
    ("湖北省恩施土家族苗族自治州恩施市舞阳大道", ("湖北省", "恩施土家族苗族自治州", "恩施市", "舞阳大道")),
    ("杭州西湖边", None),
    ("浙江省杭州", None),
])
def test_parse_region(text, expected):
    region = parse_region(text)
    assert (None if region is None else (region.province, region.city, region.district, region.rest)) == expected


def test_region_problem_and_address_key():
    assert region_problem("浙江省", "杭州市", "西湖区", "x") == ("", None)
    assert region_problem("火星省", "杭州市", "西湖区", "x")[0].startswith("无法识别的省份")
    problem, region = region_problem("", "", "", "广东省深圳市南山区科技园")
    assert problem == "" and (region.province, region.city, region.district) == ("广东省", "深圳市", "南山区")
    assert region_problem("", "", "", "科技园 1 号")[0] == "无法解析出省/市/区"
    assert province_of("浙江") == "浙江省" and province_of("东京") == ""
    assert address_key("浙江", "杭州市", "西湖区", "文三路 100 号") == address_key("", "", "", "浙江省杭州市西湖区文三路100号")


# --- automatic review -------------------------------------------------------------------------------

def test_without_rules_a_paid_order_is_approved_and_audited_apart_from_its_lifecycle(shop):
    order = shop.paid()
    assert order.review_status == R.APPROVED and order.hold_reasons == [] and order.reviewed_at is not None
    assert review_trail(order) == [(R.UNREVIEWED, R.APPROVED)]
    trail = list(AuditEntry.objects.filter(object_type="orders.order", object_id=str(order.pk))
                 .values_list("to_state", flat=True))
    assert sorted(trail) == ["paid", "pending_payment"]
    services.allocate_order(order_id=order.pk, actor=shop.actor)


def _setup_each_rule(shop, kind):
    """Make a rule of ``kind`` and an order that matches it; returns (order, expected code)."""
    other = {}
    if kind == K.BUYER_REMARK:
        shop.rule(kind)
        other = {"buyer_remark": "请发顺丰"}
    elif kind == K.REMARK_KEYWORD:
        shop.rule(kind, keywords=["加急", "改地址"])
        other = {"buyer_remark": "麻烦加急"}
    elif kind == K.AMOUNT_RANGE:
        shop.rule(kind, min_value=5000)
    elif kind == K.QUANTITY_RANGE:
        shop.rule(kind, min_value=2, max_value=3)
    elif kind == K.BELOW_FLOOR_PRICE:
        review_setup.set_floor_price(sku_id=shop.sku_a.pk, floor_price_fen=3000, actor=shop.actor)
        shop.rule(kind)
    elif kind == K.ADDRESS_INCOMPLETE:
        shop.rule(kind)
        other = {"receiver": services.Receiver(name="张三", phone="13800138000", address="某小区")}
    elif kind == K.EXCLUDED_SKU:
        shop.rule(kind, sku_codes=[shop.sku_a.code])
    elif kind == K.BLACKLISTED:
        review_setup.add_blacklist_entry(kind="phone", value="13800138000", actor=shop.actor)
        shop.rule(kind)
    elif kind == K.UNPAID_SIBLING:
        shop.rule(kind)
        shop.order((shop.sku_a.pk, 1), buyer_nick="茶友")
        other = {"buyer_nick": "茶友"}
    return shop.paid((shop.sku_a.pk, 2), **other), kind


CHECKOUT_KINDS = [K.BUYER_REMARK, K.REMARK_KEYWORD, K.AMOUNT_RANGE, K.QUANTITY_RANGE, K.BELOW_FLOOR_PRICE,
                  K.ADDRESS_INCOMPLETE, K.EXCLUDED_SKU, K.BLACKLISTED, K.UNPAID_SIBLING]


@pytest.mark.parametrize("kind", CHECKOUT_KINDS)
def test_each_rule_holds_a_matching_order_with_its_reason(shop, kind):
    order, code = _setup_each_rule(shop, kind)
    assert order.review_status == R.HELD
    assert [h["code"] for h in order.hold_reasons] == [code]
    assert order.hold_reasons[0]["message"].startswith(f"{kind}: ")
    assert review_trail(order) == [(R.UNREVIEWED, R.HELD)]
    before = world()
    with pytest.raises(OrderOnHold):
        services.allocate_order(order_id=order.pk, actor=shop.actor)
    assert world() == before


@pytest.mark.parametrize("kind", CHECKOUT_KINDS)
def test_each_rule_passes_an_order_that_does_not_match(shop, kind):
    _setup_each_rule(shop, kind)
    other_phone = services.Receiver(**{**RECEIVER.__dict__, "phone": "13900000000"})
    line = (shop.sku_a.pk, 1) if kind == K.AMOUNT_RANGE else (shop.sku_b.pk, 1)  # 29.90 / 59.80, one unit
    order = shop.paid(line, buyer_nick="另一位", receiver=other_phone)
    assert (order.review_status, order.hold_reasons) == (R.APPROVED, [])


def test_a_matching_order_lists_every_reason(shop):
    shop.rule(K.BUYER_REMARK, name="有留言")
    shop.rule(K.AMOUNT_RANGE, name="大额", min_value=5000)
    shop.rule(K.QUANTITY_RANGE, name="多件", min_value=3)
    shop.rule(K.SELLER_REMARK, name="卖家备注")  # no seller remark: does not match
    order = shop.paid((shop.sku_a.pk, 3), buyer_remark="周末送")
    assert [h["code"] for h in order.hold_reasons] == [K.BUYER_REMARK, K.AMOUNT_RANGE, K.QUANTITY_RANGE]
    assert [h["message"].split(":")[0] for h in order.hold_reasons] == ["有留言", "大额", "多件"]


def test_rules_of_another_store_and_inactive_rules_do_not_apply(shop):
    other_store = shop.platform_store()
    shop.rule(K.BUYER_REMARK, store_id=other_store.pk)
    shop.rule(K.AMOUNT_RANGE, min_value=0, is_active=False)
    assert shop.paid(buyer_remark="hi").review_status == R.APPROVED


def test_floor_price_falls_back_to_the_catalog_cost(shop):
    shop.sku_a.cost_fen = 2500
    shop.sku_a.save()
    shop.rule(K.BELOW_FLOOR_PRICE)
    assert shop.paid((shop.sku_a.pk, 1)).review_status == R.APPROVED  # 29.90 ≥ cost 25.00
    cheap = shop.paid((shop.sku_a.pk, 2), discount_fen=1500)  # 22.40 a unit
    assert codes(cheap) == [K.BELOW_FLOOR_PRICE] and "25.00" in cheap.hold_reasons[0]["message"]


def test_an_address_in_one_line_fills_the_region_and_passes(shop):
    shop.rule(K.ADDRESS_INCOMPLETE)
    one_line = services.Receiver(name="李四", phone="13912345678", address="广东深圳市南山区科技园 8 号")
    order = shop.paid(receiver=one_line)
    assert order.review_status == R.APPROVED
    assert (order.province, order.city, order.district) == ("广东省", "深圳市", "南山区")
    missing = shop.paid(receiver=services.Receiver(province="浙江省", city="杭州市", district="西湖区"))
    assert missing.hold_reasons[0]["message"] == f"{K.ADDRESS_INCOMPLETE}: 缺少收货人; 缺少电话; 详细地址不完整"


@pytest.mark.parametrize(("kind", "value", "order_kwargs"), [
    ("buyer", "黑名单买家", {"buyer_nick": "黑名单买家"}),
    ("phone", "13800138000", {}),
    ("address", "浙江杭州市西湖区文三路100号", {}),
])
def test_blacklist_matches_buyer_phone_and_address(shop, kind, value, order_kwargs):
    shop.rule(K.BLACKLISTED)
    entry = review_setup.add_blacklist_entry(kind=kind, value=value, actor=shop.actor)
    assert value not in entry.value_hash and (kind != "phone" or entry.label == "138****8000")
    assert codes(shop.paid(**order_kwargs)) == [K.BLACKLISTED]


def test_keyword_rules_set_the_carrier_or_the_location_instead_of_holding(shop):
    shop.rule(K.REMARK_KEYWORD, keywords=["顺丰"], action=RuleAction.SET_CARRIER, carrier_code="SF")
    shop.rule(K.REMARK_KEYWORD, keywords=["广州仓"], action=RuleAction.SET_LOCATION, location_id=shop.wh2.pk)
    order = shop.paid(buyer_remark="请发顺丰,从广州仓发")
    assert order.review_status == R.APPROVED and order.hold_reasons == []
    assert (order.carrier_code, order.preferred_location_id) == ("SF", shop.wh2.pk)


def test_platform_orders_are_reviewed_on_import_and_when_they_become_paid(shop):
    store = shop.platform_store()
    shop.rule(K.BUYER_REMARK)
    held = shop.platform_order(store, buyer_remark="送礼用")
    assert held.review_status == R.HELD and codes(held) == [K.BUYER_REMARK]
    clean = shop.platform_order(store)
    assert clean.review_status == R.APPROVED
    unpaid = shop.platform_order(store, status="pending_payment", external_id="TB-LATER", buyer_remark="晚点付")
    assert unpaid.review_status == R.UNREVIEWED
    paid_later = shop.platform_order(store, status="paid", external_id="TB-LATER", buyer_remark="晚点付",
                                     updated_at=timezone.now() + timedelta(minutes=1))
    assert paid_later.pk == unpaid.pk and paid_later.review_status == R.HELD and codes(paid_later) == [K.BUYER_REMARK]


def test_process_holds_are_listed_once_and_survive_review(shop):
    store = shop.platform_store()
    for kind in (K.UNMAPPED_SKU, K.OUT_OF_STOCK, K.REFUND_IN_PROGRESS):
        shop.rule(kind)
    unmapped = shop.platform_order(store, merchant_code="NO-SUCH-CODE")
    assert codes(unmapped) == ["unmapped_sku"] and unmapped.review_status == R.APPROVED
    short = shop.platform_order(store, quantity=11)  # 10 in stock
    assert codes(short) == ["out_of_stock"]
    refunding = shop.platform_order(store, refund_state="requested")
    assert codes(refunding) == ["refund_in_progress"]
    review.approve_order(order_id=refunding.pk, actor=shop.actor, force=True)
    assert codes(refunding) == ["refund_in_progress"]


def test_refund_hold_set_and_released_for_after_sales(shop):
    order = shop.paid()
    review.set_refund_hold(order_id=order.pk, active=True, actor=shop.actor, note="买家申请退款")
    assert codes(order) == ["refund_in_progress"]
    review.set_refund_hold(order_id=order.pk, active=True, actor=shop.actor)  # idempotent
    assert codes(order) == ["refund_in_progress"]
    with pytest.raises(OrderOnHold):
        services.allocate_order(order_id=order.pk, actor=shop.actor)
    review.set_refund_hold(order_id=order.pk, active=False, actor=shop.actor)
    assert codes(order) == []
    services.allocate_order(order_id=order.pk, actor=shop.actor)


# --- waiting: cool-down, review window, unpaid siblings ------------------------------------------------

def test_cool_down_waits_then_the_periodic_job_reviews(shop):
    shop.settings(cool_down_minutes=30)
    order = shop.paid()
    assert order.review_status == R.WAITING and codes(order) == [review.COOLING_DOWN]
    assert abs(order.review_due_at - (order.paid_at + timedelta(minutes=30))) < timedelta(seconds=1)
    with pytest.raises(OrderOnHold):
        services.allocate_order(order_id=order.pk, actor=shop.actor)
    assert review.review_due_orders(now=timezone.now() + timedelta(minutes=10)) == 0
    assert review.review_due_orders(now=timezone.now() + timedelta(minutes=31)) == 1
    order.refresh_from_db()
    assert (order.review_status, order.hold_reasons, order.review_due_at) == (R.APPROVED, [], None)
    assert review_trail(order) == [(R.UNREVIEWED, R.WAITING), (R.WAITING, R.APPROVED)]


def test_outside_the_review_window_orders_wait_for_it_to_open(shop):
    shop.settings(window_start=time(9), window_end=time(18))
    order = shop.paid(review=False)
    tomorrow = timezone.localtime() + timedelta(days=1)
    night = tomorrow.replace(hour=22, minute=30)
    [waiting] = review.review_orders(order_ids=[order.pk], actor=shop.actor, now=night)
    assert waiting.review_status == R.WAITING and codes(order) == [review.OUTSIDE_WINDOW]
    opens = (tomorrow + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    assert timezone.localtime(waiting.review_due_at) == opens
    morning = opens + timedelta(minutes=5)
    assert review.review_due_orders(now=morning) == 1
    order.refresh_from_db()
    assert order.review_status == R.APPROVED


def test_a_window_across_midnight(shop):
    shop.settings(window_start=time(20), window_end=time(2))
    order = shop.paid(review=False)
    [reviewed] = review.review_orders(order_ids=[order.pk], actor=shop.actor,
                                      now=timezone.localtime().replace(hour=1) + timedelta(days=1))
    assert reviewed.review_status == R.APPROVED


def test_unpaid_sibling_hold_is_rechecked_until_the_sibling_is_settled(shop):
    shop.settings(unpaid_recheck_minutes=10)
    shop.rule(K.UNPAID_SIBLING)
    sibling = shop.order((shop.sku_b.pk, 1), buyer_nick="茶友").order
    order = shop.paid(buyer_nick="茶友")
    assert codes(order) == [K.UNPAID_SIBLING] and order.review_due_at is not None
    later = timezone.now() + timedelta(minutes=11)
    assert review.review_due_orders(now=later) == 0  # still unpaid: held, due again
    assert codes(order) == [K.UNPAID_SIBLING]
    services.cancel_order(order_id=sibling.pk, actor=shop.actor, reason="买家不要了")
    assert review.review_due_orders(now=later + timedelta(minutes=11)) == 1
    order.refresh_from_db()
    assert order.review_status == R.APPROVED


def test_the_periodic_job_reviews_paid_orders_left_unreviewed(shop):
    order = shop.paid(review=False)
    assert order.review_status == R.UNREVIEWED
    assert review.review_due_orders() == 1
    order.refresh_from_db()
    assert order.review_status == R.APPROVED


# --- finance review ---------------------------------------------------------------------------------

def test_finance_review_for_large_orders(shop):
    shop.settings(finance_review=True, finance_min_total_fen=5000)
    small = shop.paid((shop.sku_a.pk, 1))
    assert small.review_status == R.APPROVED
    large = shop.paid((shop.sku_a.pk, 2))
    assert large.review_status == R.FINANCE and codes(large) == [review.FINANCE_REVIEW]
    before = world()
    with pytest.raises(OrderOnHold):
        services.allocate_order(order_id=large.pk, actor=shop.actor)
    with pytest.raises(FinanceReviewPending):
        review.approve_order(order_id=large.pk, actor=shop.actor, force=True)
    assert world() == before
    review.finance_approve_order(order_id=large.pk, actor=shop.actor)
    large.refresh_from_db()
    assert (large.review_status, large.hold_reasons) == (R.APPROVED, [])
    with pytest.raises(InvalidTransition):
        review.finance_approve_order(order_id=large.pk, actor=shop.actor)


def test_finance_rejection_holds_and_force_approval_returns_to_finance(shop):
    shop.settings(finance_review=True, finance_min_total_fen=0)
    order = shop.paid()
    before = world()
    with pytest.raises(InvalidOrder) as exc:
        review.finance_reject_order(order_id=order.pk, actor=shop.actor, reason=" ")
    assert "reason" in exc.value.detail["fields"] and world() == before
    review.finance_reject_order(order_id=order.pk, actor=shop.actor, reason="价格异常")
    assert codes(order) == [review.FINANCE_REJECTED]
    order = review.approve_order(order_id=order.pk, actor=shop.actor)  # the operator clears it: finance again
    assert order.review_status == R.FINANCE
    assert review_trail(order) == [(R.UNREVIEWED, R.FINANCE), (R.FINANCE, R.HELD), (R.HELD, R.FINANCE)]


# --- the queue: approve, force, edit the receiver, cancel -------------------------------------------

def test_approve_rechecks_force_approve_overrides(shop):
    shop.rule(K.BUYER_REMARK)
    order = shop.paid(buyer_remark="别放发票")
    [result] = review.approve_orders(order_ids=[order.pk], actor=shop.actor)
    assert not result.ok and result.code == "review_still_held" and codes(order) == [K.BUYER_REMARK]
    [forced] = review.approve_orders(order_ids=[order.pk], actor=shop.actor, force=True, note="已读")
    assert forced.ok and forced.order.review_status == R.APPROVED and codes(order) == []
    assert AuditEntry.objects.filter(object_type="orders.orderreview", object_id=str(order.pk),
                                     reason="force-approved: 已读").exists()
    [again] = review.approve_orders(order_ids=[order.pk], actor=shop.actor)
    assert again.ok  # already approved: nothing to do


def test_approve_passes_once_the_cause_is_gone(shop):
    rule = shop.rule(K.AMOUNT_RANGE, min_value=1)
    order = shop.paid()
    review_setup.update_review_rule(rule_id=rule.pk, actor=shop.actor, spec=review_setup.RuleSpec(
        name="off", kind=K.AMOUNT_RANGE, min_value=1, is_active=False))
    [result] = review.approve_orders(order_ids=[order.pk], actor=shop.actor)
    assert result.ok and result.order.review_status == R.APPROVED


def test_queue_actions_refuse_orders_not_paid_and_report_per_order(shop):
    unpaid = shop.order((shop.sku_a.pk, 1)).order
    paid = shop.paid()
    before = world()
    results = review.approve_orders(order_ids=[unpaid.pk, 999999, paid.pk, paid.pk], actor=shop.actor)
    assert [(r.order_id, r.ok, r.code) for r in results] == [
        (unpaid.pk, False, "invalid_transition"), (999999, False, "order_not_found"), (paid.pk, True, "")]
    assert world() == before


def test_edit_receiver_rechecks_a_held_order(shop):
    shop.rule(K.ADDRESS_INCOMPLETE)
    order = shop.paid(receiver=services.Receiver(name="张三", phone="13800138000", address="某处"))
    assert codes(order) == [K.ADDRESS_INCOMPLETE]
    review.edit_receiver(order_id=order.pk, receiver=RECEIVER, actor=shop.actor)
    order.refresh_from_db()
    assert (order.review_status, order.hold_reasons, order.address, order.district) == (
        R.APPROVED, [], "文三路 100 号", "西湖区")
    entry = AuditEntry.objects.get(object_type="orders.order", object_id=str(order.pk), reason="receiver edited")
    assert entry.data == {"fields": ["address", "city", "district", "province"]}  # names only, no personal data


def test_edit_receiver_of_an_approved_order_checks_receiver_rules_only(shop):
    shop.rule(K.BLACKLISTED)
    shop.rule(K.BUYER_REMARK)
    order = shop.paid(buyer_remark="hi")
    review.approve_order(order_id=order.pk, actor=shop.actor, force=True)
    review_setup.add_blacklist_entry(kind="phone", value="13700000000", actor=shop.actor)
    blacklisted = services.Receiver(**{**RECEIVER.__dict__, "phone": "13700000000"})
    edited = review.edit_receiver(order_id=order.pk, receiver=blacklisted, actor=shop.actor)
    assert edited.review_status == R.HELD and codes(order) == [K.BLACKLISTED]  # the remark was already approved
    from huitong.core.crypto import lookup_hash

    assert edited.receiver_phone_hash == lookup_hash("13700000000")


def test_edit_receiver_refuses_allocated_orders_and_changes_nothing(shop):
    order = shop.paid()
    services.allocate_order(order_id=order.pk, actor=shop.actor)
    before = world()
    with pytest.raises(InvalidTransition):
        review.edit_receiver(order_id=order.pk, receiver=RECEIVER, actor=shop.actor)
    assert world() == before


def test_batch_cancel(shop):
    a, b = shop.paid(), shop.paid()
    services.allocate_order(order_id=b.pk, actor=shop.actor)
    services.ship_order(order_id=b.pk, carrier_code="SF", waybill_no="SF1", actor=shop.actor)
    results = review.cancel_orders(order_ids=[a.pk, b.pk], actor=shop.actor, reason="缺货")
    assert [(r.ok, r.code) for r in results] == [(True, ""), (False, "invalid_transition")]
    assert Order.objects.get(pk=a.pk).status == "cancelled"


# --- configuration ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "field"), [
    ({"name": " ", "kind": K.BUYER_REMARK}, "name"),
    ({"name": "x", "kind": "nonsense"}, "kind"),
    ({"name": "x", "kind": K.AMOUNT_RANGE}, "min_value"),
    ({"name": "x", "kind": K.AMOUNT_RANGE, "min_value": 10, "max_value": 5}, "max_value"),
    ({"name": "x", "kind": K.AMOUNT_RANGE, "min_value": -1}, "min_value"),
    ({"name": "x", "kind": K.REMARK_KEYWORD, "keywords": [" "]}, "keywords"),
    ({"name": "x", "kind": K.EXCLUDED_SKU, "sku_codes": ["NOPE"]}, "sku_codes"),
    ({"name": "x", "kind": K.BUYER_REMARK, "action": RuleAction.SET_CARRIER, "carrier_code": "SF"}, "action"),
    ({"name": "x", "kind": K.REMARK_KEYWORD, "keywords": ["a"], "action": RuleAction.SET_CARRIER}, "carrier_code"),
    ({"name": "x", "kind": K.REMARK_KEYWORD, "keywords": ["a"], "action": RuleAction.SET_LOCATION}, "location_id"),
])
def test_bad_rules_are_refused_with_the_field_and_nothing_saved(shop, kwargs, field):
    before = world()
    with pytest.raises(InvalidReviewRule) as exc:
        review_setup.create_review_rule(spec=review_setup.RuleSpec(**kwargs), actor=shop.actor)
    assert field in exc.value.detail["fields"]
    assert world() == before and not ReviewRule.objects.exists()


def test_rule_update_and_delete(shop):
    rule = shop.rule(K.BUYER_REMARK)
    with pytest.raises(ReviewRuleNotFound):
        review_setup.delete_review_rule(rule_id=rule.pk + 1, actor=shop.actor)
    review_setup.delete_review_rule(rule_id=rule.pk, actor=shop.actor)
    assert not ReviewRule.objects.exists()
    assert AuditEntry.objects.filter(object_type="orders.reviewrule", to_state="deleted").exists()


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"cool_down_minutes": -1}, "cool_down_minutes"),
    ({"window_start": time(9)}, "window_end"),
    ({"window_start": time(9), "window_end": time(9)}, "window_end"),
    ({"strategies": ["nearest", "teleport"]}, "strategies"),
    ({"strategies": ["nearest", "nearest"]}, "strategies"),
    ({"strategies": ["nearest", "priority"]}, "strategies"),
])
def test_bad_settings_are_refused(shop, kwargs, field):
    before = world()
    with pytest.raises(InvalidWorkflowSettings) as exc:
        shop.settings(**kwargs)
    assert field in exc.value.detail["fields"] and world() == before
    assert review_setup.load_settings().pk == 1  # the defaults


def test_floor_price_set_and_removed(shop):
    row = review_setup.set_floor_price(sku_id=shop.sku_a.pk, floor_price_fen=100, actor=shop.actor)
    assert row.floor_price_fen == 100
    assert review_setup.set_floor_price(sku_id=shop.sku_a.pk, floor_price_fen=None, actor=shop.actor) is None


def test_stock_arriving_does_not_clear_a_process_hold_by_review(shop):
    store = shop.platform_store()
    shop.rule(K.OUT_OF_STOCK)
    order = shop.platform_order(store, quantity=12)
    inventory.receive_stock(sku_id=shop.sku_a.pk, location_id=shop.wh1.pk, quantity=5, reference="r",
                            actor=shop.actor)
    review.approve_order(order_id=order.pk, actor=shop.actor)
    assert codes(order) == ["out_of_stock"]  # allocation (or retry_holds) clears it, by reserving


def test_a_platform_change_after_review_is_cleared_by_approval(shop):
    store = shop.platform_store()
    order = shop.platform_order(store, external_id="TB-CHG")
    services.allocate_order(order_id=order.pk, actor=shop.actor)
    moved = services.Receiver(**{**RECEIVER.__dict__, "address": "文二路 9 号"})
    shop.platform_order(store, external_id="TB-CHG", receiver=moved, updated_at=timezone.now() + timedelta(minutes=1))
    assert codes(order) == [review.CHANGED_AFTER_REVIEW]
    with pytest.raises(OrderOnHold):
        services.ship_order(order_id=order.pk, carrier_code="SF", waybill_no="SF1", actor=shop.actor)
    approved = review.approve_order(order_id=order.pk, actor=shop.actor)
    assert (approved.review_status, approved.hold_reasons) == (R.APPROVED, [])
    assert review_trail(order)[-1] == (R.APPROVED, R.APPROVED)
    services.ship_order(order_id=order.pk, carrier_code="SF", waybill_no="SF1", actor=shop.actor)
