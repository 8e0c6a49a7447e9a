"""Staff accounts and their roles."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction

from huitong.accounts.errors import UnknownRole
from huitong.accounts.models import User
from huitong.core.permissions import Role


def ensure_role_groups() -> None:
    for role in Role.values:
        Group.objects.get_or_create(name=role)


@transaction.atomic
def create_staff_user(
    *, username: str, password: str, roles: Iterable[str], display_name: str = "", superuser: bool = False
) -> User:
    roles = list(roles)
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise UnknownRole(roles=f"未知角色: {', '.join(unknown)}")
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username)
    user.display_name = display_name
    user.is_staff = True
    user.is_superuser = superuser
    user.set_password(password)
    user.save()
    ensure_role_groups()
    user.groups.set(Group.objects.filter(name__in=roles))
    return user
