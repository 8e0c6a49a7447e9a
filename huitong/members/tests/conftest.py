"""Members test helpers: a snapshot of everything a refused request must leave unchanged."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from huitong.core.models import AuditEntry
from huitong.members.models import Customer, CustomerIdentity, MemberMerge, MemberToken, Purchase

TZ = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=TZ)


def snapshot():
    """The members world as plain data: a refused call must leave it exactly as it was."""
    return (
        sorted(
            Customer.objects.values_list(
                "pk", "status", "merged_into_id", "phone_hash", "display_name", "tier_id", "spend_12m_fen"
            )
        ),
        sorted(CustomerIdentity.objects.values_list("pk", "customer_id", "kind", "platform", "value")),
        sorted(MemberMerge.objects.values_list("pk", "status", "source_id", "target_id")),
        sorted(Purchase.objects.values_list("pk", "customer_id", "amount_fen", "refunded_fen")),
        sorted(MemberToken.objects.values_list("pk", "customer_id")),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def unchanged(db):
    """``with unchanged(): ...`` asserts the block changed nothing in the members tables or the audit log."""
    from contextlib import contextmanager

    @contextmanager
    def check():
        before = snapshot()
        yield
        assert snapshot() == before

    return check
