"""Marketing write use cases (and ``quote``): ``from huitong.marketing import services as marketing``."""

from huitong.marketing.services.campaigns import CampaignRun, create_campaign, run_campaign
from huitong.marketing.services.coupons import (
    claim_coupon,
    create_coupon_template,
    expire_coupons,
    issue_codes,
    issue_coupon,
    lock_coupons,
    redeem_coupons,
    release_coupons,
    set_coupon_template_active,
    void_coupon,
)
from huitong.marketing.services.promotions import (
    create_promotion,
    remove_member_price,
    set_member_price,
    set_promotion_active,
    update_promotion,
)
from huitong.marketing.services.quoting import CartLine, quote

__all__ = [
    "CampaignRun",
    "CartLine",
    "claim_coupon",
    "create_campaign",
    "create_coupon_template",
    "create_promotion",
    "expire_coupons",
    "issue_codes",
    "issue_coupon",
    "lock_coupons",
    "quote",
    "redeem_coupons",
    "release_coupons",
    "remove_member_price",
    "run_campaign",
    "set_coupon_template_active",
    "set_member_price",
    "set_promotion_active",
    "update_promotion",
    "void_coupon",
]
