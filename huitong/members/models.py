from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    """A buyer, across channels. Platform buyers attach by their platform id or nick; the full identity
    merge (phone, WeChat) comes with the members capability."""

    display_name = models.CharField(_("名称"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")

    def __str__(self) -> str:
        return self.display_name or f"#{self.pk}"


class IdentityKind(models.TextChoices):
    BUYER_ID = "buyer_id", _("平台买家 ID")
    NICK = "nick", _("平台昵称")


class CustomerIdentity(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(_("类型"), max_length=20, choices=IdentityKind.choices)
    platform = models.CharField(_("平台"), max_length=30)
    value = models.CharField(_("值"), max_length=150)

    class Meta:
        verbose_name = _("客户身份")
        verbose_name_plural = _("客户身份")
        constraints = [
            models.UniqueConstraint(fields=["kind", "platform", "value"], name="members_identity_unique"),
            models.CheckConstraint(condition=Q(kind__in=IdentityKind.values), name="members_identity_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.kind}:{self.value}"


class MemberToken(models.Model):
    """A member's storefront API token (apps, mini-programs). Only its SHA-256 is stored."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("会员令牌")
        verbose_name_plural = _("会员令牌")
