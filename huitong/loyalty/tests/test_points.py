from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from huitong.channels.models import Platform
from huitong.core.errors import DomainError
from huitong.core.models import AuditEntry
from huitong.loyalty import selectors, services
from huitong.loyalty.models import EarnRule, LotUse, PointsAccount, PointsEntry, PointsKind, PointsLot
from huitong.loyalty.services import points as points_module
from huitong.loyalty.services._common import SHANGHAI, lot_expiry
from huitong.loyalty.tests.conftest import ACTOR, make_customer, make_store, shanghai
from huitong.loyalty.tests.snapshot import snapshot
from huitong.members.models import Tier

pytestmark = pytest.mark.django_db
NOW = timezone.now()
Y = timezone.localtime(NOW, SHANGHAI).year  # lots earned in Y-1 are still valid today


def earn(customer, store, paid_fen, reference, at=None):
    return services.earn_points(
        customer_id=customer.pk,
        reference=reference,
        store_id=store.pk,
        paid_fen=paid_fen,
        at=at or NOW,
        actor=ACTOR,
    )


def refused(code, fn, **kwargs):
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        fn(**kwargs)
    assert exc.value.code == code
    assert snapshot() == before
    return exc.value


def balance(customer):
    return PointsAccount.objects.get(customer=customer).balance


# --- earning ---------------------------------------------------------------------------------


def test_earn_one_point_per_yuan_floor_into_a_lot(customer, store):
    assert earn(customer, store, 12399, "SO1", at=shanghai(2025, 6, 1, 12)) == 123
    entry = PointsEntry.objects.get(kind=PointsKind.EARN, reference="SO1")
    assert (entry.points, entry.amount_fen, entry.store_id, entry.actor_label) == (
        123,
        12399,
        store.pk,
        ACTOR.label,
    )
    lot = PointsLot.objects.get(entry=entry)
    assert (lot.points, lot.remaining, lot.expires_at) == (123, 123, shanghai(2027, 1, 1))
    assert balance(customer) == 123 == selectors.points_balance(customer.pk)
    assert selectors.ledger_discrepancies() == []


def test_earn_replay_is_a_no_op_and_a_different_replay_conflicts(customer, store):
    assert earn(customer, store, 5000, "SO1") == 50
    before = snapshot()
    assert earn(customer, store, 5000, "SO1") == 50
    assert snapshot() == before
    refused(
        "reference_conflict",
        services.earn_points,
        customer_id=customer.pk,
        reference="SO1",
        store_id=store.pk,
        paid_fen=6000,
        at=NOW,
        actor=ACTOR,
    )


def test_earning_below_one_point_writes_nothing(customer, store):
    before = snapshot()
    assert earn(customer, store, 99, "SO-small") == 0
    assert snapshot() == before
    refused(
        "customer_not_found",
        services.earn_points,
        customer_id=999999,
        reference="SO-x",
        store_id=store.pk,
        paid_fen=99,
        at=NOW,
        actor=ACTOR,
    )


@pytest.mark.parametrize(
    "kwargs,code",
    [
        ({"paid_fen": -1}, "invalid_input"),
        ({"paid_fen": 1.5}, "invalid_input"),
        ({"reference": ""}, "invalid_input"),
        ({"at": timezone.now().replace(tzinfo=None)}, "invalid_input"),
        ({"store_id": 999999}, "store_not_found"),
        ({"customer_id": 999999}, "customer_not_found"),
    ],
)
def test_earn_refusals_change_nothing(customer, store, kwargs, code):
    args = {
        "customer_id": customer.pk,
        "reference": "SO9",
        "store_id": store.pk,
        "paid_fen": 1000,
        "at": NOW,
        "actor": ACTOR,
        **kwargs,
    }
    refused(code, services.earn_points, **args)


def test_rules_per_store_then_platform_then_default(customer):
    mall, pos, other_pos = make_store(Platform.WEB_MALL), make_store(Platform.POS), make_store(Platform.POS)
    services.create_earn_rule(name="默认", points_per_yuan=Decimal("2"), actor=ACTOR)
    services.create_earn_rule(name="门店", platform=Platform.POS, points_per_yuan=Decimal("3"), actor=ACTOR)
    services.create_earn_rule(name="旗舰店", store_id=pos.pk, points_per_yuan=Decimal("0.5"), actor=ACTOR)
    assert earn(customer, mall, 1000, "A") == 20
    assert earn(customer, other_pos, 1000, "B") == 30
    assert earn(customer, pos, 1099, "C") == 5  # 10.99 × 0.5 = 5.495 → floor
    EarnRule.objects.filter(store=pos).update(is_active=False)
    assert earn(customer, pos, 1000, "D") == 30


