"""identify_member: phones normalised and hashed, WeChat and platform keys, merging a nick-only member
when the same person shows their phone; identify_buyers unchanged; staff registration."""

import pytest
from django.db import connection

from huitong.core.crypto import lookup_hash
from huitong.core.models import AuditEntry
from huitong.members import services
from huitong.members.errors import IdentityTaken, InvalidMemberInput
from huitong.members.models import Customer, CustomerIdentity, CustomerStatus, IdentityKind, MemberMerge

pytestmark = pytest.mark.django_db


def test_one_phone_in_any_spelling_is_one_member_stored_encrypted():
    first = services.identify_member(phone="13800000000", name="张三")
    assert services.identify_member(phone="+86 138 0000 0000") == first
    assert services.identify_member(phone="138-0000-0000") == first
    customer = Customer.objects.get(pk=first)
    assert (customer.phone, customer.phone_hash, customer.display_name) == (
        "+8613800000000",
        lookup_hash("+8613800000000"),
        "张三",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM members_customer WHERE id = %s", [first])
        stored = cursor.fetchone()[0]
    assert "13800000000" not in stored and stored
    identity = CustomerIdentity.objects.get(customer_id=first)
    assert (identity.kind, identity.platform, identity.value, identity.phone) == (
        IdentityKind.PHONE,
        "",
        lookup_hash("+8613800000000"),
        "+8613800000000",
    )
    assert Customer.objects.count() == 1


@pytest.mark.parametrize("phone", ["12345", "1380000000", "abc", "+1 202 000 0000"])
def test_an_invalid_phone_is_a_field_error_and_creates_nothing(phone, unchanged):
    with unchanged(), pytest.raises(InvalidMemberInput) as err:
        services.identify_member(phone=phone, nick="茶友", platform="taobao")
    assert err.value.status == 422 and err.value.code == "invalid_member_input"
    assert "phone" in err.value.detail["fields"]


def test_no_identity_or_a_nick_without_platform_is_refused(unchanged):
    with unchanged(), pytest.raises(InvalidMemberInput) as err:
        services.identify_member(name="没人")
    assert set(err.value.detail["fields"]) == {"phone"}
    with unchanged(), pytest.raises(InvalidMemberInput) as err:
        services.identify_member(nick="茶友")
    assert set(err.value.detail["fields"]) == {"platform"}
    with unchanged(), pytest.raises(InvalidMemberInput) as err:
        services.identify_member(nick="茶*", platform="taobao")  # masked: identifies nobody
    assert set(err.value.detail["fields"]) == {"phone"}


def test_wechat_and_platform_keys_find_their_member():
    by_openid = services.identify_member(openid="o-1", unionid="u-1")
    assert services.identify_member(unionid="u-1") == by_openid
    assert services.identify_member(openid="o-1") == by_openid
    by_nick = services.identify_member(platform="taobao", nick="茶友", buyer_id="B1")
    assert services.identify_member(platform="taobao", buyer_id="B1") == by_nick
    assert services.identify_member(platform="jd", nick="茶友") != by_nick  # nicks are per platform
    # a new key seen together with a known one joins that member
    assert services.identify_member(openid="o-1", platform="taobao", nick="新昵称") == by_openid
    assert (
        CustomerIdentity.objects.get(kind="nick", platform="taobao", value="新昵称").customer_id == by_openid
    )
    assert MemberMerge.objects.count() == 0


def test_a_nick_only_member_is_merged_when_the_same_person_shows_their_phone():
    phone_member = services.identify_member(phone="13800000000")
    nick_member = services.identify_member(platform="taobao", nick="茶友", buyer_id="B1")
    result = services.identify_member(phone="13800000000", platform="taobao", nick="茶友")
    assert result == phone_member
    merge = MemberMerge.objects.get()
    assert (merge.source_id, merge.target_id, merge.reason, merge.status) == (
        nick_member,
        phone_member,
        "same phone",
        "merged",
    )
    nick = Customer.objects.get(pk=nick_member)
    assert (nick.status, nick.merged_into_id) == (CustomerStatus.MERGED, phone_member)
    assert set(CustomerIdentity.objects.filter(customer_id=phone_member).values_list("kind", flat=True)) == {
        "phone",
        "nick",
        "buyer_id",
    }
    assert services.identify_member(platform="taobao", buyer_id="B1") == phone_member
    assert AuditEntry.objects.filter(
        object_type="members.customer", object_id=str(nick_member), to_state="merged", reason="same phone"
    ).exists()


def test_a_new_phone_joins_the_phone_less_member_it_is_shown_with():
    nick_member = services.identify_member(platform="taobao", nick="茶友")
    assert services.identify_member(phone="13800000000", platform="taobao", nick="茶友") == nick_member
    customer = Customer.objects.get(pk=nick_member)
    assert customer.phone == "+8613800000000" and MemberMerge.objects.count() == 0
    assert services.identify_member(phone="13800000000") == nick_member


def test_a_key_held_by_a_member_with_another_phone_is_not_merged():
    other = services.identify_member(phone="13900000000", platform="taobao", nick="茶友")
    mine = services.identify_member(phone="13800000000", platform="taobao", nick="茶友")
    assert mine != other and MemberMerge.objects.count() == 0
    assert CustomerIdentity.objects.get(kind="nick", value="茶友").customer_id == other
    assert Customer.objects.get(pk=other).status == CustomerStatus.ACTIVE


def test_identify_buyers_still_attaches_platform_buyers():
    result = services.identify_buyers(platform="taobao", buyers=[("B1", "茶友"), ("", "阿明"), ("", "阿*")])
    assert set(result) == {("B1", "茶友"), ("", "阿明")}
    again = services.identify_buyers(platform="taobao", buyers=[("B1", "")])
    assert again[("B1", "")] == result[("B1", "茶友")]


def test_staff_register_a_member_once_per_phone(system_actor, unchanged):
    customer = services.create_member(phone="138 0000 0000", name="李四", actor=system_actor)
    assert (customer.phone, customer.display_name, customer.status) == ("+8613800000000", "李四", "active")
    assert services.identify_member(phone="13800000000") == customer.pk
    with unchanged(), pytest.raises(IdentityTaken) as err:
        services.create_member(phone="+8613800000000", actor=system_actor)
    assert err.value.status == 409 and "phone" in err.value.detail["fields"]
    with unchanged(), pytest.raises(InvalidMemberInput):
        services.create_member(phone="123", actor=system_actor)


def test_card_numbers_are_16_digits_with_a_luhn_check_digit_and_unique():
    from stdnum import luhn

    ids = [services.identify_member(openid=f"o-{i}") for i in range(30)]
    cards = list(Customer.objects.filter(pk__in=ids).values_list("card_no", flat=True))
    assert len(set(cards)) == 30
    assert all(len(c) == 16 and c.isdigit() and luhn.is_valid(c) for c in cards)
