"""Purchasing API: operators manage suppliers, purchase orders and reorder suggestions; warehouse staff
receive goods; finance sees payables and records payments. Reads of orders and receipts are open to
every staff role."""

from django.utils import timezone
from ninja import Query, Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from huitong.core.api import ANY_STAFF, actor_of, errors, staff
from huitong.core.permissions import Role
from huitong.purchasing import selectors, services
from huitong.purchasing.schemas import (
    CloseIn,
    ConfirmIn,
    DraftsIn,
    HistoryOut,
    InTransitOut,
    PaidOut,
    PayableFilter,
    PayableOut,
    PayablesSummaryOut,
    PaymentIn,
    PaymentOut,
    PurchaseOrderFilter,
    PurchaseOrderIn,
    PurchaseOrderOut,
    PurchaseOrderPatch,
    ReasonIn,
    ReceiptIn,
    ReceiptOut,
    SuggestionFilter,
    SuggestionOut,
    SupplierIn,
    SupplierOut,
    SupplierPatch,
    SupplierPayablesOut,
    SupplierPriceIn,
    SupplierPriceOut,
)

router = Router(tags=["purchasing"])
OPERATOR = staff(Role.OPERATOR)
WAREHOUSE = staff(Role.WAREHOUSE)
FINANCE = staff(Role.FINANCE)


def _lines(lines):
    return None if lines is None else [services.PoLine(**line) for line in lines]


# --- suppliers ------------------------------------------------------------------------------------

@router.get("/suppliers", response=list[SupplierOut], auth=ANY_STAFF)
@paginate(LimitOffsetPagination)
def list_suppliers(request, search: str | None = None, is_active: bool | None = None):
    return selectors.list_suppliers(search=search, is_active=is_active)


@router.post("/suppliers", response={201: SupplierOut, **errors(409, 422)}, auth=OPERATOR)
def create_supplier(request, payload: SupplierIn):
    return Status(201, services.create_supplier(**payload.dict(), actor=actor_of(request)))


@router.get("/suppliers/{supplier_id}", response={200: SupplierOut, **errors(404)}, auth=ANY_STAFF)
def get_supplier(request, supplier_id: int):
    return selectors.get_supplier(supplier_id)


@router.patch("/suppliers/{supplier_id}", response={200: SupplierOut, **errors(404, 422)}, auth=OPERATOR)
def update_supplier(request, supplier_id: int, payload: SupplierPatch):
    return services.update_supplier(supplier_id=supplier_id, **payload.dict(), actor=actor_of(request))


@router.get("/suppliers/{supplier_id}/prices", response={200: list[SupplierPriceOut], **errors(404)}, auth=ANY_STAFF)
def list_prices(request, supplier_id: int):
    return list(selectors.list_supplier_prices(supplier_id=selectors.get_supplier(supplier_id).pk))


@router.put("/suppliers/{supplier_id}/prices/{sku_id}", response={200: SupplierPriceOut, **errors(404, 422)},
            auth=OPERATOR, summary="Set a supplier's price and minimum order quantity for a SKU")
def set_price(request, supplier_id: int, sku_id: int, payload: SupplierPriceIn):
    services.set_supplier_price(supplier_id=supplier_id, sku_id=sku_id, **payload.dict(), actor=actor_of(request))
    return selectors.list_supplier_prices(supplier_id=supplier_id, sku_id=sku_id).get()


@router.delete("/suppliers/{supplier_id}/prices/{sku_id}", response={204: None, **errors(404)}, auth=OPERATOR)
def remove_price(request, supplier_id: int, sku_id: int):
    services.remove_supplier_price(supplier_id=supplier_id, sku_id=sku_id, actor=actor_of(request))
    return Status(204, None)


# --- purchase orders ------------------------------------------------------------------------------

@router.get("/purchase-orders", response=list[PurchaseOrderOut], auth=ANY_STAFF)
@paginate(LimitOffsetPagination)
def list_purchase_orders(request, filters: Query[PurchaseOrderFilter]):
    return selectors.list_purchase_orders(**filters.dict())


@router.post("/purchase-orders", response={201: PurchaseOrderOut, **errors(404, 409, 422)}, auth=OPERATOR,
             summary="Create a draft purchase order")
def create_purchase_order(request, payload: PurchaseOrderIn):
    data = payload.dict()
    po = services.create_purchase_order(**{**data, "lines": _lines(data["lines"])}, actor=actor_of(request))
    return Status(201, selectors.get_purchase_order(po.pk))


@router.get("/purchase-orders/{po_id}", response={200: PurchaseOrderOut, **errors(404)}, auth=ANY_STAFF)
def get_purchase_order(request, po_id: int):
    return selectors.get_purchase_order(po_id)


@router.patch("/purchase-orders/{po_id}", response={200: PurchaseOrderOut, **errors(404, 409, 422)}, auth=OPERATOR,
              summary="Edit a draft (lines, if given, replace every line)")
def update_purchase_order(request, po_id: int, payload: PurchaseOrderPatch):
    data = payload.dict()
    services.update_purchase_order(purchase_order_id=po_id, **{**data, "lines": _lines(data["lines"])},
                                   actor=actor_of(request))
    return selectors.get_purchase_order(po_id)


@router.get("/purchase-orders/{po_id}/history", response={200: list[HistoryOut], **errors(404)}, auth=ANY_STAFF)
def purchase_order_history(request, po_id: int):
    return list(selectors.purchase_order_history(selectors.get_purchase_order(po_id)))


@router.post("/purchase-orders/{po_id}/confirm", response={200: PurchaseOrderOut, **errors(404, 409)},
             auth=OPERATOR)
