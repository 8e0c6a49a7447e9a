"""Members API: customer service and operators find, register and merge members; only an admin
undoes a merge. Phones are shown in full to admins and customer service, masked to everyone else."""

from django.http import HttpResponse
from ninja import Query, Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from huitong.core.api import actor_of, errors, staff
from huitong.core.permissions import Role
from huitong.members import selectors, services
from huitong.members.cards import card_png
from huitong.members.schemas import (
    CustomerFilter,
    CustomerIn,
    CustomerOut,
    IdentityOut,
    MergeFilter,
    MergeIn,
    MergeOut,
    ReasonIn,
    RfmRunOut,
    SegmentCountOut,
    TierOut,
    TierPatch,
)

router = Router(tags=["members"])
READ = staff(Role.CUSTOMER_SERVICE, Role.OPERATOR, Role.FINANCE)
SERVICE = staff(Role.CUSTOMER_SERVICE, Role.OPERATOR)
OPERATOR = staff(Role.OPERATOR)
ADMIN = staff(Role.ADMIN)


@router.get(
    "",
    response={200: list[CustomerOut], **errors(422)},
    auth=READ,
    summary="Find members by phone, card number, name, tier or segment",
)
@paginate(LimitOffsetPagination)
def list_members(request, filters: Query[CustomerFilter]):
    return selectors.list_customers(**filters.dict())


@router.post("", response={201: CustomerOut, **errors(409, 422)}, auth=SERVICE, summary="Register a member")
def create_member(request, payload: CustomerIn):
    customer = services.create_member(**payload.dict(), actor=actor_of(request))
    return Status(201, selectors.get_customer(customer.pk))


@router.get("/tiers", response=list[TierOut], auth=READ)
def list_tiers(request):
    return list(selectors.list_tiers())


@router.patch(
    "/tiers/{tier_id}",
    response={200: TierOut, **errors(404, 422)},
    auth=OPERATOR,
    summary="Change a tier's threshold or benefits (members move at the next recompute)",
)
def update_tier(request, tier_id: int, payload: TierPatch):
    return services.update_tier(tier_id=tier_id, **payload.dict(), actor=actor_of(request))


@router.get("/segments", response=list[SegmentCountOut], auth=READ, summary="Members per RFM segment")
def segment_counts(request):
    return selectors.segment_counts()


@router.post(
    "/rfm/recompute",
    response={200: RfmRunOut, **errors()},
    auth=OPERATOR,
    summary="Recompute RFM scores and segments now",
)
def recompute_rfm(request):
    run = services.recompute_rfm()
    return RfmRunOut(scored=run.scored, segments=selectors.segment_counts())


@router.get("/merges", response=list[MergeOut], auth=READ)
@paginate(LimitOffsetPagination)
def list_merges(request, filters: Query[MergeFilter]):
    return selectors.list_merges(**filters.dict())


@router.post(
    "/merges",
    response={201: MergeOut, **errors(404, 409, 422)},
    auth=SERVICE,
    summary="Merge one member into another (orders, points, coupons and identities move)",
)
def merge_members(request, payload: MergeIn):
    return Status(201, services.merge_members(**payload.dict(), actor=actor_of(request)))


@router.post(
    "/merges/{merge_id}/undo",
    response={200: MergeOut, **errors(404, 409, 422)},
    auth=ADMIN,
    summary="Undo a merge (admin only): exactly what moved goes back",
)
def unmerge_members(request, merge_id: int, payload: ReasonIn):
    return services.unmerge_members(merge_id=merge_id, reason=payload.reason, actor=actor_of(request))


@router.get("/{customer_id}", response={200: CustomerOut, **errors(404)}, auth=READ)
def get_member(request, customer_id: int):
    return selectors.get_customer(customer_id)


@router.get("/{customer_id}/identities", response={200: list[IdentityOut], **errors(404)}, auth=READ)
def list_identities(request, customer_id: int):
    return list(selectors.list_identities(customer_id))


@router.get(
    "/{customer_id}/card.png",
    response={200: None, **errors(404)},
    auth=READ,
    summary="The member card number as a QR code (PNG)",
)
def card_image(request, customer_id: int):
    return HttpResponse(card_png(selectors.get_customer(customer_id).card_no), content_type="image/png")
