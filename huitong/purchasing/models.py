"""Purchasing (采购): suppliers and their SKU prices, purchase orders, receipts against them, and the
payables receipts create. Stock and cost change only through the inventory and catalog services."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from huitong.core.crypto import EncryptedTextField


class Supplier(models.Model):
    """A supplier (供应商): contact, lead time, minimum order amount and payment terms."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = EncryptedTextField(_("联系电话"), blank=True, default="")
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lead_time_days = models.IntegerField(_("交货周期(天)"), default=7)
    min_order_fen = models.BigIntegerField(_("起订金额(分)"), default=0)
    payment_terms_days = models.IntegerField(_("账期(天)"), default=30)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("供应商")
        verbose_name_plural = _("供应商")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="purchasing_supplier_code_not_blank"),
            models.CheckConstraint(condition=~Q(name=""), name="purchasing_supplier_name_not_blank"),
            models.CheckConstraint(condition=Q(lead_time_days__gte=0), name="purchasing_supplier_lead_time_non_negative"),
            models.CheckConstraint(condition=Q(min_order_fen__gte=0), name="purchasing_supplier_min_order_non_negative"),
            models.CheckConstraint(condition=Q(payment_terms_days__gte=0),
                                   name="purchasing_supplier_payment_terms_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class SupplierPrice(models.Model):
    """What a supplier charges for a SKU, and the least it sells of it (起订量). At most one supplier
    is preferred per SKU; reorder suggestions buy from it, else from the cheapest."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="prices", verbose_name=_("供应商"))
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU"))
    cost_fen = models.BigIntegerField(_("采购价(分)"))
    min_order_quantity = models.BigIntegerField(_("起订量"), default=1)
    is_preferred = models.BooleanField(_("首选供应商"), default=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("供应商报价")
        verbose_name_plural = _("供应商报价")
        ordering = ["supplier_id", "sku_id"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "sku"], name="purchasing_supplierprice_supplier_sku_unique"),
            models.UniqueConstraint(fields=["sku"], condition=Q(is_preferred=True),
                                    name="purchasing_supplierprice_one_preferred_per_sku"),
            models.CheckConstraint(condition=Q(cost_fen__gte=0), name="purchasing_supplierprice_cost_non_negative"),
            models.CheckConstraint(condition=Q(min_order_quantity__gte=1), name="purchasing_supplierprice_moq_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_id}/{self.sku_id}: {self.cost_fen}"


class PurchaseOrderStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    CONFIRMED = "confirmed", _("已确认")
    PARTLY_RECEIVED = "partly_received", _("部分到货")
    RECEIVED = "received", _("已到货")
    CLOSED = "closed", _("已关闭")
    CANCELLED = "cancelled", _("已取消")


class PurchaseOrder(models.Model):
    """A purchase order (采购单) to one supplier, delivered to one location."""

    number = models.CharField(_("采购单号"), max_length=32, unique=True)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="purchase_orders",
                                 verbose_name=_("供应商"))
    location = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("收货库位"))
    status = models.CharField(_("状态"), max_length=20, choices=PurchaseOrderStatus.choices,
                              default=PurchaseOrderStatus.DRAFT)
    expected_date = models.DateField(_("预计到货"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    total_fen = models.BigIntegerField(_("采购金额(分)"), default=0)
    received_fen = models.BigIntegerField(_("已到货金额(分)"), default=0)
    close_reason = models.CharField(_("关闭/取消原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("采购单")
        verbose_name_plural = _("采购单")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PurchaseOrderStatus.values),
                                   name="purchasing_purchaseorder_status_valid"),
            models.CheckConstraint(condition=Q(total_fen__gte=0), name="purchasing_purchaseorder_total_non_negative"),
            models.CheckConstraint(condition=Q(received_fen__gte=0),
                                   name="purchasing_purchaseorder_received_non_negative"),
        ]

    def __str__(self) -> str:
        return self.number


class PurchaseOrderLine(models.Model):
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="lines",
                                       verbose_name=_("采购单"))
    line_no = models.PositiveSmallIntegerField(_("行号"))
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU"))
    quantity = models.BigIntegerField(_("采购数量"))
    unit_cost_fen = models.BigIntegerField(_("单价(分)"))
    received_quantity = models.BigIntegerField(_("已到货数量"), default=0)

    class Meta:
        verbose_name = _("采购单行")
        verbose_name_plural = _("采购单行")
        ordering = ["purchase_order_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["purchase_order", "line_no"], name="purchasing_purchaseorderline_no_unique"),
            models.UniqueConstraint(fields=["purchase_order", "sku"], name="purchasing_purchaseorderline_sku_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="purchasing_purchaseorderline_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_cost_fen__gte=0),
                                   name="purchasing_purchaseorderline_unit_cost_non_negative"),
            models.CheckConstraint(condition=Q(received_quantity__gte=0),
                                   name="purchasing_purchaseorderline_received_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order_id}#{self.line_no}"

    @property
    def outstanding(self) -> int:
        """Still to come (never negative: an over-receipt leaves nothing outstanding)."""
        return max(self.quantity - self.received_quantity, 0)


class Receipt(models.Model):
    """Goods received against a purchase order (到货单). ``key`` makes a retried receipt a no-op."""

    number = models.CharField(_("到货单号"), max_length=40, unique=True)
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="receipts",
                                       verbose_name=_("采购单"))
    key = models.CharField(_("幂等键"), max_length=64, blank=True)
    received_at = models.DateTimeField(_("到货时间"))
    total_fen = models.BigIntegerField(_("到货金额(分)"))
    allow_over = models.BooleanField(_("允许超收"), default=False)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_label = models.CharField(_("操作人"), max_length=150)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("采购到货单")
        verbose_name_plural = _("采购到货单")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["purchase_order", "key"], condition=~Q(key=""),
                                    name="purchasing_receipt_key_unique"),
            models.CheckConstraint(condition=Q(total_fen__gte=0), name="purchasing_receipt_total_non_negative"),
        ]

    def __str__(self) -> str:
        return self.number


class ReceiptLine(models.Model):
    """One SKU received, with the moving-average cost computation behind it."""

    receipt = models.ForeignKey(Receipt, on_delete=models.PROTECT, related_name="lines", verbose_name=_("到货单"))
    po_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.PROTECT, related_name="receipt_lines",
                                verbose_name=_("采购单行"))
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU"))
    quantity = models.BigIntegerField(_("到货数量"))
    over_quantity = models.BigIntegerField(_("超收数量"), default=0)
    unit_cost_fen = models.BigIntegerField(_("单价(分)"))
    amount_fen = models.BigIntegerField(_("金额(分)"))
    on_hand_before = models.BigIntegerField(_("入库前在库"))
    cost_before_fen = models.BigIntegerField(_("入库前成本(分)"))
    cost_after_fen = models.BigIntegerField(_("入库后成本(分)"))
    movement = models.ForeignKey("inventory.StockMovement", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("入库流水"))

    class Meta:
        verbose_name = _("到货单行")
        verbose_name_plural = _("到货单行")
        ordering = ["receipt_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["receipt", "po_line"], name="purchasing_receiptline_po_line_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="purchasing_receiptline_quantity_positive"),
            models.CheckConstraint(condition=Q(over_quantity__gte=0) & Q(over_quantity__lte=F("quantity")),
                                   name="purchasing_receiptline_over_within_quantity"),
            models.CheckConstraint(condition=Q(amount_fen=F("quantity") * F("unit_cost_fen")),
                                   name="purchasing_receiptline_amount_is_quantity_times_cost"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_id}: {self.sku_id} × {self.quantity}"


class PayableStatus(models.TextChoices):
    OPEN = "open", _("未付")
    PARTLY_PAID = "partly_paid", _("部分付款")
    PAID = "paid", _("已付清")


class Payable(models.Model):
    """What we owe a supplier for one receipt (应付), due after the supplier's payment terms."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="payables", verbose_name=_("供应商"))
    receipt = models.OneToOneField(Receipt, on_delete=models.PROTECT, related_name="payable", verbose_name=_("到货单"))
    amount_fen = models.BigIntegerField(_("应付金额(分)"))
    paid_fen = models.BigIntegerField(_("已付金额(分)"), default=0)
    due_date = models.DateField(_("到期日"))
    status = models.CharField(_("状态"), max_length=20, choices=PayableStatus.choices, default=PayableStatus.OPEN)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("应付账款")
        verbose_name_plural = _("应付账款")
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="purchasing_payable_amount_non_negative"),
            models.CheckConstraint(condition=Q(paid_fen__gte=0) & Q(paid_fen__lte=F("amount_fen")),
                                   name="purchasing_payable_paid_within_amount"),
            models.CheckConstraint(condition=Q(status__in=PayableStatus.values), name="purchasing_payable_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_id}: {self.paid_fen}/{self.amount_fen}"

    @property
    def outstanding_fen(self) -> int:
        return self.amount_fen - self.paid_fen


class SupplierPayment(models.Model):
    """Money paid against a payable (付款). ``key`` makes a retried payment a no-op."""

    payable = models.ForeignKey(Payable, on_delete=models.PROTECT, related_name="payments", verbose_name=_("应付账款"))
    amount_fen = models.BigIntegerField(_("付款金额(分)"))
    paid_on = models.DateField(_("付款日期"))
    method = models.CharField(_("付款方式"), max_length=30, blank=True)
    reference = models.CharField(_("银行流水号"), max_length=100, blank=True)
    key = models.CharField(_("幂等键"), max_length=64, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_label = models.CharField(_("操作人"), max_length=150)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("供应商付款")
        verbose_name_plural = _("供应商付款")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=~Q(key=""), name="purchasing_supplierpayment_key_unique"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="purchasing_supplierpayment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.payable_id}: {self.amount_fen}"