def test_tier_multiplier_applies(customer, store):
    tier = Tier.objects.create(code="loyalty-test", name="测试卡", rank=250, points_multiplier=Decimal("1.5"))
    customer.tier = tier
    customer.save(update_fields=["tier"])
    assert earn(customer, store, 10099, "SO1") == 151  # 100.99 × 1.5 = 151.485


def test_tier_multiplier_through_the_members_selector(customer, store, monkeypatch):
    from huitong.members import selectors as members

    real = members.member_tier

    def doubled(customer_id):
        info = real(customer_id)
        return type(info)(
            code="x",
            name="x",
            points_multiplier=Decimal("2"),
            member_discount_percent=info.member_discount_percent,
        )

    monkeypatch.setattr(members, "member_tier", doubled)
    assert earn(customer, store, 1000, "SO1") == 20


# --- lots and expiry -------------------------------------------------------------------------


def test_lot_expiry_is_the_end_of_next_year_in_shanghai():
    assert lot_expiry(shanghai(2025, 12, 31, 23, 59, 59)) == shanghai(2027, 1, 1)
    # 2025-12-31 16:00 UTC is already 2026 in Shanghai
    assert lot_expiry(shanghai(2026, 1, 1, 0, 0, 0).astimezone(UTC)) == shanghai(2028, 1, 1)
    assert lot_expiry(shanghai(2025, 1, 1)) == shanghai(2027, 1, 1)


def test_expire_points_at_the_boundary(customer, store):
    earn(customer, store, 10000, "Y25", at=shanghai(2025, 3, 1))
    earn(customer, store, 5000, "Y26", at=shanghai(2026, 1, 1, 0, 0, 1))
    assert services.expire_points(now=shanghai(2026, 12, 31, 23, 59, 59)) == 0
    assert balance(customer) == 150
    assert services.expire_points(now=shanghai(2027, 1, 1)) == 1
    expired = PointsEntry.objects.get(kind=PointsKind.EXPIRE)
    assert expired.points == -100 and balance(customer) == 50
    assert services.expire_points(now=shanghai(2027, 6, 1)) == 0  # idempotent
    assert services.expire_points(now=shanghai(2028, 1, 1)) == 1
    assert balance(customer) == 0
    assert selectors.ledger_discrepancies() == []


def test_expiry_writes_one_entry_per_lot_and_only_the_remainder(customer, store):
    earn(customer, store, 10000, "A", at=shanghai(Y - 1, 2, 1))
    earn(customer, store, 20000, "B", at=shanghai(Y - 1, 9, 1))
    earn(customer, store, 30000, "C", at=shanghai(Y, 9, 1))
    services.redeem_points(customer_id=customer.pk, points=200, reference="R1", actor=ACTOR)
    assert services.expire_points(now=shanghai(Y + 1, 1, 1)) == 1  # A is used up; B has 100 left
    assert list(PointsEntry.objects.filter(kind=PointsKind.EXPIRE).values_list("points", flat=True)) == [-100]
    assert balance(customer) == 300


def test_redeem_consumes_the_oldest_expiring_lots_first(customer, store):
    earn(customer, store, 30000, "NEW", at=NOW)
    earn(customer, store, 15000, "OLD", at=NOW - timedelta(days=400))
    assert services.redeem_points(customer_id=customer.pk, points=200, reference="R1", actor=ACTOR) == 200
    uses = {u.lot.entry.reference: u.points for u in LotUse.objects.select_related("lot__entry")}
    assert uses == {"OLD": 150, "NEW": 50}
    assert dict(PointsLot.objects.values_list("entry__reference", "remaining")) == {"OLD": 0, "NEW": 250}


def test_redeem_writes_off_expired_lots_before_spending(customer, store):
    earn(customer, store, 50000, "ANCIENT", at=shanghai(2020, 5, 1))
    earn(customer, store, 10000, "FRESH", at=NOW)
    assert selectors.points_balance(customer.pk) == 100
    refused(
        "insufficient_points",
        services.redeem_points,
        customer_id=customer.pk,
        points=200,
        reference="R1",
        actor=ACTOR,
    )
    services.redeem_points(customer_id=customer.pk, points=100, reference="R2", actor=ACTOR)
    assert PointsEntry.objects.get(kind=PointsKind.EXPIRE).points == -500
    assert balance(customer) == 0
    assert selectors.ledger_discrepancies() == []


# --- redeeming -------------------------------------------------------------------------------


