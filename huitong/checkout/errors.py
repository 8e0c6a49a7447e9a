from django.utils.translation import gettext_lazy as _

from huitong.core.errors import Conflict, InvalidInput


class PointsNotAllowed(InvalidInput):
    code = "points_not_allowed"
    default_message = _("积分使用不符合规则")


class TendersDoNotCoverTotal(InvalidInput):
    code = "tenders_do_not_cover_total"
    default_message = _("收款合计与应收金额不符")


class NothingDue(Conflict):
    code = "nothing_due"
    default_message = _("订单无需支付")
