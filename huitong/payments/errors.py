from django.utils.translation import gettext_lazy as _

from huitong.core.errors import Conflict, DomainError, InvalidInput, NotFound


class PaymentNotFound(NotFound):
    code = "payment_not_found"
    default_message = _("支付单不存在")


class AmountMismatch(Conflict):
    code = "amount_mismatch"
    default_message = _("支付金额与应付金额不符")


class RefundExceedsPaid(Conflict):
    code = "refund_exceeds_paid"
    default_message = _("退款金额超过已支付金额")


class InvalidAmount(InvalidInput):
    code = "invalid_amount"
    default_message = _("金额必须为正整数(分)")


class GatewayError(DomainError):
    """The payment gateway could not be reached, refused the call, or answered something unverifiable."""

    status = 502
    code = "gateway_error"
    default_message = _("支付网关调用失败")


class InvalidTender(InvalidInput):
    code = "invalid_tender"
    default_message = _("支付方式信息有误")


class RefundConflict(Conflict):
    code = "refund_conflict"
    default_message = _("同一退款业务号已用于不同金额的退款")


class CallbackRejected(DomainError):
    """A gateway callback that failed verification or does not fit the payment: nothing was changed."""

    status = 400
    code = "callback_rejected"
    default_message = _("支付通知校验失败")


class ReconciliationNotFound(NotFound):
    code = "reconciliation_not_found"
    default_message = _("对账批次不存在")
