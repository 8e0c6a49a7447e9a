"""WeChat Pay v3 against a local gateway (Authorization checked, answers signed with a locally made platform
certificate) and real callbacks to the running app."""

import json
import time

import pytest
import requests

from huitong.core import audit
from huitong.core.models import OutboxMessage
from huitong.payments import services
from huitong.payments.errors import GatewayError
from huitong.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from huitong.payments.tests.fakes import new_key

NOTIFY = "/api/v1/payments/notify/wechat"


@pytest.fixture
def started(wechat, system_actor):
    return services.create_payment(
        reference="SO200", amount_fen=12900, method="wechat", subject="汇通订单 SO200", actor=system_actor
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
def test_create_returns_the_native_code_url(started, wechat):
    assert (
        started.qr_code.startswith("weixin://wxpay/bizpayurl?pr=") and started.status == PaymentStatus.CREATED
    )
    assert wechat.transactions[started.out_trade_no]["amount"] == 12900


@pytest.mark.django_db
def test_a_request_signed_with_another_key_is_refused(wechat, settings, tmp_path, system_actor):
    from huitong.payments.tests.fakes import private_pem

    (tmp_path / "other.pem").write_bytes(private_pem(new_key()))
    settings.HUITONG_WECHATPAY_PRIVATE_KEY_PATH = str(tmp_path / "other.pem")
    with pytest.raises(GatewayError) as err:
        services.create_payment(reference="SO1", amount_fen=100, method="wechat", actor=system_actor)
    assert err.value.detail["status"] == 401 and not Payment.objects.exists()


@pytest.mark.django_db
def test_an_answer_signed_by_an_unknown_certificate_is_refused(wechat, system_actor):
    wechat.key = new_key()  # answers now signed by a key that does not match the configured certificate
    with pytest.raises(GatewayError) as err:
        services.create_payment(reference="SO1", amount_fen=100, method="wechat", actor=system_actor)
    assert "验签" in err.value.message and not Payment.objects.exists()


@pytest.mark.django_db
def test_apiv3_key_must_be_32_bytes(wechat, settings, system_actor):
    settings.HUITONG_WECHATPAY_APIV3_KEY = "short"
    with pytest.raises(Exception) as err:
        services.create_payment(reference="SO1", amount_fen=100, method="wechat", actor=system_actor)
    assert err.value.status == 422 and "HUITONG_WECHATPAY_APIV3_KEY" in err.value.detail["fields"]


@pytest.mark.django_db
def test_query_and_refund(started, wechat, system_actor):
    assert services.query_payment(payment_id=started.pk, actor=system_actor).status == PaymentStatus.CREATED
    transaction_id = wechat.pay(started.out_trade_no)
    payment = services.query_payment(payment_id=started.pk, actor=system_actor)
    assert (payment.status, payment.gateway_trade_no) == (PaymentStatus.PAID, transaction_id)
    payment = services.refund_payment(
        payment_id=payment.pk, amount_fen=2900, actor=system_actor, reason="退一件"
    )
    refund = Refund.objects.get()
    assert (refund.status, refund.gateway_refund_no) == (
        RefundStatus.PROCESSING,
        wechat.refunds[0]["refund_id"],
    )
    assert wechat.refunds[0]["out_refund_no"] == refund.refund_no
    assert wechat.refunds[0]["amount"] == {"refund": 2900, "total": 12900, "currency": "CNY"}


@pytest.mark.django_db
def test_close_closes_the_transaction(started, wechat, system_actor):
    services.close_payment(payment_id=started.pk, actor=system_actor, reason="超时")
    assert wechat.transactions[started.out_trade_no]["state"] == "CLOSED"


# --- callbacks over HTTP to the running app --------------------------------------------------------------

live = pytest.mark.django_db(transaction=True)


def _post(live_server, headers_body):
    headers, body = headers_body
    return requests.post(live_server.url + NOTIFY, data=body.encode(), headers=headers, timeout=10)


@live
def test_callback_settles_once_and_replays_are_no_ops(started, wechat, live_server):
    transaction_id = wechat.pay(started.out_trade_no)
    callback = wechat.callback(wechat.resource(started.out_trade_no))
    answer = _post(live_server, callback)
    assert answer.status_code == 204
    payment = Payment.objects.get(pk=started.pk)
    assert (payment.status, payment.gateway_trade_no) == (PaymentStatus.PAID, transaction_id)
    before = _snapshot(payment)
    assert _post(live_server, callback).status_code == 204
    assert _snapshot(payment) == before
    assert OutboxMessage.objects.get(topic="payment.settled").payload == {
        "payment_id": payment.pk,
        "reference": "SO200",
        "amount_fen": 12900,
        "method": "wechat",
    }


def _tampered_ciphertext(wechat, resource):
    headers, body = wechat.callback(resource)
    data = json.loads(body)
    data["resource"]["associated_data"] = "certificate"
    body = json.dumps(data)
    from huitong.payments.wechatpay import answer_message, rsa_sign

    headers["Wechatpay-Signature"] = rsa_sign(
        wechat.key, answer_message(headers["Wechatpay-Timestamp"], headers["Wechatpay-Nonce"], body)
    )
    return headers, body


@live
@pytest.mark.parametrize(
    "case",
    [
        "tampered_amount",
        "tampered_body",
        "bad_signature",
        "expired",
        "future",
        "unknown_serial",
        "wrong_mchid",
        "wrong_appid",
        "unknown_out_trade_no",
        "wrong_apiv3_key",
        "bad_associated_data",
        "missing_headers",
    ],
)
def test_bad_callbacks_are_rejected_and_change_nothing(started, wechat, live_server, case):
    wechat.pay(started.out_trade_no)
    good = wechat.resource(started.out_trade_no)
    now = int(time.time())
    build = {
        "tampered_amount": lambda: wechat.callback({**good, "amount": {"total": 1, "payer_total": 1}}),
        "tampered_body": lambda: (lambda h, b: (h, b.replace('"支付成功"', '"支付成功 "')))(
            *wechat.callback(good)
        ),
        "bad_signature": lambda: wechat.callback(good, key=new_key()),
        "expired": lambda: wechat.callback(good, timestamp=now - 301),
        "future": lambda: wechat.callback(good, timestamp=now + 900),  # well past the window even on a slow run
        "unknown_serial": lambda: wechat.callback(good, serial="7132D72A03E93CDDF8C03BBD1F37EEDF843B1234"),
        "wrong_mchid": lambda: wechat.callback({**good, "mchid": "1900000999"}),
        "wrong_appid": lambda: wechat.callback({**good, "appid": "wx0000000000000000"}),
        "unknown_out_trade_no": lambda: wechat.callback({**good, "out_trade_no": "P20260000000000000000000"}),
        "wrong_apiv3_key": lambda: wechat.callback(good, apiv3_key="X" * 32),
        "bad_associated_data": lambda: _tampered_ciphertext(wechat, good),
        "missing_headers": lambda: ({"Content-Type": "application/json"}, wechat.callback(good)[1]),
    }
    before = _snapshot(started)
    answer = _post(live_server, build[case]())
    assert answer.status_code == 400
    assert answer.json()["code"] == "FAIL" and answer.json()["message"]
    assert _snapshot(started) == before and before[0] == PaymentStatus.CREATED


@live
def test_closed_after_success_is_a_no_op(started, wechat, live_server):
    wechat.pay(started.out_trade_no)
    assert _post(live_server, wechat.callback(wechat.resource(started.out_trade_no))).status_code == 204
    before = _snapshot(started)
    closed = wechat.resource(started.out_trade_no, trade_state="CLOSED")
    assert _post(live_server, wechat.callback(closed, event_type="TRANSACTION.CLOSED")).status_code == 204
    assert _snapshot(started) == before and before[0] == PaymentStatus.PAID


@live
def test_success_for_a_closed_payment_is_rejected(started, wechat, live_server, system_actor):
    services.close_payment(payment_id=started.pk, actor=system_actor, reason="超时")
    wechat.transactions[started.out_trade_no].update(
        state="SUCCESS", transaction_id="4200000000000000000000000001"
    )
    before = _snapshot(started)
    answer = _post(live_server, wechat.callback(wechat.resource(started.out_trade_no)))
    assert answer.status_code == 400 and answer.json()["code"] == "FAIL"
    assert _snapshot(started) == before and before[0] == PaymentStatus.CLOSED


@live
def test_refund_callback_completes_a_processing_refund(started, wechat, live_server, system_actor):
    transaction_id = wechat.pay(started.out_trade_no)
    services.confirm_payment(
        payment_id=started.pk, gateway_trade_no=transaction_id, amount_fen=12900, actor=system_actor
    )
    services.refund_payment(payment_id=started.pk, amount_fen=12900, actor=system_actor, reason="取消")
    refund = Refund.objects.get()
    resource = {
        "mchid": "1900000109",
        "out_trade_no": started.out_trade_no,
        "transaction_id": transaction_id,
        "out_refund_no": refund.refund_no,
        "refund_id": wechat.refunds[0]["refund_id"],
        "refund_status": "SUCCESS",
        "amount": {"total": 12900, "refund": 12900},
    }
    callback = wechat.callback(resource, event_type="REFUND.SUCCESS")
    assert _post(live_server, callback).status_code == 204
    assert Refund.objects.get().status == RefundStatus.SUCCEEDED
    assert _post(live_server, callback).status_code == 204
    unknown = wechat.callback({**resource, "out_refund_no": "R000"}, event_type="REFUND.SUCCESS")
    assert _post(live_server, unknown).status_code == 400
