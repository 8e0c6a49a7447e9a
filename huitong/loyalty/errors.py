from django.utils.translation import gettext_lazy as _

from huitong.core.errors import Conflict, InvalidInput, NotFound


class InsufficientPoints(Conflict):
    code = "insufficient_points"
    default_message = _("积分余额不足")


class InsufficientBalance(Conflict):
    code = "insufficient_balance"
    default_message = _("余额不足")


class ReferenceConflict(Conflict):
    """An idempotency key reused for a different operation (another member, amount or card)."""

    code = "reference_conflict"
    default_message = _("业务单号已用于另一笔操作")


class RefundExceedsSpent(Conflict):
    code = "refund_exceeds_spent"
    default_message = _("退回金额超过该单已使用金额")


class RedemptionNotFound(NotFound):
    code = "redemption_not_found"
    default_message = _("该单没有积分抵现记录")


class SpendNotFound(NotFound):
    code = "spend_not_found"
    default_message = _("该单没有对应的消费记录")


class EarnRuleNotFound(NotFound):
    code = "earn_rule_not_found"
    default_message = _("积分规则不存在")


class DuplicateEarnRule(Conflict):
    code = "duplicate_earn_rule"
    default_message = _("该范围已有积分规则")


class InvalidPoints(InvalidInput):
    code = "invalid_points"
    default_message = _("积分数量有误")


class InvalidAmount(InvalidInput):
    code = "invalid_amount"
    default_message = _("金额必须为正整数(分)")


class InvalidGiftCard(InvalidInput):
    """Unknown card, wrong PIN and locked card all look the same to the caller."""

    code = "invalid_gift_card"
    default_message = _("卡号或密码错误")


class GiftCardNotFound(NotFound):
    code = "gift_card_not_found"
    default_message = _("礼品卡不存在")


class GiftCardUnavailable(Conflict):
    code = "gift_card_unavailable"
    default_message = _("礼品卡不可用(已过期、已作废或已用完)")
