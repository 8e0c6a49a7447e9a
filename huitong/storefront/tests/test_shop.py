"""The web mall's buying pages with the Django test client: sign in by phone code, cart priced with
its adjustments, checkout, pay, and the member centre."""

import re

import pytest
from django.test import Client

from huitong.checkout.tests.mall import make_mall
from huitong.loyalty import selectors as loyalty_selectors
from huitong.members.sms import sandbox_messages
from huitong.orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def mall(db):
    return make_mall()


def sign_in(client, phone="13800138000"):
    client.post("/login/", {"phone": phone, "action": "send"})
    code = re.search(r"\d{6}", sandbox_messages("+86" + phone)[0]).group()
    return client.post("/login/?next=/cart/", {"phone": phone, "code": code, "action": "login", "next": "/cart/"})


def test_cart_checkout_pay_and_member_centre(mall):
    client = Client()
    client.post("/cart/add/", {"sku_id": mall.sku_a.pk, "quantity": 2})
    client.post("/cart/add/", {"sku_id": mall.sku_b.pk, "quantity": 1})
    page = client.get("/cart/").content.decode()
    assert "满100减15" in page and "¥104.60" in page and "登录后结算" in page

    assert sign_in(client)["Location"] == "/cart/"
    page = client.get(f"/cart/?coupon={mall.coupon.code}").content.decode()
    assert "¥94.60" in page and "积分余额 5000" in page

    r = client.post("/checkout/", {"coupon_codes": mall.coupon.code, "points": "1000", "name": "王芳",
                                   "phone": "13800138000", "province": "浙江省", "city": "杭州市",
                                   "address": "文三路 1 号"})
    order = Order.objects.get()
    assert r["Location"] == f"/orders/{order.number}/"
    assert (order.total_fen, order.paid_fen, order.customer_id) == (9460, 1000, mall.member.pk)
    page = client.get(r["Location"]).content.decode()
    assert "¥84.60" in page and "模拟支付" in page
    client.post(f"/orders/{order.number}/pay/")
    assert Order.objects.get().status == "paid"
    assert "购物车 (0)" in client.get("/").content.decode()

    me = client.get("/me/").content.decode()
    assert order.number in me and mall.member.card_no in me and "普通会员" in me
    assert str(loyalty_selectors.points_balance(mall.member.pk)) in me
    png = client.get("/me/card.png")
    assert png["Content-Type"] == "image/png" and png.content[:4] == b"\x89PNG"


def test_wrong_code_and_someone_elses_order(mall):
    client = Client()
    client.post("/login/", {"phone": "13800138000", "action": "send"})
    page = client.post("/login/", {"phone": "13800138000", "code": "000000", "action": "login"}).content.decode()
    assert "验证码错误" in page or "验证码" in page
    assert client.get("/me/")["Location"].startswith("/login/")

    owner = Client()
    sign_in(owner)
    owner.post("/cart/add/", {"sku_id": mall.sku_a.pk, "quantity": 1})
    owner.post("/checkout/", {"name": "王芳", "phone": "13800138000", "province": "浙江省", "city": "杭州市",
                              "address": "文三路 1 号"})
    number = Order.objects.get().number
    stranger = Client()
    sign_in(stranger, phone="13900139000")
    assert stranger.get(f"/orders/{number}/").status_code == 404
    assert stranger.post(f"/orders/{number}/pay/").status_code == 404


def test_used_coupon_shows_why_and_places_nothing(mall):
    client = Client()
    sign_in(client)
    client.post("/cart/add/", {"sku_id": mall.sku_a.pk, "quantity": 2})
    receiver = {"name": "王芳", "phone": "13800138000", "province": "浙江省", "city": "杭州市", "address": "文三路 1 号"}
    client.post("/checkout/", {"coupon_codes": mall.coupon.code, **receiver})
    client.post("/cart/add/", {"sku_id": mall.sku_a.pk, "quantity": 2})
    r = client.post("/checkout/", {"coupon_codes": mall.coupon.code, **receiver}, follow=True)
    assert Order.objects.count() == 1
    assert "优惠券" in r.content.decode()
