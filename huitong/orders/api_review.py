"""审单 / 合单 / 拆单 / 分仓 API: the review queue and its batch actions, review rules and settings, the
blacklist and floor prices, merges, splits and strategy allocation. Batch endpoints answer 200 with one
result per order (``ok``, or the error ``code``/``message``); each order is its own transaction."""

from collections.abc import Sequence

from ninja import Query, Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from huitong.core.api import ANY_STAFF, actor_of, errors, staff
from huitong.core.permissions import Role
from huitong.orders import allocation, merging, review, review_setup, selectors
from huitong.orders.review import BatchResult
from huitong.orders.schemas import (
    ApproveIn,
    BatchResultOut,
    BlacklistIn,
    BlacklistOut,
    FloorPriceIn,
    FloorPriceOut,
    HistoryOut,
    MergeGroupOut,
    OrderIdsIn,
    PlanOut,
    ReasonIdsIn,
    ReceiverEditsIn,
    ReviewQueueFilter,
    ReviewQueueItemOut,
    RuleIn,
    RuleOut,
    SettingsIn,
    SettingsOut,
    SiblingOut,
    SplitIn,
    SplitOut,
    UndoMergeIn,
)
from huitong.orders.services import Receiver

router = Router(tags=["order workflow"])
OPERATOR = staff(Role.OPERATOR)
FINANCE = staff(Role.FINANCE)
QUEUE_READERS = staff(Role.OPERATOR, Role.FINANCE, Role.CUSTOMER_SERVICE)
SERVICE_DESK = staff(Role.OPERATOR, Role.CUSTOMER_SERVICE)
FULFILMENT = staff(Role.OPERATOR, Role.WAREHOUSE)
BATCH = {200: list[BatchResultOut], **errors(422)}


def _out(results: Sequence[BatchResult]) -> list[dict]:
    return [{"order_id": r.order_id, "ok": r.ok, "code": r.code, "message": r.message, "detail": r.detail,
             "status": r.order.status if r.order else None,
             "review_status": r.order.review_status if r.order else None,
             "hold_reasons": r.order.hold_reasons if r.order else []} for r in results]


# --- review queue ---------------------------------------------------------------------------------

@router.get("/review-queue", response=list[ReviewQueueItemOut], auth=QUEUE_READERS,
            summary="Orders waiting, held or in finance review, with every reason")
@paginate(LimitOffsetPagination)
def review_queue(request, filters: Query[ReviewQueueFilter]):
    return selectors.review_queue(**filters.dict())


@router.post("/review/run", response=BATCH, auth=OPERATOR, summary="Run the auto-review now")
def run_review(request, payload: OrderIdsIn):
    actor = actor_of(request)
    return _out(review.run_batch(payload.order_ids, lambda oid: review.review_order(order_id=oid, actor=actor)))


@router.post("/review/approve", response=BATCH, auth=OPERATOR, summary="Approve: re-check, pass if clean")
def approve(request, payload: ApproveIn):
    return _out(review.approve_orders(order_ids=payload.order_ids, actor=actor_of(request), note=payload.note))


@router.post("/review/force-approve", response=BATCH, auth=OPERATOR, summary="Approve despite the rules")
def force_approve(request, payload: ApproveIn):
    return _out(review.approve_orders(order_ids=payload.order_ids, actor=actor_of(request), force=True,
                                      note=payload.note))


@router.post("/review/finance-approve", response=BATCH, auth=FINANCE)
def finance_approve(request, payload: ApproveIn):
    actor = actor_of(request)
    return _out(review.run_batch(payload.order_ids, lambda oid: review.finance_approve_order(
        order_id=oid, actor=actor, note=payload.note)))


@router.post("/review/finance-reject", response=BATCH, auth=FINANCE)
def finance_reject(request, payload: ReasonIdsIn):
    actor = actor_of(request)
    return _out(review.run_batch(payload.order_ids, lambda oid: review.finance_reject_order(
        order_id=oid, actor=actor, reason=payload.reason)))


@router.post("/review/edit-receiver", response=BATCH, auth=SERVICE_DESK,
             summary="Correct receivers (name, phone, address), then re-check")
def edit_receivers(request, payload: ReceiverEditsIn):
    actor = actor_of(request)
    receivers = {item.order_id: Receiver(**item.receiver.dict()) for item in payload.items}
    return _out(review.run_batch(list(receivers), lambda oid: review.edit_receiver(
        order_id=oid, receiver=receivers[oid], actor=actor), review.still_held))


@router.post("/review/cancel", response=BATCH, auth=SERVICE_DESK)
def cancel(request, payload: ReasonIdsIn):
    return _out(review.cancel_orders(order_ids=payload.order_ids, actor=actor_of(request), reason=payload.reason))


@router.get("/orders/{order_id}/review-history", response={200: list[HistoryOut], **errors(404)}, auth=ANY_STAFF)
def review_history(request, order_id: int):
    return list(selectors.review_history(order_id))


# --- rules, settings, blacklist, floor prices -------------------------------------------------------

@router.get("/review-rules", response=list[RuleOut], auth=ANY_STAFF)
def list_rules(request, store_id: int | None = None):
    return list(selectors.list_review_rules(store_id=store_id))


@router.post("/review-rules", response={201: RuleOut, **errors(404, 422)}, auth=OPERATOR)
def create_rule(request, payload: RuleIn):
    spec = review_setup.RuleSpec(**payload.dict())
    return Status(201, review_setup.create_review_rule(spec=spec, actor=actor_of(request)))


