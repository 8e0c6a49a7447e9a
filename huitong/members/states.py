"""Lifecycles of members (active ⇄ merged) and of merges (merged → undone), audited through
``core.states.transition``."""

from huitong.core.states import Lifecycle
from huitong.members.models import CustomerStatus as C
from huitong.members.models import MergeStatus as M

CUSTOMER_LIFECYCLE = Lifecycle("customer", {C.ACTIVE: {C.MERGED}, C.MERGED: {C.ACTIVE}})

MERGE_LIFECYCLE = Lifecycle("member_merge", {M.MERGED: {M.UNDONE}})
