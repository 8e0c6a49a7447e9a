"""Members write use cases: ``from huitong.members import services as members``."""

from huitong.members.services.identify import create_member, identify_buyers, identify_member
from huitong.members.services.login import LoggedIn, login_with_code, logout, request_login_code
from huitong.members.services.merge import merge_members, unmerge_members
from huitong.members.services.rfm import RfmRun, recompute_rfm
from huitong.members.services.tiers import (
    recompute_member_tier,
    recompute_tiers,
    record_purchase,
    record_refund,
    update_tier,
)

__all__ = [
    "LoggedIn",
    "RfmRun",
    "create_member",
    "identify_buyers",
    "identify_member",
    "login_with_code",
    "logout",
    "merge_members",
    "record_purchase",
    "record_refund",
    "recompute_member_tier",
    "recompute_rfm",
    "recompute_tiers",
    "request_login_code",
    "unmerge_members",
    "update_tier",
]