@router.put("/review-rules/{rule_id}", response={200: RuleOut, **errors(404, 422)}, auth=OPERATOR)
def update_rule(request, rule_id: int, payload: RuleIn):
    spec = review_setup.RuleSpec(**payload.dict())
    return review_setup.update_review_rule(rule_id=rule_id, spec=spec, actor=actor_of(request))


@router.delete("/review-rules/{rule_id}", response={204: None, **errors(404)}, auth=OPERATOR)
def delete_rule(request, rule_id: int):
    review_setup.delete_review_rule(rule_id=rule_id, actor=actor_of(request))
    return Status(204, None)


@router.get("/settings", response=SettingsOut, auth=ANY_STAFF)
def get_settings(request):
    return review_setup.load_settings()


@router.put("/settings", response={200: SettingsOut, **errors(422)}, auth=OPERATOR)
def put_settings(request, payload: SettingsIn):
    return review_setup.update_settings(spec=review_setup.SettingsSpec(**payload.dict()), actor=actor_of(request))


@router.get("/blacklist", response=list[BlacklistOut], auth=SERVICE_DESK)
@paginate(LimitOffsetPagination)
def list_blacklist(request, kind: str | None = None):
    return selectors.list_blacklist(kind=kind)


@router.post("/blacklist", response={201: BlacklistOut, **errors(409, 422)}, auth=SERVICE_DESK)
def add_blacklist(request, payload: BlacklistIn):
    return Status(201, review_setup.add_blacklist_entry(**payload.dict(), actor=actor_of(request)))


@router.delete("/blacklist/{entry_id}", response={204: None, **errors(404)}, auth=SERVICE_DESK)
def remove_blacklist(request, entry_id: int):
    review_setup.remove_blacklist_entry(entry_id=entry_id, actor=actor_of(request))
    return Status(204, None)


@router.get("/floor-prices", response=list[FloorPriceOut], auth=ANY_STAFF)
def list_floor_prices(request):
    return list(selectors.list_floor_prices())


@router.put("/floor-prices/{sku_id}", response={200: FloorPriceOut, 204: None, **errors(404, 422)}, auth=OPERATOR,
            summary="Set a SKU's floor price (null removes it: the catalog cost applies)")
def set_floor_price(request, sku_id: int, payload: FloorPriceIn):
    row = review_setup.set_floor_price(sku_id=sku_id, floor_price_fen=payload.floor_price_fen,
                                       actor=actor_of(request))
    return row if row is not None else Status(204, None)


# --- merge, split, allocate -------------------------------------------------------------------------

@router.get("/orders/{order_id}/merge-candidates", response={200: list[SiblingOut], **errors(404)}, auth=FULFILMENT)
def merge_candidates(request, order_id: int):
    return merging.merge_candidates(order_id)


@router.get("/orders/{order_id}/unmerged-siblings", response={200: list[SiblingOut], **errors(404)}, auth=ANY_STAFF,
            summary="Same-buyer unshipped orders left out of this order's parcel (warn at shipping)")
def unmerged_siblings(request, order_id: int):
    return merging.unmerged_siblings(order_id)


@router.get("/merges", response=list[MergeGroupOut], auth=ANY_STAFF)
@paginate(LimitOffsetPagination)
def list_merges(request, status: str | None = None, store_id: int | None = None):
    return selectors.list_merge_groups(status=status, store_id=store_id)


@router.post("/merges", response={201: MergeGroupOut, **errors(404, 409, 422)}, auth=FULFILMENT)
def merge(request, payload: OrderIdsIn):
    group = merging.merge_orders(order_ids=payload.order_ids, actor=actor_of(request))
    return Status(201, selectors.get_merge_group(group.pk))


@router.post("/merges/{group_id}/undo", response={200: MergeGroupOut, **errors(404, 409)}, auth=FULFILMENT)
def undo_merge(request, group_id: int, payload: UndoMergeIn):
    merging.undo_merge(group_id=group_id, actor=actor_of(request), reason=payload.reason)
    return selectors.get_merge_group(group_id)


@router.post("/orders/{order_id}/split", response={201: SplitOut, **errors(404, 409, 422)}, auth=FULFILMENT)
def split(request, order_id: int, payload: SplitIn):
    lines = [merging.SplitLine(**line.dict()) for line in payload.lines]
    new = merging.split_order(order_id=order_id, lines=lines, actor=actor_of(request))
    return Status(201, {"original": selectors.get_order(order_id), "new": selectors.get_order(new.pk)})


@router.post("/allocations", response=BATCH, auth=FULFILMENT, summary="Allocate by the configured strategies")
def allocate(request, payload: OrderIdsIn):
    return _out(allocation.allocate_orders(order_ids=payload.order_ids, actor=actor_of(request)))


@router.get("/orders/{order_id}/allocation-plan", response={200: PlanOut, **errors(404)}, auth=ANY_STAFF,
            summary="Where allocation would ship the order now (nothing reserved)")
def allocation_plan(request, order_id: int):
    found = allocation.preview(order_id)
    return {"order_ids": found.order_ids, "ranked_location_ids": found.ranked, "strategy": found.strategy,
            "problem": found.problem,
            "placements": [{"line_id": k, "location_id": v} for k, v in sorted(found.placements.items())]}
