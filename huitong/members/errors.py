from django.utils.translation import gettext_lazy as _

from huitong.core.errors import Conflict, InvalidInput, NotFound


class CustomerNotFound(NotFound):
    code = "customer_not_found"
    default_message = _("会员不存在")


class MergeNotFound(NotFound):
    code = "member_merge_not_found"
    default_message = _("合并记录不存在")


class TierNotFound(NotFound):
    code = "tier_not_found"
    default_message = _("会员等级不存在")


class InvalidMemberInput(InvalidInput):
    code = "invalid_member_input"
    default_message = _("会员信息有误")


class CustomerMerged(Conflict):
    code = "customer_merged"
    default_message = _("该会员已被合并，不能再使用")


class MergeNotAllowed(Conflict):
    code = "member_merge_not_allowed"
    default_message = _("不能合并这两个会员")


class MergeAlreadyUndone(Conflict):
    code = "member_merge_already_undone"
    default_message = _("该合并已撤销")


class UnmergeNotAllowed(Conflict):
    code = "member_unmerge_not_allowed"
    default_message = _("当前无法撤销该合并")


class IdentityTaken(Conflict):
    code = "identity_taken"
    default_message = _("该身份已属于其他会员")


class CodeRequestedTooSoon(Conflict):
    code = "code_requested_too_soon"
    default_message = _("验证码发送过于频繁，请稍后再试")


class InvalidLoginCode(InvalidInput):
    code = "invalid_login_code"
    default_message = _("验证码错误")


class LoginCodeExpired(InvalidInput):
    code = "login_code_expired"
    default_message = _("验证码已过期，请重新获取")


class TooManyCodeAttempts(Conflict):
    code = "too_many_code_attempts"
    default_message = _("验证码错误次数过多，请重新获取")
