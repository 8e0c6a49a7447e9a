from django.utils.translation import gettext_lazy as _

from huitong.core.errors import Conflict, InvalidInput, NotFound


class SupplierNotFound(NotFound):
    code = "supplier_not_found"
    default_message = _("供应商不存在")


class PurchaseOrderNotFound(NotFound):
    code = "purchase_order_not_found"
    default_message = _("采购单不存在")


class ReceiptNotFound(NotFound):
    code = "receipt_not_found"
    default_message = _("到货单不存在")


class PayableNotFound(NotFound):
    code = "payable_not_found"
    default_message = _("应付账款不存在")


class SupplierPriceNotFound(NotFound):
    code = "supplier_price_not_found"
    default_message = _("该供应商没有此 SKU 的报价")


class InvalidSupplier(InvalidInput):
    code = "invalid_supplier"
    default_message = _("供应商信息有误")


class DuplicateSupplier(Conflict):
    code = "duplicate_supplier"
    default_message = _("供应商编码已存在")


class SupplierInactive(Conflict):
    code = "supplier_inactive"
    default_message = _("供应商已停用")


class InvalidPurchaseOrder(InvalidInput):
    code = "invalid_purchase_order"
    default_message = _("采购单内容有误")


class PurchaseOrderNotEditable(Conflict):
    code = "purchase_order_not_editable"
    default_message = _("只有草稿状态的采购单可以修改")


class BelowSupplierMinimum(Conflict):
    code = "below_supplier_minimum"
    default_message = _("采购金额低于供应商起订金额")


class InvalidReceipt(InvalidInput):
    code = "invalid_receipt"
    default_message = _("到货内容有误")


class NotReceivable(Conflict):
    code = "purchase_order_not_receivable"
    default_message = _("该采购单当前状态不能收货")


class OverReceipt(Conflict):
    code = "over_receipt"
    default_message = _("到货数量超过采购数量;如确需超收,请明确允许超收")


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    default_message = _("该幂等键已用于内容不同的请求")


class InvalidPayment(InvalidInput):
    code = "invalid_payment"
    default_message = _("付款信息有误")


class PaymentExceedsOutstanding(Conflict):
    code = "payment_exceeds_outstanding"
    default_message = _("付款金额超过未付金额")


class InvalidSuggestionPick(InvalidInput):
    code = "invalid_suggestion_pick"
    default_message = _("补货建议选择有误")
