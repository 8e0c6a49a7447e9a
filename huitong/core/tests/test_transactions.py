"""core.transactions.retry_deadlocks: a whole transaction aborted to break a deadlock runs again."""

import pytest
from django.db import OperationalError, transaction

from huitong.core.transactions import DEADLOCK_ATTEMPTS, retry_deadlocks


class _DriverError(Exception):
    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _failing(sqlstate: str, times: int):
    calls = []

    def run():
        calls.append(1)
        if len(calls) <= times:
            raise OperationalError("aborted") from _DriverError(sqlstate)
        return "done"
    return run, calls


def test_a_deadlock_victim_runs_again_and_gives_up_after_the_attempts():
    run, calls = _failing("40P01", times=1)
    assert retry_deadlocks(run) == "done" and len(calls) == 2
    run, calls = _failing("40001", times=DEADLOCK_ATTEMPTS)
    with pytest.raises(OperationalError):
        retry_deadlocks(run)
    assert len(calls) == DEADLOCK_ATTEMPTS


def test_other_errors_are_not_retried():
    run, calls = _failing("08006", times=1)  # connection failure
    with pytest.raises(OperationalError):
        retry_deadlocks(run)
    assert len(calls) == 1


@pytest.mark.django_db
def test_inside_a_callers_transaction_the_deadlock_goes_up():
    run, calls = _failing("40P01", times=1)
    with pytest.raises(OperationalError), transaction.atomic():
        retry_deadlocks(run)
    assert len(calls) == 1
