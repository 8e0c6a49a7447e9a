from django.utils.translation import gettext_lazy as _

from huitong.core.errors import Conflict, InvalidInput, NotFound


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
