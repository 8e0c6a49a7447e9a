from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A staff user (operators, warehouse, customer service, finance). Roles are groups."""

    display_name = models.CharField(_("显示名"), max_length=100, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("员工账号")
        verbose_name_plural = _("员工账号")
