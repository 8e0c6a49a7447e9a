import pytest

from huitong.loyalty import selectors, services
from huitong.loyalty.models import PointsAccount, PointsEntry, PointsKind, PointsLot, StoredValueEntry
from huitong.loyalty.tests.conftest import ACTOR, make_customer
from huitong.members import services as members
from huitong.members.merging import merge_participants

pytestmark = pytest.mark.django_db


def earn(customer, store, paid_fen, reference):
    from django.utils import timezone

    return services.earn_points(
        customer_id=customer.pk,
        reference=reference,
        store_id=store.pk,
        paid_fen=paid_fen,
        at=timezone.now(),
        actor=ACTOR,
    )


def account(customer):
    return PointsAccount.objects.get(customer=customer)


def test_loyalty_is_a_registered_merge_participant():
    assert "loyalty" in [p.name for p in merge_participants()]


def test_merge_moves_points_debt_and_stored_value_and_unmerge_moves_them_back(store):
    source, target = make_customer("昵称"), make_customer("手机会员")
    earn(source, store, 10000, "S1")
    services.redeem_points(customer_id=source.pk, points=100, reference="SP", actor=ACTOR)
    services.claw_back_points(
        reference="S1", refund_reference="RF", refunded_fen=10000, actor=ACTOR
    )  # debt 100
    earn(source, store, 5000, "S2")  # settles 50 of the debt
    services.adjust_points(customer_id=source.pk, points=200, reason="补偿", reference="ADJ", actor=ACTOR)
    earn(target, store, 7000, "T1")
    services.top_up_stored_value(customer_id=source.pk, amount_fen=5000, reference="TU-S", actor=ACTOR)
    services.top_up_stored_value(customer_id=target.pk, amount_fen=1000, reference="TU-T", actor=ACTOR)
    assert (account(source).balance, account(source).debt) == (200, 50)

    merge = members.merge_members(source_id=source.pk, target_id=target.pk, actor=ACTOR, reason="同一人")

    assert (account(source).balance, account(source).debt) == (0, 0)
    assert (account(target).balance, account(target).debt) == (270, 50)
    assert account(source).merged_into_id == account(target).pk
    assert (
        selectors.stored_value_balance(source.pk) == 0 and selectors.stored_value_balance(target.pk) == 6000
    )
    merge_entries = PointsEntry.objects.filter(kind__in=[PointsKind.MERGE_OUT, PointsKind.MERGE_IN])
    assert sorted(merge_entries.values_list("points", "shortfall")) == [(-200, 50), (200, 50)]
    assert StoredValueEntry.objects.filter(kind__in=["merge_in", "merge_out"]).count() == 2
    assert selectors.ledger_discrepancies() == []

    members.unmerge_members(merge_id=merge.pk, actor=ACTOR, reason="误合并")

    assert account(source).merged_into_id is None
    assert (account(source).balance, account(source).debt) == (200, 50)
    assert (account(target).balance, account(target).debt) == (70, 0)
    assert (
        selectors.stored_value_balance(source.pk) == 5000
        and selectors.stored_value_balance(target.pk) == 1000
    )
    assert selectors.ledger_discrepancies() == []


def test_a_clawback_after_the_merge_takes_from_the_target(store):
    source, target = make_customer(), make_customer()
    earn(source, store, 30000, "S1")
    earn(target, store, 7000, "T1")
    members.merge_members(source_id=source.pk, target_id=target.pk, actor=ACTOR, reason="同一人")
    assert (
        services.claw_back_points(reference="S1", refund_reference="RF", refunded_fen=15000, actor=ACTOR)
        == 150
    )
    assert (account(source).balance, account(target).balance) == (0, 220)
    assert selectors.ledger_discrepancies() == []


def test_points_the_target_spent_after_the_merge_do_not_come_back(store):
    source, target = make_customer(), make_customer()
    earn(source, store, 50000, "S1")  # 500
    data = services.move_loyalty(source.pk, target.pk)
    services.redeem_points(customer_id=target.pk, points=300, reference="T-SPEND", actor=ACTOR)
    services.undo_loyalty(data)
    assert (account(source).balance, account(target).balance) == (200, 0)
    assert PointsLot.objects.get(entry__reference="S1").account == account(source)
    assert selectors.ledger_discrepancies() == []


def test_merging_a_member_without_loyalty_rows_moves_nothing():
    source, target = make_customer(), make_customer()
    data = services.move_loyalty(source.pk, target.pk)
    assert set(data) == {"tag", "from", "to"}
    services.undo_loyalty(data)
    assert not PointsAccount.objects.exists() and not PointsEntry.objects.exists()


def test_earning_for_a_merged_away_member_lands_in_the_target(store):
    source, target = make_customer(), make_customer()
    earn(source, store, 1000, "S1")
    services.move_loyalty(source.pk, target.pk)
    earn(source, store, 2000, "S2")
    assert (account(source).balance, account(target).balance) == (0, 30)
