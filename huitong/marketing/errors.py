from django.utils.translation import gettext_lazy as _

from huitong.core.errors import Conflict, InvalidInput, NotFound


class PromotionNotFound(NotFound):
    code = "promotion_not_found"
    default_message = _("促销活动不存在")


class CouponTemplateNotFound(NotFound):
    code = "coupon_template_not_found"
    default_message = _("优惠券模板不存在")


class CouponNotFound(NotFound):
    code = "coupon_not_found"
    default_message = _("优惠券不存在")


class CampaignNotFound(NotFound):
    code = "campaign_not_found"
    default_message = _("营销活动不存在")


class MemberPriceNotFound(NotFound):
    code = "member_price_not_found"
    default_message = _("会员价不存在")


class InvalidPromotion(InvalidInput):
    code = "invalid_promotion"
    default_message = _("促销活动设置有误")


class InvalidCouponTemplate(InvalidInput):
    code = "invalid_coupon_template"
    default_message = _("优惠券模板设置有误")


class InvalidMemberPrice(InvalidInput):
    code = "invalid_member_price"
    default_message = _("会员价设置有误")


class InvalidQuote(InvalidInput):
    code = "invalid_quote"
    default_message = _("购物车内容有误")


class InvalidCampaign(InvalidInput):
    code = "invalid_campaign"
    default_message = _("营销活动设置有误")


class CouponUnavailable(Conflict):
    """The coupon exists but cannot be used now: used, locked by another order, expired, void, not
    yet valid, or held by another member. ``detail["reason"]`` says which."""

    code = "coupon_unavailable"
    default_message = _("优惠券不可用")


class CouponAlreadyUsed(CouponUnavailable):
    code = "coupon_already_used"
    default_message = _("优惠券已被使用")


class CouponLimitReached(Conflict):
    code = "coupon_limit_reached"
    default_message = _("已达到该优惠券的每人限领数量")


class CouponsExhausted(Conflict):
    code = "coupons_exhausted"
    default_message = _("优惠券已领完")


class CouponTemplateClosed(Conflict):
    code = "coupon_template_closed"
    default_message = _("该优惠券已停止发放")


class CampaignRunning(Conflict):
    code = "campaign_running"
    default_message = _("营销活动正在发放中")
