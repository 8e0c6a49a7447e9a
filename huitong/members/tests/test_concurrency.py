"""Concurrency on PostgreSQL: real threads, each with its own connection."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from huitong.core.actors import Actor
from huitong.core.errors import DomainError
from huitong.members import services
from huitong.members.models import Customer, CustomerIdentity, MemberMerge
from huitong.members.sms import sandbox_messages

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_concurrently(n, fn):
    barrier = threading.Barrier(n)

    def wrapped(i):
        try:
            barrier.wait()
            try:
                return fn(i)
            except DomainError as exc:
                return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(wrapped, range(n)))


def test_the_same_new_phone_identified_concurrently_is_one_member():
    results = run_concurrently(12, lambda i: services.identify_member(phone="13800000000", openid=f"o-{i}"))
    assert len(set(results)) == 1 and Customer.objects.count() == 1
    assert CustomerIdentity.objects.filter(customer_id=results[0]).count() == 13


def test_a_phone_shown_concurrently_with_many_nick_members_merges_each_once():
    phone_member = services.identify_member(phone="13800000000")
    nicks = [services.identify_member(platform="taobao", nick=f"茶友{i}") for i in range(8)]
    results = run_concurrently(
        8, lambda i: services.identify_member(phone="13800000000", platform="taobao", nick=f"茶友{i}")
    )
    assert results == [phone_member] * 8
    assert sorted(MemberMerge.objects.values_list("source_id", flat=True)) == sorted(nicks)
    assert set(Customer.objects.filter(pk__in=nicks).values_list("status", flat=True)) == {"merged"}


def test_opposite_merges_at_once_one_wins_without_deadlock():
    a, b = services.identify_member(openid="a"), services.identify_member(openid="b")
    actor = Actor.system("test")
    pairs = [(a, b), (b, a)] * 4
    results = run_concurrently(
        8,
        lambda i: (
            services.merge_members(
                source_id=pairs[i][0], target_id=pairs[i][1], actor=actor, reason="同一人"
            ).pk
        ),
    )
    assert sum(1 for r in results if isinstance(r, int)) == 1
    assert set(results) - {r for r in results if isinstance(r, int)} == {"customer_merged"}
    assert MemberMerge.objects.count() == 1


def test_one_code_request_per_minute_even_concurrently():
    results = run_concurrently(8, lambda i: services.request_login_code(phone="13800000000"))
    assert results.count(None) == 1 and results.count("code_requested_too_soon") == 7
    assert len(sandbox_messages("+8613800000000")) == 1


def test_a_code_signs_in_once_even_concurrently():
    services.request_login_code(phone="13800000000")
    code = re.search(r"\d{6}", sandbox_messages("+8613800000000")[0]).group()
    results = run_concurrently(
        5, lambda i: services.login_with_code(phone="13800000000", code=code).customer_id
    )
    assert sum(1 for r in results if isinstance(r, int)) == 1 and Customer.objects.count() == 1
