"""Loyalty write services: points, stored value, gift cards, earn rules and the redeem settings.
Other apps call them as ``from huitong.loyalty import services as loyalty``."""

from huitong.loyalty.services.config import (
    create_earn_rule,
    delete_earn_rule,
    update_earn_rule,
    update_redeem_config,
)
from huitong.loyalty.services.gift_cards import (
    IssuedBatch,
    IssuedCard,
    expire_gift_cards,
    issue_gift_cards,
    refund_gift_card,
    spend_gift_card,
    unlock_gift_card,
    verify_gift_card_pin,
    void_gift_card,
)
from huitong.loyalty.services.merging import move_loyalty, undo_loyalty
from huitong.loyalty.services.points import (
    adjust_points,
    claw_back_points,
    earn_points,
    expire_points,
    points_for,
    redeem_points,
    return_redeemed_points,
)
from huitong.loyalty.services.stored_value import refund_stored_value, spend_stored_value, top_up_stored_value

__all__ = [
    "IssuedBatch",
    "IssuedCard",
    "adjust_points",
    "claw_back_points",
    "create_earn_rule",
    "delete_earn_rule",
    "earn_points",
    "expire_gift_cards",
    "expire_points",
    "issue_gift_cards",
    "move_loyalty",
    "points_for",
    "redeem_points",
    "refund_gift_card",
    "refund_stored_value",
    "return_redeemed_points",
    "spend_gift_card",
    "spend_stored_value",
    "top_up_stored_value",
    "undo_loyalty",
    "unlock_gift_card",
    "update_earn_rule",
    "update_redeem_config",
    "verify_gift_card_pin",
    "void_gift_card",
]
