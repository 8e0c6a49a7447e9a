from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One state change of a business object: who, when, what, from, to, why. Append-only."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("操作人"),
    )
    actor_label = models.CharField(_("操作人标识"), max_length=150)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100)
    object_id = models.CharField(_("对象 ID"), max_length=64)
    from_state = models.CharField(_("原状态"), max_length=40, blank=True)
    to_state = models.CharField(_("新状态"), max_length=40, blank=True)
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    data = models.JSONField(_("附加数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        indexes = [models.Index(fields=["object_type", "object_id", "at"], name="audit_object_idx")]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.object_type}#{self.object_id} {self.from_state}→{self.to_state}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("待投递")
    DELIVERED = "delivered", _("已投递")
    DEAD = "dead", _("投递失败")


class OutboxMessage(models.Model):
    """Work that must reach another system, written in the same transaction as the change.

    A worker claims due messages with a lease, runs the handler registered for the topic, and marks
    them delivered; a crash anywhere means the lease expires and the message is delivered again
    (at least once). Handlers must therefore be idempotent.
    """

    topic = models.CharField(_("主题"), max_length=100)
    key = models.CharField(_("合并键"), max_length=200, blank=True)
    payload = models.JSONField(_("内容"), default=dict)
    status = models.CharField(_("状态"), max_length=20, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    available_at = models.DateTimeField(_("可投递时间"), db_index=True)
    locked_until = models.DateTimeField(_("租约到期"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    delivered_at = models.DateTimeField(_("投递时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        verbose_name = _("发件箱消息")
        verbose_name_plural = _("发件箱消息")
        indexes = [
            models.Index(fields=["available_at"], condition=Q(status="pending"), name="outbox_pending_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=OutboxStatus.values), name="outbox_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk} ({self.status})"


class ApiToken(models.Model):
    """A staff API token. Only its SHA-256 is stored; the plain token is shown once, at issue."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("前缀"), max_length=8)
    name = models.CharField(_("名称"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"
