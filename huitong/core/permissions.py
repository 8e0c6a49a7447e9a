"""Staff roles. A user's roles are the Django groups of those names; superusers hold every role."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _

from huitong.core.errors import PermissionDenied


class Role(models.TextChoices):
    ADMIN = "admin", _("管理员")
    OPERATOR = "operator", _("运营")
    WAREHOUSE = "warehouse", _("仓库")
    CUSTOMER_SERVICE = "customer_service", _("客服")
    FINANCE = "finance", _("财务")


def roles_of(user) -> frozenset[str]:
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_huitong_roles", None)
    if cached is None:
        if user.is_superuser:
            cached = frozenset(Role.values)
        else:
            cached = frozenset(g.name for g in user.groups.all()) & frozenset(Role.values)
        user._huitong_roles = cached
    return cached


def has_any_role(user, roles: Iterable[str]) -> bool:
    held = roles_of(user)
    return Role.ADMIN in held or bool(held & set(roles))


def require_roles(user, roles: Iterable[str]) -> None:
    roles = list(roles)
    if not has_any_role(user, roles):
        raise PermissionDenied(detail={"required_roles": sorted(roles)})
