from django.utils.translation import gettext_lazy as _

from huitong.core.errors import AuthenticationFailed, Conflict, DomainError, InvalidInput, NotFound


class ShipmentNotFound(NotFound):
    code = "shipment_not_found"
    default_message = _("发货单不存在")


class PickupNotFound(NotFound):
    code = "pickup_not_found"
    default_message = _("自提单不存在")


class DeliveryRunNotFound(NotFound):
    code = "delivery_run_not_found"
    default_message = _("配送批次不存在")


class InterceptionNotFound(NotFound):
    code = "interception_not_found"
    default_message = _("拦截记录不存在")


class UnknownCarrier(InvalidInput):
    code = "unknown_carrier"
    default_message = _("不支持的快递公司")


class InvalidWaybill(InvalidInput):
    code = "invalid_waybill"
    default_message = _("运单号格式有误")


class WaybillInUse(Conflict):
    code = "waybill_in_use"
    default_message = _("该运单号已用于另一个发货单")


class WaybillMissing(Conflict):
    code = "waybill_missing"
    default_message = _("发货单尚未分配运单号")


class OrderNotShippable(Conflict):
    code = "order_not_shippable"
    default_message = _("订单当前状态不能发货")


class ShipmentsOutdated(Conflict):
    code = "shipments_outdated"
    default_message = _("合单已变化或其中订单已取消,请作废发货单后重新生成")


class OrderInMergeGroup(Conflict):
    code = "order_in_merge_group"
    default_message = _("合单中的订单一起快递发货,不能单独自提;请先撤销合单")


class OrderHasShipments(Conflict):
    code = "order_has_shipments"
    default_message = _("订单已有发货单")


class OrderIsForPickup(Conflict):
    code = "order_is_for_pickup"
    default_message = _("订单为自提订单,不走快递发货")


class InvalidPickupLocation(InvalidInput):
    code = "invalid_pickup_location"
    default_message = _("自提地点必须是启用的门店或自提点")


class PickupLocationMismatch(Conflict):
    code = "pickup_location_mismatch"
    default_message = _("订单已分配到其他库位,不能在此门店自提")


class InvalidPickupCode(InvalidInput):
    code = "invalid_pickup_code"
    default_message = _("提货码无效")


class PickupNotReady(Conflict):
    code = "pickup_not_ready"
    default_message = _("货品尚未到达自提点")


class NothingToDeliver(Conflict):
    code = "nothing_to_deliver"
    default_message = _("没有可配送的自提订单")


class NothingToIntercept(Conflict):
    code = "nothing_to_intercept"
    default_message = _("订单没有可拦截的包裹")


class InvalidTrackingEvent(InvalidInput):
    code = "invalid_tracking_event"
    default_message = _("物流轨迹数据有误")


class UnknownWaybill(NotFound):
    code = "unknown_waybill"
    default_message = _("找不到该运单号对应的发货单")


class InvalidPrintRequest(InvalidInput):
    code = "invalid_print_request"
    default_message = _("打印请求有误")


class WebhookNotConfigured(DomainError):
    status = 503
    code = "webhook_not_configured"
    default_message = _("物流回调未配置(HUITONG_TRACKING_WEBHOOK_SECRET)")


class InvalidWebhookSecret(AuthenticationFailed):
    code = "invalid_webhook_secret"
    default_message = _("物流回调密钥不正确")
