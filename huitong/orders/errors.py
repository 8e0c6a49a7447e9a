from django.utils.translation import gettext_lazy as _

from huitong.core.errors import Conflict, InvalidInput, NotFound


class OrderNotFound(NotFound):
    code = "order_not_found"
    default_message = _("订单不存在")


class InvalidOrder(InvalidInput):
    code = "invalid_order"
    default_message = _("订单内容有误")


class NoFulfillmentLocation(Conflict):
    code = "no_fulfillment_location"
    default_message = _("该店铺未配置发货库位")


class OrderOnHold(Conflict):
    code = "order_on_hold"
    default_message = _("订单挂起中,请先处理挂起原因")
