from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class PaymentStatus(models.TextChoices):
    CREATED = "created", _("待支付")
    PAID = "paid", _("已支付")
    FAILED = "failed", _("支付失败")
    CLOSED = "closed", _("已关闭")
    PARTIALLY_REFUNDED = "partially_refunded", _("部分退款")
    REFUNDED = "refunded", _("已退款")


class PaymentMethod(models.TextChoices):
    SANDBOX = "sandbox", _("沙箱支付")
    CASH = "cash", _("现金")


class Payment(models.Model):
    """One tender against a document (an order, by its number). An order may have several."""

    reference = models.CharField(_("业务单号"), max_length=64, db_index=True)
    method = models.CharField(_("支付方式"), max_length=30, choices=PaymentMethod.choices)
    status = models.CharField(_("状态"), max_length=30, choices=PaymentStatus.choices, default=PaymentStatus.CREATED)
    amount_fen = models.BigIntegerField(_("金额(分)"))
    refunded_fen = models.BigIntegerField(_("已退(分)"), default=0)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    out_trade_no = models.CharField(_("商户交易号"), max_length=64, unique=True)
    gateway_trade_no = models.CharField(_("网关交易号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    paid_at = models.DateTimeField(_("支付时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("支付单")
        verbose_name_plural = _("支付单")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payments_payment_amount_positive"),
            models.CheckConstraint(condition=Q(refunded_fen__gte=0) & Q(refunded_fen__lte=F("amount_fen")),
                                   name="payments_payment_refund_within_amount"),
            models.CheckConstraint(condition=Q(status__in=PaymentStatus.values), name="payments_payment_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.out_trade_no} {self.reference} {self.status}"

    @property
    def net_fen(self) -> int:
        return self.amount_fen - self.refunded_fen if self.status in PAID_STATES else 0


PAID_STATES = {PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