def test_redeem_value_replay_and_conflicts(customer, store):
    earn(customer, store, 100000, "SO1")
    assert services.redeem_points(customer_id=customer.pk, points=300, reference="PAY1", actor=ACTOR) == 300
    before = snapshot()
    assert services.redeem_points(customer_id=customer.pk, points=300, reference="PAY1", actor=ACTOR) == 300
    assert snapshot() == before
    refused(
        "reference_conflict",
        services.redeem_points,
        customer_id=customer.pk,
        points=400,
        reference="PAY1",
        actor=ACTOR,
    )
    other = make_customer()
    earn(other, store, 100000, "SO2")
    refused(
        "reference_conflict",
        services.redeem_points,
        customer_id=other.pk,
        points=300,
        reference="PAY1",
        actor=ACTOR,
    )
    assert balance(customer) == 700


@pytest.mark.parametrize(
    "points,code",
    [
        (0, "invalid_points"),
        (-100, "invalid_points"),
        (150, "invalid_points"),
        (True, "invalid_points"),
        (1100, "insufficient_points"),
    ],
)
def test_redeem_refusals_change_nothing(customer, store, points, code):
    earn(customer, store, 100000, "SO1")
    err = refused(
        code, services.redeem_points, customer_id=customer.pk, points=points, reference="PAY", actor=ACTOR
    )
    if code == "insufficient_points":
        assert err.status == 409 and err.detail["balance"] == 1000


def test_redeem_without_an_account_is_insufficient(customer):
    refused(
        "insufficient_points",
        services.redeem_points,
        customer_id=customer.pk,
        points=100,
        reference="P",
        actor=ACTOR,
    )


def test_redeem_respects_the_order_share_cap(customer, store):
    earn(customer, store, 500000, "SO1")
    refused(
        "invalid_points",
        services.redeem_points,
        customer_id=customer.pk,
        points=600,
        reference="P",
        order_total_fen=1000,
        actor=ACTOR,
    )
    assert (
        services.redeem_points(
            customer_id=customer.pk, points=500, reference="P", order_total_fen=1000, actor=ACTOR
        )
        == 500
    )


def test_redeem_config_changes_the_value(customer, store):
    earn(customer, store, 100000, "SO1")
    services.update_redeem_config(points_per_yuan=200, max_share_percent=30, step=50, actor=ACTOR)
    assert selectors.points_to_fen(250) == 125 and selectors.fen_to_points(125) == 250
    assert services.redeem_points(customer_id=customer.pk, points=250, reference="P", actor=ACTOR) == 125
    assert selectors.redeemable_points(customer_id=customer.pk, order_total_fen=1000) == 600  # 30% = 300 fen
    assert AuditEntry.objects.filter(object_type="loyalty.redeemconfig").count() == 1


def test_redeemable_points_cap_balance_and_step(customer, store):
    assert selectors.redeemable_points(customer_id=customer.pk, order_total_fen=100000) == 0
    earn(customer, store, 34500, "SO1")  # 345 points
    assert selectors.redeemable_points(customer_id=customer.pk, order_total_fen=100000) == 300
    assert selectors.redeemable_points(customer_id=customer.pk, order_total_fen=500) == 200  # 50% = 250 fen
    assert selectors.redeemable_points(customer_id=customer.pk, order_total_fen=199) == 0
    assert selectors.redeemable_points(customer_id=customer.pk, order_total_fen=0) == 0


# --- returning redeemed points ---------------------------------------------------------------


def test_return_redeemed_points_in_parts_never_more_than_redeemed(customer, store):
    earn(customer, store, 100000, "SO1")
    services.redeem_points(customer_id=customer.pk, points=300, reference="PAY1", actor=ACTOR)
    assert services.return_redeemed_points(reference="PAY1", fen=101, actor=ACTOR) == 101
    assert services.return_redeemed_points(reference="PAY1", fen=199, actor=ACTOR) == 199
    refused("refund_exceeds_spent", services.return_redeemed_points, reference="PAY1", fen=1, actor=ACTOR)
    assert balance(customer) == 1000
    assert selectors.ledger_discrepancies() == []


def test_return_with_a_reference_is_replay_safe(customer, store):
    earn(customer, store, 100000, "SO1")
    services.redeem_points(customer_id=customer.pk, points=300, reference="PAY1", actor=ACTOR)
    assert (
        services.return_redeemed_points(reference="PAY1", fen=150, actor=ACTOR, return_reference="RF1") == 150
    )
    before = snapshot()
    assert (
        services.return_redeemed_points(reference="PAY1", fen=150, actor=ACTOR, return_reference="RF1") == 150
    )
    assert snapshot() == before
    refused("redemption_not_found", services.return_redeemed_points, reference="NOPE", fen=1, actor=ACTOR)
    refused("invalid_amount", services.return_redeemed_points, reference="PAY1", fen=0, actor=ACTOR)


