"""Alipay against a local gateway (signed requests and answers over HTTP) and real notify callbacks to the
running app."""

import urllib.parse

import pytest
import requests

from huitong.core import audit
from huitong.core.models import OutboxMessage
from huitong.payments import services
from huitong.payments.alipay import load_public_key, rsa2_verify, sign_content
from huitong.payments.errors import GatewayError
from huitong.payments.models import Payment, PaymentStatus, Refund
from huitong.payments.tests.fakes import new_key

NOTIFY = "/api/v1/payments/notify/alipay"


@pytest.fixture
def started(alipay, system_actor):
    return services.create_payment(
        reference="SO100", amount_fen=8880, method="alipay", subject="汇通订单 SO100", actor=system_actor
    )


def _snapshot(payment):
    payment.refresh_from_db()
    return (
        payment.status,
        payment.gateway_trade_no,
        payment.paid_at,
        payment.refunded_fen,
        len(audit.history(payment)),
        OutboxMessage.objects.filter(topic="payment.settled").count(),
    )


@pytest.mark.django_db
def test_create_asks_alipay_for_a_qr_code_and_signs_the_page_pay_url(started, alipay, merchant_key):
    request = alipay.requests[-1]
    assert (
        request["method"] == "alipay.trade.precreate" and request["app_id"] == alipay.requests[-1]["app_id"]
    )
    assert '"total_amount":"88.80"' in request["biz_content"] and request["notify_url"].endswith(NOTIFY)
    assert started.qr_code.startswith("https://qr.alipay.com/") and started.status == PaymentStatus.CREATED
    url = urllib.parse.urlsplit(started.pay_url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == alipay.url
    params = dict(urllib.parse.parse_qsl(url.query))
    assert (
        params["method"] == "alipay.trade.page.pay"
        and params["return_url"] == "https://shop.example.com/paid"
    )
    assert rsa2_verify(merchant_key.public_key(), sign_content(params), params["sign"])
    assert not rsa2_verify(
        merchant_key.public_key(), sign_content({**params, "biz_content": "{}"}), params["sign"]
    )


@pytest.mark.django_db
def test_an_unverifiable_answer_leaves_no_payment(alipay, system_actor):
    alipay.tamper_answers = True
    with pytest.raises(GatewayError) as err:
        services.create_payment(reference="SO1", amount_fen=100, method="alipay", actor=system_actor)
    assert "验签" in err.value.message and not Payment.objects.exists()


@pytest.mark.django_db
def test_a_request_alipay_cannot_verify_is_an_error(alipay, settings, tmp_path, system_actor):
    from huitong.payments.tests.fakes import private_pem

    (tmp_path / "other.pem").write_bytes(private_pem(new_key()))
    settings.HUITONG_ALIPAY_PRIVATE_KEY_PATH = str(tmp_path / "other.pem")
    with pytest.raises(GatewayError) as err:
        services.create_payment(reference="SO1", amount_fen=100, method="alipay", actor=system_actor)
    assert err.value.detail["sub_code"] == "isv.invalid-signature" and not Payment.objects.exists()


@pytest.mark.django_db
def test_unconfigured_alipay_names_what_is_missing(settings, system_actor):
    settings.HUITONG_ALIPAY_APP_ID = ""
    with pytest.raises(Exception) as err:
        services.create_payment(reference="SO1", amount_fen=100, method="alipay", actor=system_actor)
    assert err.value.status == 422 and "HUITONG_ALIPAY_APP_ID" in err.value.detail["fields"]


@pytest.mark.django_db
def test_query_settles_a_paid_trade(started, alipay, system_actor):
    assert services.query_payment(payment_id=started.pk, actor=system_actor).status == PaymentStatus.CREATED
    trade_no = alipay.pay(started.out_trade_no)
    payment = services.query_payment(payment_id=started.pk, actor=system_actor)
    assert (payment.status, payment.gateway_trade_no) == (PaymentStatus.PAID, trade_no)
    assert OutboxMessage.objects.get(topic="payment.settled").payload["payment_id"] == payment.pk


@pytest.mark.django_db
def test_refund_goes_through_alipay(started, alipay, system_actor):
    trade_no = alipay.pay(started.out_trade_no)
    services.confirm_payment(
        payment_id=started.pk, gateway_trade_no=trade_no, amount_fen=8880, actor=system_actor
    )
    payment = services.refund_payment(
        payment_id=started.pk, amount_fen=1880, actor=system_actor, reason="少发一件", refund_reference="AS9"
    )
    assert (payment.status, payment.refunded_fen) == (PaymentStatus.PARTIALLY_REFUNDED, 1880)
    refund = Refund.objects.get()
    assert alipay.requests[-1]["method"] == "alipay.trade.refund"
    assert f'"out_request_no":"{refund.refund_no}"' in alipay.requests[-1]["biz_content"]
    assert alipay.trades[started.out_trade_no]["refunded"] == 1880
    alipay.trades[started.out_trade_no]["refunded"] = 8000  # refunded in Alipay's merchant console meanwhile
    with pytest.raises(GatewayError):  # Alipay refuses more than is left there: nothing recorded here either
        services.refund_payment(payment_id=started.pk, amount_fen=1000, actor=system_actor, reason="r")
    assert Refund.objects.count() == 1 and Payment.objects.get(pk=started.pk).refunded_fen == 1880


@pytest.mark.django_db
def test_close_closes_the_trade_at_alipay(started, alipay, system_actor):
    services.close_payment(payment_id=started.pk, actor=system_actor, reason="订单取消")
    assert alipay.trades[started.out_trade_no]["status"] == "TRADE_CLOSED"


def test_public_key_in_bare_base64_or_pem(merchant_key):
    from cryptography.hazmat.primitives import serialization

    from huitong.payments.tests.fakes import public_pem

    pem = public_pem(merchant_key)
    bare = b"".join(line for line in pem.splitlines() if not line.startswith(b"-----"))
    as_pem, as_bare = load_public_key(pem), load_public_key(bare)
    raw = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    assert as_pem.public_bytes(*raw) == as_bare.public_bytes(*raw)


# --- notifies over HTTP to the running app -----------------------------------------------------------

pytestmark_live = pytest.mark.django_db(transaction=True)


def _post(live_server, params):
    return requests.post(live_server.url + NOTIFY, data=params, timeout=10)


@pytestmark_live
def test_notify_settles_once_and_replays_are_no_ops(started, alipay, live_server):
    alipay.pay(started.out_trade_no)
    params = alipay.notify(started.out_trade_no)
    answer = _post(live_server, params)
    assert (answer.status_code, answer.text) == (200, "success")
    payment = Payment.objects.get(pk=started.pk)
    assert (payment.status, payment.gateway_trade_no) == (PaymentStatus.PAID, params["trade_no"])
    before = _snapshot(payment)
    for again in (params, alipay.notify(started.out_trade_no, trade_status="TRADE_FINISHED")):
        assert _post(live_server, again).text == "success"
    assert _snapshot(payment) == before
    assert OutboxMessage.objects.get(topic="payment.settled").payload == {
        "payment_id": payment.pk,
        "reference": "SO100",
        "amount_fen": 8880,
        "method": "alipay",
    }


@pytestmark_live
@pytest.mark.parametrize(
    "case",
    [
        "tampered_amount",
        "signed_other_amount",
        "wrong_app_id",
        "bad_signature",
        "unknown_out_trade_no",
        "no_signature",
        "unknown_status",
        "no_total_amount",
    ],
)
def test_bad_notifies_are_rejected_and_change_nothing(started, alipay, live_server, case):
    alipay.pay(started.out_trade_no)
    params = {
        "tampered_amount": lambda: {**alipay.notify(started.out_trade_no), "total_amount": "0.01"},
        "signed_other_amount": lambda: alipay.notify(started.out_trade_no, total_amount="8.88"),
        "wrong_app_id": lambda: alipay.notify(started.out_trade_no, app_id="2021999999999999"),
        "bad_signature": lambda: alipay.notify(started.out_trade_no, key=new_key()),
        "unknown_out_trade_no": lambda: alipay.notify(
            started.out_trade_no, out_trade_no="P20260000000000000000000"
        ),
        "no_signature": lambda: {k: v for k, v in alipay.notify(started.out_trade_no).items() if k != "sign"},
        "unknown_status": lambda: alipay.notify(started.out_trade_no, trade_status="TRADE_PENDING"),
        "no_total_amount": lambda: alipay.notify(started.out_trade_no, total_amount=""),
    }[case]()
    before = _snapshot(started)
    answer = _post(live_server, params)
    assert (answer.status_code, answer.text) == (400, "failure")
    assert _snapshot(started) == before and before[0] == PaymentStatus.CREATED


@pytestmark_live
def test_closed_after_success_is_a_no_op(started, alipay, live_server):
    alipay.pay(started.out_trade_no)
    assert _post(live_server, alipay.notify(started.out_trade_no)).text == "success"
    before = _snapshot(started)
    assert (
        _post(live_server, alipay.notify(started.out_trade_no, trade_status="TRADE_CLOSED")).text == "success"
    )
    assert _snapshot(started) == before and before[0] == PaymentStatus.PAID


@pytestmark_live
def test_success_for_a_closed_payment_is_rejected(started, alipay, live_server, system_actor):
    assert (
        _post(live_server, alipay.notify(started.out_trade_no, trade_status="TRADE_CLOSED")).text == "success"
    )
    assert Payment.objects.get(pk=started.pk).status == PaymentStatus.CLOSED
    alipay.pay(started.out_trade_no)
    before = _snapshot(started)
    answer = _post(live_server, alipay.notify(started.out_trade_no))
    assert (answer.status_code, answer.text) == (400, "failure")
    assert _snapshot(started) == before and before[0] == PaymentStatus.CLOSED


@pytestmark_live
def test_a_second_trade_number_for_a_paid_payment_is_rejected(started, alipay, live_server):
    alipay.pay(started.out_trade_no)
    assert _post(live_server, alipay.notify(started.out_trade_no)).text == "success"
    before = _snapshot(started)
    assert (
        _post(live_server, alipay.notify(started.out_trade_no, trade_no="2026" + "9" * 24)).text == "failure"
    )
    assert _snapshot(started) == before
