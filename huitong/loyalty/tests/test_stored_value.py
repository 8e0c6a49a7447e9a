import pytest
from django.db import DatabaseError, transaction

from huitong.core.errors import DomainError
from huitong.loyalty import selectors, services
from huitong.loyalty.models import StoredValueAccount, StoredValueEntry, StoredValueKind
from huitong.loyalty.tests.conftest import ACTOR, make_customer
from huitong.loyalty.tests.snapshot import snapshot

pytestmark = pytest.mark.django_db


def refused(code, fn, **kwargs):
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        fn(**kwargs)
    assert exc.value.code == code
    assert snapshot() == before
    return exc.value


def top_up(customer, amount, reference="TU1"):
    return services.top_up_stored_value(
        customer_id=customer.pk, amount_fen=amount, reference=reference, actor=ACTOR
    )


def spend(customer, amount, reference):
    return services.spend_stored_value(
        customer_id=customer.pk, amount_fen=amount, reference=reference, actor=ACTOR
    )


def test_top_up_spend_refund(customer):
    entry_id = top_up(customer, 10000)
    assert StoredValueEntry.objects.get(pk=entry_id).amount_fen == 10000
    spent = spend(customer, 3000, "PAY1")
    assert StoredValueEntry.objects.get(pk=spent).kind == StoredValueKind.SPEND
    services.refund_stored_value(reference="PAY1", amount_fen=1000, actor=ACTOR)
    services.refund_stored_value(reference="PAY1", amount_fen=2000, actor=ACTOR)
    assert selectors.stored_value_balance(customer.pk) == 10000
    refused("refund_exceeds_spent", services.refund_stored_value, reference="PAY1", amount_fen=1, actor=ACTOR)
    assert selectors.ledger_discrepancies() == []


def test_replays_are_no_ops_and_mismatches_conflict(customer):
    first = top_up(customer, 10000)
    before = snapshot()
    assert top_up(customer, 10000) == first
    assert snapshot() == before
    refused(
        "reference_conflict",
        services.top_up_stored_value,
        customer_id=customer.pk,
        amount_fen=5,
        reference="TU1",
        actor=ACTOR,
    )
    paid = spend(customer, 500, "PAY1")
    before = snapshot()
    assert spend(customer, 500, "PAY1") == paid
    assert snapshot() == before
    refused(
        "reference_conflict",
        services.spend_stored_value,
        customer_id=customer.pk,
        amount_fen=600,
        reference="PAY1",
        actor=ACTOR,
    )
    other = make_customer()
    top_up(other, 1000, "TU2")
    refused(
        "reference_conflict",
        services.spend_stored_value,
        customer_id=other.pk,
        amount_fen=500,
        reference="PAY1",
        actor=ACTOR,
    )


def test_refund_with_a_reference_is_replay_safe(customer):
    top_up(customer, 1000)
    spend(customer, 800, "PAY1")
    services.refund_stored_value(reference="PAY1", amount_fen=300, actor=ACTOR, refund_reference="RF1")
    before = snapshot()
    services.refund_stored_value(reference="PAY1", amount_fen=300, actor=ACTOR, refund_reference="RF1")
    assert snapshot() == before
    refused(
        "reference_conflict",
        services.refund_stored_value,
        reference="PAY1",
        amount_fen=301,
        actor=ACTOR,
        refund_reference="RF1",
    )
    assert selectors.stored_value_balance(customer.pk) == 500


@pytest.mark.parametrize(
    "amount,code",
    [
        (0, "invalid_amount"),
        (-1, "invalid_amount"),
        ("100", "invalid_amount"),
        (10001, "insufficient_balance"),
    ],
)
def test_spend_refusals_change_nothing(customer, amount, code):
    top_up(customer, 10000)
    err = refused(
        code,
        services.spend_stored_value,
        customer_id=customer.pk,
        amount_fen=amount,
        reference="P",
        actor=ACTOR,
    )
    if code == "insufficient_balance":
        assert err.status == 409 and err.detail["balance_fen"] == 10000


def test_spend_without_an_account_and_refund_without_a_spend(customer):
    refused(
        "insufficient_balance",
        services.spend_stored_value,
        customer_id=customer.pk,
        amount_fen=1,
        reference="P",
        actor=ACTOR,
    )
    refused("spend_not_found", services.refund_stored_value, reference="P", amount_fen=1, actor=ACTOR)
    refused(
        "customer_not_found",
        services.top_up_stored_value,
        customer_id=99999,
        amount_fen=1,
        reference="T",
        actor=ACTOR,
    )
    refused(
        "invalid_input",
        services.top_up_stored_value,
        customer_id=customer.pk,
        amount_fen=1,
        reference="",
        actor=ACTOR,
    )


def test_stored_value_ledger_is_append_only(customer):
    top_up(customer, 100)
    with pytest.raises(DatabaseError), transaction.atomic():
        StoredValueEntry.objects.update(amount_fen=1_000_000)
    with pytest.raises(DatabaseError), transaction.atomic():
        StoredValueEntry.objects.all()._raw_delete("default")
    with pytest.raises(DatabaseError), transaction.atomic():
        StoredValueAccount.objects.update(balance_fen=-1)
    assert selectors.stored_value_balance(customer.pk) == 100
