from django.utils.translation import gettext_lazy as _

from huitong.core.errors import Conflict, InvalidInput, NotFound


class StoreNotFound(NotFound):
    code = "store_not_found"
    default_message = _("店铺不存在")


class StoreInactive(Conflict):
    code = "store_inactive"
    default_message = _("店铺已停用")


class DuplicateStore(Conflict):
    code = "duplicate_store"
    default_message = _("店铺编码已存在")


class InvalidMapping(InvalidInput):
    code = "invalid_mapping"
    default_message = _("商品对应关系有误")
