"""Purchasing write use cases: ``from huitong.purchasing import services as purchasing``."""

from huitong.purchasing.services.payables import Paid, record_supplier_payment
from huitong.purchasing.services.purchase_orders import (
    PoLine,
    cancel_purchase_order,
    close_purchase_order,
    confirm_purchase_order,
    create_purchase_order,
    update_purchase_order,
)
from huitong.purchasing.services.receiving import ReceiptLineSpec, Received, receive_purchase_order
from huitong.purchasing.services.reorder import SuggestionPick, create_draft_pos_from_suggestions
from huitong.purchasing.services.suppliers import (
    create_supplier,
    remove_supplier_price,
    set_supplier_price,
    update_supplier,
)

__all__ = [
    "Paid",
    "PoLine",
    "ReceiptLineSpec",
    "Received",
    "SuggestionPick",
    "cancel_purchase_order",
    "close_purchase_order",
    "confirm_purchase_order",
    "create_draft_pos_from_suggestions",
    "create_purchase_order",
    "create_supplier",
    "receive_purchase_order",
    "record_supplier_payment",
    "remove_supplier_price",
    "set_supplier_price",
    "update_purchase_order",
    "update_supplier",
]
