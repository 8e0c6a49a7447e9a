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
    CARD = "card", _("银行卡(POS)")
    QR = "qr", _("扫码付(POS)")
    POINTS = "points", _("积分抵扣")
    STORED_VALUE = "stored_value", _("储值余额")
    GIFT_CARD = "gift_card", _("礼品卡")
    ALIPAY = "alipay", _("支付宝")
    WECHAT = "wechat", _("微信支付")


class Payment(models.Model):
    """One tender against a document (an order, by its number). An order may have several."""

    reference = models.CharField(_("业务单号"), max_length=64, db_index=True)
    method = models.CharField(_("支付方式"), max_length=30, choices=PaymentMethod.choices)
    status = models.CharField(
        _("状态"), max_length=30, choices=PaymentStatus.choices, default=PaymentStatus.CREATED
    )
    amount_fen = models.BigIntegerField(_("金额(分)"))
    refunded_fen = models.BigIntegerField(_("已退(分)"), default=0)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    out_trade_no = models.CharField(_("商户交易号"), max_length=64, unique=True)
    gateway_trade_no = models.CharField(_("网关交易号"), max_length=64, blank=True)
    customer_id = models.BigIntegerField(_("会员ID"), null=True, blank=True, db_index=True)
    # Cash at the till: what the customer handed over and the change given back.
    tendered_fen = models.BigIntegerField(_("实收(分)"), null=True, blank=True)
    change_fen = models.BigIntegerField(_("找零(分)"), null=True, blank=True)
    # Bank card at a POS terminal, a scanned payment code, a gift card (number only: the PIN is never stored).
    terminal_ref = models.CharField(_("终端参考号"), max_length=64, blank=True)
    card_last4 = models.CharField(_("卡号后四位"), max_length=4, blank=True)
    wallet = models.CharField(_("扫码钱包"), max_length=20, blank=True)
    gift_card_no = models.CharField(_("礼品卡号"), max_length=64, blank=True)
    points = models.BigIntegerField(_("抵扣积分"), null=True, blank=True)
    # Asynchronous gateways: where the payer goes (page pay URL) or what the QR code encodes.
    pay_url = models.URLField(_("支付链接"), max_length=2000, blank=True)
    qr_code = models.CharField(_("二维码内容"), max_length=500, blank=True)
    subject = models.CharField(_("商品说明"), max_length=128, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    paid_at = models.DateTimeField(_("支付时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("支付单")
        verbose_name_plural = _("支付单")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payments_payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_fen__gte=0) & Q(refunded_fen__lte=F("amount_fen")),
                name="payments_payment_refund_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(status__in=PaymentStatus.values), name="payments_payment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(method__in=PaymentMethod.values), name="payments_payment_method_valid"
            ),
            models.CheckConstraint(
                condition=Q(tendered_fen__isnull=True, change_fen__isnull=True)
                | Q(tendered_fen__gte=F("amount_fen"), change_fen=F("tendered_fen") - F("amount_fen")),
                name="payments_payment_change_is_tendered_less_amount",
            ),
        ]
        indexes = [models.Index(fields=["method", "paid_at"], name="payments_method_paid_at")]

    def __str__(self) -> str:
        return f"{self.out_trade_no} {self.reference} {self.status}"

    @property
    def net_fen(self) -> int:
        return self.amount_fen - self.refunded_fen if self.status in PAID_STATES else 0


PAID_STATES = {PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}


class RefundStatus(models.TextChoices):
    SUCCEEDED = "succeeded", _("退款成功")
    PROCESSING = "processing", _("退款处理中")


class Refund(models.Model):
    """One refund of a payment. ``reference`` is the caller's refund reference (an after-sales number,
    a cancellation): the same reference twice on one payment is the same refund (idempotent)."""

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("支付单")
    )
    refund_no = models.CharField(_("退款单号"), max_length=64, unique=True)
    reference = models.CharField(_("退款业务号"), max_length=64)
    amount_fen = models.BigIntegerField(_("退款金额(分)"))
    status = models.CharField(
        _("状态"), max_length=20, choices=RefundStatus.choices, default=RefundStatus.SUCCEEDED
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    gateway_refund_no = models.CharField(_("网关退款号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("退款单")
        verbose_name_plural = _("退款单")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payments_refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=RefundStatus.values), name="payments_refund_status_valid"
            ),
            models.UniqueConstraint(
                fields=["payment", "reference"], name="payments_refund_once_per_reference"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.refund_no} {self.amount_fen}"


class StatementGateway(models.TextChoices):
    ALIPAY = "alipay", _("支付宝")
    WECHAT = "wechat", _("微信支付")


class DiscrepancyKind(models.TextChoices):
    MISSING_IN_HUITONG = "missing_in_huitong", _("对账单有、系统无")
    MISSING_IN_STATEMENT = "missing_in_statement", _("系统有、对账单无")
    AMOUNT_MISMATCH = "amount_mismatch", _("金额不符")
    STATUS_MISMATCH = "status_mismatch", _("状态不符")


class ReconciliationRun(models.Model):
    """One imported gateway statement and what it disagreed with."""

    gateway = models.CharField(_("网关"), max_length=20, choices=StatementGateway.choices)
    file_name = models.CharField(_("文件名"), max_length=200)
    file_sha256 = models.CharField(_("文件摘要"), max_length=64)
    period_start = models.DateTimeField(_("期间开始"))
    period_end = models.DateTimeField(_("期间结束"))
    statement_rows = models.PositiveIntegerField(_("对账单笔数"))
    statement_total_fen = models.BigIntegerField(_("对账单金额(分)"))
    matched = models.PositiveIntegerField(_("一致笔数"))
    created_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("对账批次")
        verbose_name_plural = _("对账批次")
        constraints = [
            models.CheckConstraint(
                condition=Q(gateway__in=StatementGateway.values), name="payments_reconrun_gateway_valid"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="payments_reconrun_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.file_name}"


class ReconciliationLine(models.Model):
    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("差异类型"), max_length=30, choices=DiscrepancyKind.choices)
    out_trade_no = models.CharField(_("商户订单号"), max_length=64)
    gateway_trade_no = models.CharField(_("网关交易号"), max_length=64, blank=True)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    row_no = models.PositiveIntegerField(_("对账单行号"), null=True, blank=True)
    statement_amount_fen = models.BigIntegerField(_("对账单金额(分)"), null=True, blank=True)
    huitong_amount_fen = models.BigIntegerField(_("系统金额(分)"), null=True, blank=True)
    statement_status = models.CharField(_("对账单状态"), max_length=30, blank=True)
    huitong_status = models.CharField(_("系统状态"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("对账差异")
        verbose_name_plural = _("对账差异")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DiscrepancyKind.values), name="payments_reconline_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.out_trade_no}"
