from django.utils.translation import gettext_lazy as _

from huitong.core.errors import Conflict, InvalidInput, NotFound


class FlashSaleNotFound(NotFound):
    code = "flash_sale_not_found"
    default_message = _("秒杀活动不存在")


class InvalidFlashSale(InvalidInput):
    code = "invalid_flash_sale"
    default_message = _("秒杀活动信息有误")


class InvalidPurchase(InvalidInput):
    code = "invalid_purchase"
    default_message = _("抢购信息有误")


class NotRunning(Conflict):
    code = "not_running"
    default_message = _("秒杀未开始或已结束")


class SoldOut(Conflict):
    code = "sold_out"
    default_message = _("手慢了,商品已抢光")


class LimitReached(Conflict):
    code = "limit_reached"
    default_message = _("已达到每人限购数量")


class NotEnoughStock(Conflict):
    code = "not_enough_stock"
    default_message = _("备货库位可用库存不足,无法开始秒杀")


class SaleNotEditable(Conflict):
    code = "sale_not_editable"
    default_message = _("活动已开始,不能再修改")


class SaleLocationChanged(Conflict):
    code = "sale_location_changed"
    default_message = _("店铺发货库位已变更,秒杀订单无法从备货库位发货,请联系运营")
