from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    """Where a store sells. Platform stores (Taobao, JD, ...) arrive with the channels connectors."""

    WEB_MALL = "web_mall", _("自营商城")
    POS = "pos", _("线下门店 POS")


class ChannelStore(models.Model):
    """One shop on one channel: the own web mall, a POS till's store, later each platform shop."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    platform = models.CharField(_("平台"), max_length=30, choices=Platform.choices)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("渠道店铺")
        verbose_name_plural = _("渠道店铺")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(platform__in=Platform.values), name="channels_store_platform_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_platform_display()})"
