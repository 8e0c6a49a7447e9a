"""Staff API for points, stored value and gift cards (mounted at /api/v1/loyalty)."""

from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from huitong.core.api import ANY_STAFF, actor_of, errors, staff
from huitong.core.permissions import Role
from huitong.loyalty import selectors, services
from huitong.loyalty.schemas import (
    AdjustPointsIn,
    EarnRuleIn,
    EarnRuleOut,
    GiftCardBatchIn,
    GiftCardBatchOut,
    GiftCardOut,
    PointsEntryOut,
    PointsLotOut,
    PointsSummaryOut,
    ReasonIn,
    RedeemConfigIn,
    RedeemConfigOut,
    StoredValueEntryOut,
    StoredValueOut,
    TopUpIn,
    TopUpOut,
)
from huitong.members import selectors as members

router = Router(tags=["loyalty"])
MEMBER_READ = staff(Role.OPERATOR, Role.CUSTOMER_SERVICE, Role.FINANCE)
OPERATOR = staff(Role.OPERATOR)
ADMIN = staff(Role.ADMIN)
MONEY = staff(Role.FINANCE, Role.CUSTOMER_SERVICE)


def _customer(customer_id: int) -> int:
    members.get_customer(customer_id)
    return customer_id


@router.get(
    "/members/{customer_id}/points", response={200: PointsSummaryOut, **errors(404)}, auth=MEMBER_READ
)
def points_summary(request, customer_id: int):
    _customer(customer_id)
    balance = selectors.points_balance(customer_id)
    return PointsSummaryOut(
        customer_id=customer_id,
        balance=balance,
        debt=selectors.points_debt(customer_id),
        redeem_value_fen=selectors.points_to_fen(balance),
    )


@router.get(
    "/members/{customer_id}/points/entries",
    response={200: list[PointsEntryOut], **errors(404)},
    auth=MEMBER_READ,
)
@paginate(LimitOffsetPagination)
def points_entries(request, customer_id: int):
    return selectors.list_points_entries(_customer(customer_id))


@router.get(
    "/members/{customer_id}/points/lots", response={200: list[PointsLotOut], **errors(404)}, auth=MEMBER_READ
)
def points_lots(request, customer_id: int, open_only: bool = True):
    return list(selectors.list_points_lots(_customer(customer_id), open_only=open_only))


@router.post(
    "/members/{customer_id}/points/adjustments",
    response={201: PointsEntryOut, **errors(404, 409, 422)},
    auth=ADMIN,
    summary="Manual points adjustment (admin, audited)",
)
def adjust_points(request, customer_id: int, payload: AdjustPointsIn):
    return Status(
        201, services.adjust_points(customer_id=customer_id, **payload.dict(), actor=actor_of(request))
    )


@router.get("/earn-rules", response=list[EarnRuleOut], auth=ANY_STAFF)
def list_earn_rules(request):
    return list(selectors.list_earn_rules())


@router.post("/earn-rules", response={201: EarnRuleOut, **errors(404, 409, 422)}, auth=OPERATOR)
def create_earn_rule(request, payload: EarnRuleIn):
    return Status(201, services.create_earn_rule(**payload.dict(), actor=actor_of(request)))


@router.put("/earn-rules/{rule_id}", response={200: EarnRuleOut, **errors(404, 409, 422)}, auth=OPERATOR)
def update_earn_rule(request, rule_id: int, payload: EarnRuleIn):
    return services.update_earn_rule(rule_id=rule_id, **payload.dict(), actor=actor_of(request))


@router.delete("/earn-rules/{rule_id}", response={204: None, **errors(404)}, auth=OPERATOR)
def delete_earn_rule(request, rule_id: int):
    services.delete_earn_rule(rule_id=rule_id, actor=actor_of(request))
    return Status(204, None)


@router.get("/redeem-config", response=RedeemConfigOut, auth=ANY_STAFF)
def get_redeem_config(request):
    return selectors.redeem_config()


@router.put("/redeem-config", response={200: RedeemConfigOut, **errors(422)}, auth=OPERATOR)
def update_redeem_config(request, payload: RedeemConfigIn):
    return services.update_redeem_config(**payload.dict(), actor=actor_of(request))


@router.get(
    "/members/{customer_id}/stored-value", response={200: StoredValueOut, **errors(404)}, auth=MEMBER_READ
)
def stored_value(request, customer_id: int):
    return StoredValueOut(
        customer_id=customer_id, balance_fen=selectors.stored_value_balance(_customer(customer_id))
    )


@router.get(
    "/members/{customer_id}/stored-value/entries",
    response={200: list[StoredValueEntryOut], **errors(404)},
    auth=MEMBER_READ,
)
@paginate(LimitOffsetPagination)
def stored_value_entries(request, customer_id: int):
    return selectors.list_stored_value_entries(_customer(customer_id))


@router.post(
    "/members/{customer_id}/stored-value/top-ups",
    response={201: TopUpOut, **errors(404, 409, 422)},
    auth=MONEY,
)
def top_up(request, customer_id: int, payload: TopUpIn):
    entry_id = services.top_up_stored_value(
        customer_id=customer_id, **payload.dict(), actor=actor_of(request)
    )
    return Status(201, TopUpOut(entry_id=entry_id, balance_fen=selectors.stored_value_balance(customer_id)))


@router.post(
    "/gift-card-batches",
    response={201: GiftCardBatchOut, **errors(422)},
    auth=staff(Role.FINANCE),
    summary="Issue numbered gift cards; the PINs are shown only in this response",
)
def issue_gift_cards(request, payload: GiftCardBatchIn):
    issued = services.issue_gift_cards(**payload.dict(), actor=actor_of(request))
    batch = issued.batch
    return Status(
        201,
        GiftCardBatchOut(
            batch_id=batch.pk,
            name=batch.name,
            face_value_fen=batch.face_value_fen,
            expires_at=batch.expires_at,
            cards=[c.__dict__ for c in issued.cards],
        ),
    )


def _card_out(card) -> GiftCardOut:
    return GiftCardOut(
        card_no_masked=selectors.mask_card_no(card.card_no),
        batch_id=card.batch_id,
        face_value_fen=card.face_value_fen,
        balance_fen=card.balance_fen,
        status=card.status,
        expires_at=card.expires_at,
        locked=card.locked,
        entries=list(selectors.list_gift_card_entries(card)[:50]),
    )


@router.get("/gift-cards/{card_no}", response={200: GiftCardOut, **errors(404)}, auth=MONEY)
def gift_card(request, card_no: str):
    return _card_out(selectors.get_gift_card(card_no))


@router.post(
    "/gift-cards/{card_no}/void",
    response={200: GiftCardOut, **errors(404, 409, 422)},
    auth=staff(Role.FINANCE),
)
def void_gift_card(request, card_no: str, payload: ReasonIn):
    return _card_out(services.void_gift_card(card_no=card_no, reason=payload.reason, actor=actor_of(request)))


@router.post("/gift-cards/{card_no}/unlock", response={200: GiftCardOut, **errors(404, 422)}, auth=ADMIN)
def unlock_gift_card(request, card_no: str, payload: ReasonIn):
    return _card_out(
        services.unlock_gift_card(card_no=card_no, reason=payload.reason, actor=actor_of(request))
    )
