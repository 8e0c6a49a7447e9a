from django.utils.translation import gettext_lazy as _

from huitong.core.errors import Conflict, InvalidInput, NotFound


class RequestNotFound(NotFound):
    code = "aftersales_request_not_found"
    default_message = _("售后单不存在")


class InvalidRequest(InvalidInput):
    code = "invalid_aftersales_request"
    default_message = _("售后申请内容有误")


class OrderNotEligible(Conflict):
    code = "order_not_eligible"
    default_message = _("该订单当前状态不能申请此类售后")


class QuantityExceedsReturnable(Conflict):
    code = "quantity_exceeds_returnable"
    default_message = _("售后数量超过该行可售后数量")


class RefundExceedsPaid(InvalidInput):
    code = "refund_exceeds_paid"
    default_message = _("退款金额超过这些商品的实付金额")


class InsufficientPayments(Conflict):
    code = "insufficient_payments"
    default_message = _("订单的支付单可退余额不足")


class InvalidInspection(InvalidInput):
    code = "invalid_inspection"
    default_message = _("验货数量有误")


class LineNotMapped(Conflict):
    code = "line_not_mapped"
    default_message = _("订单行未对应 SKU,无法入库或换货")
