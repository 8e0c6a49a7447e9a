"""Sign-in by SMS code: the sandbox sender, expiry, tries, the 60-second limit, first sign-in."""

import json
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from huitong.members import services
from huitong.members.auth import member_for_token
from huitong.members.errors import (
    CodeRequestedTooSoon,
    InvalidLoginCode,
    InvalidMemberInput,
    LoginCodeExpired,
    TooManyCodeAttempts,
)
from huitong.members.models import Customer, LoginCode, SmsMessage
from huitong.members.sms import sandbox_messages

pytestmark = pytest.mark.django_db
PHONE = "+8613800000000"


def last_code(phone=PHONE) -> str:
    return re.search(r"\d{6}", sandbox_messages(phone)[0]).group()


def later(seconds):
    return mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(seconds=seconds))


def test_a_code_signs_in_and_creates_the_member_once():
    services.request_login_code(phone="138 0000 0000")
    code = last_code()
    assert LoginCode.objects.get().code_hash != code  # only a hash is kept
    first = services.login_with_code(phone="13800000000", code=code)
    assert member_for_token(first.token) == first.customer_id
    assert Customer.objects.get(pk=first.customer_id).phone == PHONE
    with pytest.raises(LoginCodeExpired):  # used
        services.login_with_code(phone="13800000000", code=code)
    with later(61):
        services.request_login_code(phone="13800000000")
        second = services.login_with_code(phone="13800000000", code=last_code())
    assert second.customer_id == first.customer_id and second.token != first.token
    assert Customer.objects.count() == 1


def test_one_code_per_phone_per_minute():
    services.request_login_code(phone=PHONE)
    with pytest.raises(CodeRequestedTooSoon) as err:
        services.request_login_code(phone=PHONE)
    assert err.value.status == 409 and 1 <= err.value.detail["retry_after_seconds"] <= 61
    assert SmsMessage.objects.count() == 1
    services.request_login_code(phone="13900000000")  # another phone is not limited
    with later(60):
        services.request_login_code(phone=PHONE)
    assert SmsMessage.objects.count() == 3


def test_a_code_expires_after_five_minutes():
    services.request_login_code(phone=PHONE)
    with later(301), pytest.raises(LoginCodeExpired) as err:
        services.login_with_code(phone=PHONE, code=last_code())
    assert err.value.status == 422 and "code" in err.value.detail["fields"]
    assert Customer.objects.count() == 0


def test_five_wrong_tries_use_the_code_up():
    services.request_login_code(phone=PHONE)
    code = last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        with pytest.raises(InvalidLoginCode):
            services.login_with_code(phone=PHONE, code=wrong)
    assert LoginCode.objects.get().attempts == 5
    with pytest.raises(TooManyCodeAttempts) as err:
        services.login_with_code(phone=PHONE, code=code)
    assert err.value.status == 409 and Customer.objects.count() == 0


def test_malformed_input_uses_no_try():
    services.request_login_code(phone=PHONE)
    with pytest.raises(InvalidLoginCode):
        services.login_with_code(phone=PHONE, code="12ab")
    with pytest.raises(InvalidMemberInput):
        services.login_with_code(phone="123", code="123456")
    with pytest.raises(InvalidMemberInput):
        services.request_login_code(phone="123")
    assert LoginCode.objects.get().attempts == 0 and SmsMessage.objects.count() == 1
    with pytest.raises(LoginCodeExpired):  # never sent to this phone
        services.login_with_code(phone="13900000000", code="123456")


def post(client, url, body, **headers):
    return client.post(
        f"/api/store/v1/auth{url}", json.dumps(body), content_type="application/json", **headers
    )


def test_the_storefront_sign_in_flow_over_http():
    client = Client()
    assert post(client, "/code", {"phone": "13800000000"}).status_code == 204
    r = post(client, "/code", {"phone": "13800000000"})
    assert r.status_code == 409 and r.json()["code"] == "code_requested_too_soon"
    r = post(client, "/code", {"phone": "12"})
    assert r.status_code == 422 and "phone" in r.json()["detail"]["fields"]
    r = post(
        client, "/login", {"phone": "13800000000", "code": "000000" if last_code() != "000000" else "111111"}
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_login_code"
    r = post(client, "/login", {"phone": "13800000000", "code": last_code()})
    assert r.status_code == 200
    token, customer_id = r.json()["token"], r.json()["customer_id"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    me = client.get("/api/store/v1/auth/me", **auth).json()
    card_no = Customer.objects.get(pk=customer_id).card_no
    assert me == {
        "id": customer_id,
        "display_name": "",
        "phone": "138****0000",
        "card_no": card_no,
        "tier_code": "normal",
        "tier_name": "普通会员",
        "segment": "",
        "segment_label": "",
    }
    png = client.get("/api/store/v1/auth/me/card.png", **auth)
    assert png.status_code == 200 and png["Content-Type"] == "image/png" and png.content[:4] == b"\x89PNG"
    assert post(client, "/logout", {}, **auth).status_code == 204
    assert client.get("/api/store/v1/auth/me", **auth).status_code == 401
    assert client.get("/api/store/v1/auth/me").status_code == 401
