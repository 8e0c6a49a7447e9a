import sys
import types

import pytest
from cryptography.hazmat.primitives import serialization

from huitong.core.errors import Conflict
from huitong.core.models import AuditEntry
from huitong.payments.tests.fakes import (
    ALIPAY_APP_ID,
    APIV3_KEY,
    WECHAT_APPID,
    WECHAT_MCHID,
    FakeAlipay,
    FakeWechat,
    new_key,
    private_pem,
)

MERCHANT_SERIAL = "3775B6A45ACD588826D15E583A95F5DD********".replace("*", "0")


@pytest.fixture(scope="session")
def merchant_key():
    return new_key()


@pytest.fixture
def alipay(settings, tmp_path, merchant_key):
    fake = FakeAlipay(merchant_key.public_key())
    (tmp_path / "app_private.pem").write_bytes(private_pem(merchant_key))
    # Alipay's console hands out its public key as bare base64: store it that way.
    der = fake.key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    import base64

    (tmp_path / "alipay_public.txt").write_bytes(base64.b64encode(der))
    settings.HUITONG_ALIPAY_APP_ID = ALIPAY_APP_ID
    settings.HUITONG_ALIPAY_PRIVATE_KEY_PATH = str(tmp_path / "app_private.pem")
    settings.HUITONG_ALIPAY_PUBLIC_KEY_PATH = str(tmp_path / "alipay_public.txt")
    settings.HUITONG_ALIPAY_GATEWAY = fake.url
    settings.HUITONG_ALIPAY_NOTIFY_URL = "https://shop.example.com/api/v1/payments/notify/alipay"
    settings.HUITONG_ALIPAY_RETURN_URL = "https://shop.example.com/paid"
    yield fake
    fake.stop()


@pytest.fixture
def wechat(settings, tmp_path, merchant_key):
    fake = FakeWechat(merchant_key.public_key(), MERCHANT_SERIAL)
    (tmp_path / "apiclient_key.pem").write_bytes(private_pem(merchant_key))
    (tmp_path / "platform.pem").write_bytes(fake.cert.public_bytes(serialization.Encoding.PEM))
    settings.HUITONG_WECHATPAY_MCHID = WECHAT_MCHID
    settings.HUITONG_WECHATPAY_APPID = WECHAT_APPID
    settings.HUITONG_WECHATPAY_CERT_SERIAL_NO = MERCHANT_SERIAL
    settings.HUITONG_WECHATPAY_PRIVATE_KEY_PATH = str(tmp_path / "apiclient_key.pem")
    settings.HUITONG_WECHATPAY_APIV3_KEY = APIV3_KEY
    settings.HUITONG_WECHATPAY_PLATFORM_CERT_PATHS = str(tmp_path / "platform.pem")
    settings.HUITONG_WECHATPAY_GATEWAY = fake.url
    settings.HUITONG_WECHATPAY_NOTIFY_URL = "https://shop.example.com/api/v1/payments/notify/wechat"
    yield fake
    fake.stop()


class InsufficientFunds(Conflict):
    code = "insufficient_balance"


class FakeLoyalty:
    """Stands in for huitong.loyalty (contract signatures) while it is being written. Its ledger is audit
    rows in the same database, so a rolled-back transaction takes them back, as the real ledger would."""

    TYPE = "fake.loyalty"

    def __init__(self):
        self.points = {}
        self.stored = {}
        self.cards = {}  # card_no -> (pin, balance)
        self.services = types.ModuleType("huitong.loyalty.services")
        self.selectors = types.ModuleType("huitong.loyalty.selectors")
        for name in (
            "redeem_points",
            "return_redeemed_points",
            "spend_stored_value",
            "refund_stored_value",
            "spend_gift_card",
            "refund_gift_card",
        ):
            setattr(self.services, name, getattr(self, name))
        self.selectors.points_to_fen = lambda points: points  # 100 points = 1 yuan
        self.selectors.fen_to_points = lambda fen: fen

    def _entries(self, kind, who):
        return AuditEntry.objects.filter(object_type=self.TYPE, from_state=kind, object_id=str(who))

    def _spent(self, kind, who) -> int:
        return sum(e.data["fen"] for e in self._entries(kind, who))

    def _write(self, kind, who, fen, reference):
        AuditEntry.objects.create(
            object_type=self.TYPE,
            object_id=str(who),
            from_state=kind,
            to_state=reference,
            actor_label="test",
            data={"fen": fen},
        )

    def balance(self, kind, who) -> int:
        start = {"points": self.points, "stored": self.stored}.get(kind)
        opening = start.get(who, 0) if start is not None else self.cards[who][1]
        return opening - self._spent(kind, who)

    def redeem_points(self, *, customer_id, points, reference, actor):
        if self.balance("points", customer_id) < points:
            raise InsufficientFunds("积分不足")
        self._write("points", customer_id, points, reference)
        return points

    def return_redeemed_points(self, *, reference, fen, actor, **replay):
        who = (
            AuditEntry.objects.filter(object_type=self.TYPE, from_state="points", to_state=reference)
            .first()
            .object_id
        )
        self._write("points", int(who), -fen, reference)
        return fen

    def spend_stored_value(self, *, customer_id, amount_fen, reference, actor):
        if self.balance("stored", customer_id) < amount_fen:
            raise InsufficientFunds("储值余额不足")
        self._write("stored", customer_id, amount_fen, reference)
        return AuditEntry.objects.filter(object_type=self.TYPE).latest("id").pk

    def refund_stored_value(self, *, reference, amount_fen, actor, **replay):
        who = (
            AuditEntry.objects.filter(object_type=self.TYPE, from_state="stored", to_state=reference)
            .first()
            .object_id
        )
        self._write("stored", int(who), -amount_fen, reference)

    def spend_gift_card(self, *, card_no, pin, amount_fen, reference, actor):
        if card_no not in self.cards or self.cards[card_no][0] != pin:
            raise InsufficientFunds("礼品卡号或密码错误")
        if self.balance("card", card_no) < amount_fen:
            raise InsufficientFunds("礼品卡余额不足")
        self._write("card", card_no, amount_fen, reference)
        return AuditEntry.objects.filter(object_type=self.TYPE).latest("id").pk

    def refund_gift_card(self, *, reference, amount_fen, actor, **replay):
        card = (
            AuditEntry.objects.filter(object_type=self.TYPE, from_state="card", to_state=reference)
            .first()
            .object_id
        )
        self._write("card", card, -amount_fen, reference)

    def rows(self) -> int:
        return AuditEntry.objects.filter(object_type=self.TYPE).count()


@pytest.fixture
def loyalty(monkeypatch):
    fake = FakeLoyalty()
    import huitong.loyalty as package

    monkeypatch.setitem(sys.modules, "huitong.loyalty.services", fake.services)
    monkeypatch.setitem(sys.modules, "huitong.loyalty.selectors", fake.selectors)
    monkeypatch.setattr(package, "services", fake.services, raising=False)
    monkeypatch.setattr(package, "selectors", fake.selectors, raising=False)
    return fake
