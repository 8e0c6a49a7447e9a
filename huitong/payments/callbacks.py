"""Asynchronous notifies from Alipay and WeChat Pay. Every check comes before any write: signature
(and, for WeChat, the platform certificate, the 5-minute timestamp window and the AEAD_AES_256_GCM
resource), our app id / merchant id, a known out_trade_no of that gateway, the exact amount, and a status
the payment can take. A rejected notify changes nothing; a replay or an out-of-order notify (a
TRADE_CLOSED after TRADE_SUCCESS) is accepted as a no-op, so the gateway stops resending it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction

from huitong.core.actors import Actor
from huitong.core.errors import DomainError
from huitong.payments.config import alipay_config, wechat_config
from huitong.payments.models import Payment, PaymentMethod, Refund, RefundStatus
from huitong.payments.notify import alipay_state, wechat_state
from huitong.payments.services import apply_trade_state

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallbackOutcome:
    accepted: bool
    changed: bool = False
    message: str = ""
    payment_id: int | None = None


def _reject(gateway: str, message: str, **context) -> CallbackOutcome:
    log.warning("%s notify rejected: %s %s", gateway, message, context)
    return CallbackOutcome(accepted=False, message=message, payment_id=context.get("payment_id"))


def _apply(gateway: str, payment: Payment, state, actor: Actor) -> CallbackOutcome:
    if state.amount_fen is not None and state.amount_fen != payment.amount_fen:
        return _reject(
            gateway,
            "amount does not match the payment",
            payment_id=payment.pk,
            expected_fen=payment.amount_fen,
            got_fen=state.amount_fen,
        )
    try:
        with transaction.atomic():
            payment, changed = apply_trade_state(payment_id=payment.pk, state=state, actor=actor)
    except DomainError as exc:
        return _reject(gateway, exc.message, payment_id=payment.pk, code=exc.code)
    return CallbackOutcome(accepted=True, changed=changed, payment_id=payment.pk)


def handle_alipay_notify(*, params: Mapping[str, str]) -> CallbackOutcome:
    """Alipay 异步通知 (form fields). Answer "success" when accepted, "failure" otherwise."""
    from huitong.payments.alipay import AlipayClient

    try:
        config = alipay_config()
        client = AlipayClient(config)
    except (DomainError, ValueError) as exc:
        return _reject("alipay", f"alipay not configured: {exc}")
    if not client.verify_notify(params):
        return _reject("alipay", "bad signature", out_trade_no=params.get("out_trade_no"))
    if params.get("app_id") != config.app_id:
        return _reject("alipay", "app_id is not ours", app_id=params.get("app_id"))
    payment = Payment.objects.filter(
        out_trade_no=params.get("out_trade_no", ""), method=PaymentMethod.ALIPAY
    ).first()
    if payment is None:
        return _reject("alipay", "unknown out_trade_no", out_trade_no=params.get("out_trade_no"))
    try:
        state = alipay_state(
            params.get("trade_status", ""), params.get("total_amount", ""), params.get("trade_no", "")
        )
    except ValueError as exc:
        return _reject("alipay", str(exc), payment_id=payment.pk)
    if state.state == "paid" and (not state.gateway_trade_no or state.amount_fen is None):
        return _reject("alipay", "trade_no or total_amount missing", payment_id=payment.pk)
    return _apply("alipay", payment, state, Actor.system("alipay-notify"))


def handle_wechat_notify(
    *, headers: Mapping[str, str], body: str, now: float | None = None
) -> CallbackOutcome:
    """WeChat Pay v3 支付/退款通知 (JSON). Answer 204 when accepted, 4xx {"code": "FAIL"} otherwise."""
    from huitong.payments.wechatpay import CallbackInvalid, WechatPayClient

    try:
        config = wechat_config()
        client = WechatPayClient(config)
    except (DomainError, ValueError) as exc:
        return _reject("wechat", f"wechat pay not configured: {exc}")
    try:
        resource = client.decrypt_callback(headers, body, now=now)
    except CallbackInvalid as exc:
        return _reject("wechat", str(exc))
    if resource.get("mchid") != config.mchid and resource.get("sp_mchid") != config.mchid:
        return _reject("wechat", "mchid is not ours", mchid=resource.get("mchid"))
    if "out_refund_no" in resource:
        return _refund_notified(resource)
    if resource.get("appid") != config.appid:
        return _reject("wechat", "appid is not ours", appid=resource.get("appid"))
    payment = Payment.objects.filter(
        out_trade_no=resource.get("out_trade_no", ""), method=PaymentMethod.WECHAT
    ).first()
    if payment is None:
        return _reject("wechat", "unknown out_trade_no", out_trade_no=resource.get("out_trade_no"))
    try:
        state = wechat_state(resource)
    except ValueError as exc:
        return _reject("wechat", str(exc), payment_id=payment.pk)
    if state.state == "paid" and (not state.gateway_trade_no or state.amount_fen is None):
        return _reject("wechat", "transaction_id or amount.total missing", payment_id=payment.pk)
    return _apply("wechat", payment, state, Actor.system("wechat-notify"))


def _refund_notified(resource: Mapping) -> CallbackOutcome:
    """A refund we asked for has finished: PROCESSING → SUCCEEDED (conditional, so replays are no-ops)."""
    refund = Refund.objects.filter(
        refund_no=resource.get("out_refund_no", ""), payment__method=PaymentMethod.WECHAT
    ).first()
    if refund is None:
        return _reject("wechat", "unknown out_refund_no", out_refund_no=resource.get("out_refund_no"))
    if resource.get("refund_status") != "SUCCESS":
        return CallbackOutcome(accepted=True, payment_id=refund.payment_id)
    changed = Refund.objects.filter(pk=refund.pk, status=RefundStatus.PROCESSING).update(
        status=RefundStatus.SUCCEEDED,
        gateway_refund_no=str(resource.get("refund_id", refund.gateway_refund_no))[:64],
    )
    return CallbackOutcome(accepted=True, changed=bool(changed), payment_id=refund.payment_id)