def test_returned_points_keep_the_original_expiry(customer, store):
    earn(customer, store, 20000, "OLD", at=shanghai(Y - 1, 3, 1))
    services.redeem_points(customer_id=customer.pk, points=200, reference="PAY1", actor=ACTOR)
    services.return_redeemed_points(reference="PAY1", fen=100, actor=ACTOR)
    lot = PointsLot.objects.get(entry__kind=PointsKind.RETURN)
    assert (lot.points, lot.remaining, lot.expires_at) == (100, 100, shanghai(Y + 1, 1, 1))


def test_returned_points_get_a_fresh_expiry_when_the_original_has_passed(customer, store, monkeypatch):
    earn(customer, store, 20000, "OLD", at=shanghai(Y - 1, 3, 1))
    services.redeem_points(customer_id=customer.pk, points=200, reference="PAY1", actor=ACTOR)
    later = shanghai(Y + 1, 1, 1)
    monkeypatch.setattr(points_module.timezone, "now", lambda: later)
    services.return_redeemed_points(reference="PAY1", fen=200, actor=ACTOR)
    lot = PointsLot.objects.get(entry__kind=PointsKind.RETURN)
    assert lot.expires_at == shanghai(Y + 3, 1, 1)


def test_return_rounds_through_the_redemption_ratio(customer, store):
    earn(customer, store, 100000, "SO1")
    services.update_redeem_config(points_per_yuan=300, max_share_percent=50, step=100, actor=ACTOR)
    assert services.redeem_points(customer_id=customer.pk, points=100, reference="P", actor=ACTOR) == 33
    assert [services.return_redeemed_points(reference="P", fen=11, actor=ACTOR) for _ in range(3)] == [
        33,
        34,
        33,
    ]
    assert balance(customer) == 1000


# --- clawback --------------------------------------------------------------------------------


def test_clawback_is_proportional_cumulative_and_capped(customer, store):
    assert earn(customer, store, 12345, "SO1") == 123
    assert (
        services.claw_back_points(reference="SO1", refund_reference="RF1", refunded_fen=5000, actor=ACTOR)
        == 50
    )
    # 123 × 5000 / 12345 = 49.82 → 50; after 10000: 99.64 → 100, so 50 more
    assert (
        services.claw_back_points(reference="SO1", refund_reference="RF2", refunded_fen=5000, actor=ACTOR)
        == 50
    )
    assert (
        services.claw_back_points(reference="SO1", refund_reference="RF3", refunded_fen=9999, actor=ACTOR)
        == 23
    )
    assert (
        services.claw_back_points(reference="SO1", refund_reference="RF4", refunded_fen=100, actor=ACTOR) == 0
    )
    assert balance(customer) == 0
    assert selectors.ledger_discrepancies() == []


def test_clawback_rounding_half_up_and_small_refunds_accumulate(customer, store):
    assert earn(customer, store, 1000, "SO1") == 10
    assert services.claw_back_points(reference="SO1", refund_reference="A", refunded_fen=40, actor=ACTOR) == 0
    assert (
        services.claw_back_points(reference="SO1", refund_reference="B", refunded_fen=10, actor=ACTOR) == 1
    )  # 0.5
    assert (
        services.claw_back_points(reference="SO1", refund_reference="C", refunded_fen=40, actor=ACTOR) == 0
    )  # 0.9
    assert services.claw_back_points(reference="SO1", refund_reference="D", refunded_fen=60, actor=ACTOR) == 1
    assert balance(customer) == 8


def test_clawback_replay_is_a_no_op(customer, store):
    earn(customer, store, 10000, "SO1")
    assert (
        services.claw_back_points(reference="SO1", refund_reference="RF1", refunded_fen=3000, actor=ACTOR)
        == 30
    )
    before = snapshot()
    assert (
        services.claw_back_points(reference="SO1", refund_reference="RF1", refunded_fen=3000, actor=ACTOR)
        == 30
    )
    assert snapshot() == before
    earn(customer, store, 10000, "SO2")
    refused(
        "reference_conflict",
        services.claw_back_points,
        reference="SO2",
        refund_reference="RF1",
        refunded_fen=3000,
        actor=ACTOR,
    )