def confirm(request, po_id: int, payload: ConfirmIn):
    services.confirm_purchase_order(purchase_order_id=po_id, **payload.dict(), actor=actor_of(request))
    return selectors.get_purchase_order(po_id)


@router.post("/purchase-orders/{po_id}/cancel", response={200: PurchaseOrderOut, **errors(404, 409, 422)},
             auth=OPERATOR)
def cancel(request, po_id: int, payload: ReasonIn):
    services.cancel_purchase_order(purchase_order_id=po_id, reason=payload.reason, actor=actor_of(request))
    return selectors.get_purchase_order(po_id)


@router.post("/purchase-orders/{po_id}/close", response={200: PurchaseOrderOut, **errors(404, 409, 422)},
             auth=OPERATOR, summary="Close a received order, or short-close a partly received one (reason)")
def close(request, po_id: int, payload: CloseIn):
    services.close_purchase_order(purchase_order_id=po_id, reason=payload.reason, actor=actor_of(request))
    return selectors.get_purchase_order(po_id)


# --- receipts -------------------------------------------------------------------------------------

@router.post("/purchase-orders/{po_id}/receipts", response={201: ReceiptOut, 200: ReceiptOut, **errors(404, 409, 422)},
             auth=WAREHOUSE, summary="Receive goods against a purchase order (201 new, 200 replayed key)")
def receive(request, po_id: int, payload: ReceiptIn):
    data = payload.dict()
    lines = [services.ReceiptLineSpec(**line) for line in data.pop("lines")]
    result = services.receive_purchase_order(purchase_order_id=po_id, lines=lines, **data, actor=actor_of(request))
    return Status(201 if result.created else 200, selectors.get_receipt(result.receipt.pk))


@router.get("/receipts", response=list[ReceiptOut], auth=ANY_STAFF)
@paginate(LimitOffsetPagination)
def list_receipts(request, purchase_order_id: int | None = None, supplier_id: int | None = None,
                  location_id: int | None = None):
    return selectors.list_receipts(purchase_order_id=purchase_order_id, supplier_id=supplier_id,
                                   location_id=location_id)


@router.get("/receipts/{receipt_id}", response={200: ReceiptOut, **errors(404)}, auth=ANY_STAFF)
def get_receipt(request, receipt_id: int):
    return selectors.get_receipt(receipt_id)


@router.get("/in-transit", response=list[InTransitOut], auth=ANY_STAFF,
            summary="Quantities ordered and not yet received, per SKU and destination")
def in_transit(request, sku_id: int | None = None, location_id: int | None = None):
    return selectors.in_transit(sku_id=sku_id, location_id=location_id)


# --- payables -------------------------------------------------------------------------------------

@router.get("/payables", response=list[PayableOut], auth=FINANCE)
@paginate(LimitOffsetPagination)
def list_payables(request, filters: Query[PayableFilter]):
    return selectors.list_payables(**filters.dict())


@router.get("/payables/by-supplier", response=PayablesSummaryOut, auth=FINANCE,
            summary="Totals owed, outstanding and overdue per supplier")
def payables_by_supplier(request, supplier_id: int | None = None, outstanding_only: bool = False):
    as_of = timezone.localdate()
    rows = selectors.payables_by_supplier(as_of=as_of, supplier_id=supplier_id, outstanding_only=outstanding_only)
    return PayablesSummaryOut(as_of=as_of, outstanding_fen=sum(r.outstanding_fen for r in rows),
                              overdue_fen=sum(r.overdue_fen for r in rows),
                              suppliers=[SupplierPayablesOut(**r.__dict__) for r in rows])


@router.get("/payables/{payable_id}", response={200: PayableOut, **errors(404)}, auth=FINANCE)
def get_payable(request, payable_id: int):
    return selectors.get_payable(payable_id)


@router.get("/payables/{payable_id}/payments", response={200: list[PaymentOut], **errors(404)}, auth=FINANCE)
def list_payments(request, payable_id: int):
    return list(selectors.list_supplier_payments(payable_id=payable_id))


@router.post("/payables/{payable_id}/payments", response={201: PaidOut, 200: PaidOut, **errors(404, 409, 422)},
             auth=FINANCE, summary="Record a payment to the supplier (never above what is outstanding)")
def pay(request, payable_id: int, payload: PaymentIn):
    paid = services.record_supplier_payment(payable_id=payable_id, **payload.dict(), actor=actor_of(request))
    return Status(201 if paid.created else 200,
                  PaidOut(payment=paid.payment, payable=selectors.get_payable(payable_id)))


# --- reorder suggestions --------------------------------------------------------------------------

@router.get("/reorder-suggestions", response=list[SuggestionOut], auth=OPERATOR,
            summary="What to reorder per SKU and location, with the numbers behind each quantity")
def reorder_suggestions(request, filters: Query[SuggestionFilter]):
    f = filters.dict()
    sku_id = f.pop("sku_id")
    return selectors.reorder_suggestions(**f, sku_ids=None if sku_id is None else [sku_id])


@router.post("/reorder-suggestions/draft-purchase-orders",
             response={201: list[PurchaseOrderOut], **errors(404, 409, 422)}, auth=OPERATOR,
             summary="Turn picked suggestions into draft purchase orders, one per supplier and location")
def drafts_from_suggestions(request, payload: DraftsIn):
    data = payload.dict()
    picks = [services.SuggestionPick(**pick) for pick in data.pop("picks")]
    pos = services.create_draft_pos_from_suggestions(picks=picks, **data, actor=actor_of(request))
    return Status(201, [selectors.get_purchase_order(po.pk) for po in pos])
