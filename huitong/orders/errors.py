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


class AllocationFailed(Conflict):
    code = "allocation_failed"
    default_message = _("无法分仓:订单已挂起并注明原因")


class ReviewStillHeld(Conflict):
    code = "review_still_held"
    default_message = _("复核仍有挂起原因,请处理后再审核或强制审核")


class FinanceReviewPending(Conflict):
    code = "finance_review_pending"
    default_message = _("订单待财务复审")


class OrdersNotMergeable(Conflict):
    code = "orders_not_mergeable"
    default_message = _("这些订单不能合并")


class MergeGroupNotFound(NotFound):
    code = "merge_group_not_found"
    default_message = _("合单不存在")


class InvalidSplit(InvalidInput):
    code = "invalid_split"
    default_message = _("拆单内容有误")


class ReviewRuleNotFound(NotFound):
    code = "review_rule_not_found"
    default_message = _("审单规则不存在")


class InvalidReviewRule(InvalidInput):
    code = "invalid_review_rule"
    default_message = _("审单规则有误")


class InvalidWorkflowSettings(InvalidInput):
    code = "invalid_workflow_settings"
    default_message = _("审单与分仓设置有误")


class BlacklistEntryNotFound(NotFound):
    code = "blacklist_entry_not_found"
    default_message = _("黑名单记录不存在")


class DuplicateBlacklistEntry(Conflict):
    code = "duplicate_blacklist_entry"
    default_message = _("已在黑名单中")