def test_clawback_of_an_order_that_earned_nothing(customer, store):
    before = snapshot()
    assert (
        services.claw_back_points(reference="NONE", refund_reference="RF", refunded_fen=100, actor=ACTOR) == 0
    )
    assert snapshot() == before
    refused(
        "invalid_amount",
        services.claw_back_points,
        reference="NONE",
        refund_reference="RF",
        refunded_fen=0,
        actor=ACTOR,
    )
    refused(
        "invalid_input",
        services.claw_back_points,
        reference="NONE",
        refund_reference="",
        refunded_fen=1,
        actor=ACTOR,
    )


def test_clawback_of_spent_points_becomes_debt_that_later_earnings_settle(customer, store):
    earn(customer, store, 25000, "SO1")  # 250
    services.redeem_points(customer_id=customer.pk, points=200, reference="PAY", actor=ACTOR)
    assert (
        services.claw_back_points(reference="SO1", refund_reference="RF", refunded_fen=25000, actor=ACTOR)
        == 250
    )
    account = PointsAccount.objects.get(customer=customer)
    assert (account.balance, account.debt) == (0, 200)
    clawback = PointsEntry.objects.get(kind=PointsKind.CLAWBACK)
    assert (clawback.points, clawback.shortfall) == (-50, 200)
    assert earn(customer, store, 15000, "SO2") == 150
    account.refresh_from_db()
    assert (account.balance, account.debt) == (0, 50)
    assert earn(customer, store, 10000, "SO3") == 100
    account.refresh_from_db()
    assert (account.balance, account.debt) == (50, 0)
    assert list(PointsEntry.objects.filter(kind=PointsKind.SETTLE_DEBT).values_list("points", flat=True)) == [
        -150,
        -50,
    ]
    assert selectors.ledger_discrepancies() == []
    # a replayed clawback does not add debt again
    services.claw_back_points(reference="SO1", refund_reference="RF", refunded_fen=25000, actor=ACTOR)
    account.refresh_from_db()
    assert account.debt == 0


# --- manual adjustment -----------------------------------------------------------------------


def test_adjust_points_is_audited_and_cannot_go_negative(customer, store):
    entry = services.adjust_points(
        customer_id=customer.pk, points=500, reason="补偿", reference="ADJ1", actor=ACTOR
    )
    assert balance(customer) == 500
    assert PointsLot.objects.get(entry=entry).expires_at == lot_expiry(timezone.now())
    assert AuditEntry.objects.filter(object_type="loyalty.pointsentry", object_id=str(entry.pk)).exists()
    services.adjust_points(customer_id=customer.pk, points=-200, reason="误发", reference="ADJ2", actor=ACTOR)
    assert balance(customer) == 300
    refused(
        "insufficient_points",
        services.adjust_points,
        customer_id=customer.pk,
        points=-301,
        reason="x",
        reference="ADJ3",
        actor=ACTOR,
    )
    refused(
        "invalid_input",
        services.adjust_points,
        customer_id=customer.pk,
        points=1,
        reason=" ",
        reference="ADJ4",
        actor=ACTOR,
    )
    refused(
        "invalid_points",
        services.adjust_points,
        customer_id=customer.pk,
        points=0,
        reason="x",
        reference="ADJ5",
        actor=ACTOR,
    )
    refused(
        "reference_conflict",
        services.adjust_points,
        customer_id=customer.pk,
        points=7,
        reason="x",
        reference="ADJ1",
        actor=ACTOR,
    )


# --- the ledger is append-only ---------------------------------------------------------------


def test_ledger_rows_cannot_be_updated_or_deleted(customer, store):
    earn(customer, store, 10000, "SO1")
    services.redeem_points(customer_id=customer.pk, points=100, reference="P", actor=ACTOR)
    for rows in (PointsEntry.objects.all(), LotUse.objects.all()):
        with pytest.raises(DatabaseError), transaction.atomic():
            rows.update(reason="x") if rows.model is PointsEntry else rows.update(points=1)
        with pytest.raises(DatabaseError), transaction.atomic():
            rows.model.objects.all()._raw_delete(rows.db)
    assert PointsEntry.objects.count() == 2 and LotUse.objects.count() == 1


# --- the task and the selectors --------------------------------------------------------------


def test_expire_points_task_writes_off_overdue_lots(customer, store):
    from huitong.loyalty.tasks import expire_points_task

    earn(customer, store, 10000, "OLD", at=shanghai(2020, 1, 1))
    assert expire_points_task() == 1
    assert balance(customer) == 0


def test_balance_selectors_query_counts(customer, store, django_assert_num_queries):
    earn(customer, store, 10000, "SO1")
    with django_assert_num_queries(2):
        assert selectors.points_balance(customer.pk) == 100
    with django_assert_num_queries(3):
        assert selectors.redeemable_points(customer_id=customer.pk, order_total_fen=100000) == 100
