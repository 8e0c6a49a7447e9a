from django.utils.translation import gettext_lazy as _

from huitong.core.errors import Conflict, InvalidInput, NotFound


class LocationNotFound(NotFound):
    code = "location_not_found"
    default_message = _("库位不存在")


class StockItemNotFound(NotFound):
    code = "stock_item_not_found"
    default_message = _("该 SKU 在此库位没有库存记录")


class ReservationNotFound(NotFound):
    code = "reservation_not_found"
    default_message = _("预占记录不存在")


class InsufficientStock(Conflict):
    code = "insufficient_stock"
    default_message = _("库存不足")


class CountBelowReserved(Conflict):
    code = "count_below_reserved"
    default_message = _("盘点数量低于已预占数量,请先处理预占订单")


class ReservationClosed(Conflict):
    code = "reservation_closed"
    default_message = _("预占已关闭")


class InvalidQuantity(InvalidInput):
    code = "invalid_quantity"
    default_message = _("数量必须为正整数")


class DuplicateLocation(Conflict):
    code = "duplicate_location"
    default_message = _("库位编码已存在")
