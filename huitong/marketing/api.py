"""Marketing API: operators (and admins) manage promotions, member prices, coupons and campaigns;
customer service reads them and looks coupons up; any of them may price a cart (POST /quote)."""

from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from huitong.core.api import actor_of, errors, staff
from huitong.core.permissions import Role
from huitong.marketing import selectors, services
from huitong.marketing.schemas import (
    ActiveIn,
    CampaignIn,
    CampaignOut,
    CampaignReportOut,
    CampaignRunOut,
    CodesIn,
    CouponOut,
    CouponTemplateIn,
    CouponTemplateOut,
    IssueIn,
    MemberPriceIn,
    MemberPriceOut,
    PromotionIn,
    PromotionOut,
    QuoteIn,
    QuoteOut,
    RunIn,
    VoidIn,
)

router = Router(tags=["marketing"])
WRITE = staff(Role.OPERATOR)
READ = staff(Role.OPERATOR, Role.CUSTOMER_SERVICE)


class CouponFilter(Schema):
    customer_id: int | None = None
    template_id: int | None = None
    status: str | None = None
    reference: str | None = None


# --- promotions -----------------------------------------------------------------------------------


@router.get("/promotions", response=list[PromotionOut], auth=READ)
@paginate(LimitOffsetPagination)
def list_promotions(request, kind: str | None = None, is_active: bool | None = None):
    return selectors.list_promotions(kind=kind, is_active=is_active)


@router.post("/promotions", response={201: PromotionOut, **errors(422)}, auth=WRITE)
def create_promotion(request, payload: PromotionIn):
    return Status(201, services.create_promotion(**payload.dict(), actor=actor_of(request)))


@router.get("/promotions/{promotion_id}", response={200: PromotionOut, **errors(404)}, auth=READ)
def get_promotion(request, promotion_id: int):
    return selectors.get_promotion(promotion_id)


@router.put(
    "/promotions/{promotion_id}",
    response={200: PromotionOut, **errors(404, 422)},
    auth=WRITE,
    summary="Replace a promotion's settings",
)
def update_promotion(request, promotion_id: int, payload: PromotionIn):
    return services.update_promotion(promotion_id=promotion_id, **payload.dict(), actor=actor_of(request))


@router.post(
    "/promotions/{promotion_id}/active",
    response={200: PromotionOut, **errors(404)},
    auth=WRITE,
    summary="Switch a promotion on or off",
)
def set_promotion_active(request, promotion_id: int, payload: ActiveIn):
    return services.set_promotion_active(
        promotion_id=promotion_id, is_active=payload.is_active, actor=actor_of(request)
    )


# --- member prices --------------------------------------------------------------------------------


@router.get("/member-prices", response=list[MemberPriceOut], auth=READ)
@paginate(LimitOffsetPagination)
def list_member_prices(request, sku_id: int | None = None, tier_code: str | None = None):
    return selectors.list_member_prices(sku_id=sku_id, tier_code=tier_code)


@router.put("/member-prices/{sku_id}/{tier_code}", response={200: MemberPriceOut, **errors(422)}, auth=WRITE)
def set_member_price(request, sku_id: int, tier_code: str, payload: MemberPriceIn):
    return services.set_member_price(
        sku_id=sku_id, tier_code=tier_code, price_fen=payload.price_fen, actor=actor_of(request)
    )


@router.delete("/member-prices/{sku_id}/{tier_code}", response={204: None, **errors(404)}, auth=WRITE)
def remove_member_price(request, sku_id: int, tier_code: str):
    services.remove_member_price(sku_id=sku_id, tier_code=tier_code, actor=actor_of(request))
    return Status(204, None)


# --- coupon templates and coupons -----------------------------------------------------------------


@router.get("/coupon-templates", response=list[CouponTemplateOut], auth=READ)
@paginate(LimitOffsetPagination)
def list_coupon_templates(request, is_active: bool | None = None):
    return selectors.list_coupon_templates(is_active=is_active)


@router.post("/coupon-templates", response={201: CouponTemplateOut, **errors(422)}, auth=WRITE)
def create_coupon_template(request, payload: CouponTemplateIn):
    return Status(201, services.create_coupon_template(**payload.dict(), actor=actor_of(request)))


@router.get("/coupon-templates/{template_id}", response={200: CouponTemplateOut, **errors(404)}, auth=READ)
def get_coupon_template(request, template_id: int):
    return selectors.get_coupon_template(template_id)


@router.post(
    "/coupon-templates/{template_id}/active", response={200: CouponTemplateOut, **errors(404)}, auth=WRITE
)
def set_coupon_template_active(request, template_id: int, payload: ActiveIn):
    return services.set_coupon_template_active(
        template_id=template_id, is_active=payload.is_active, actor=actor_of(request)
    )


@router.post(
    "/coupon-templates/{template_id}/issue",
    response={201: CouponOut, **errors(404, 409)},
    auth=WRITE,
    summary="Issue one coupon to a member (same limits as a claim)",
)
def issue_coupon(request, template_id: int, payload: IssueIn):
    coupon = services.issue_coupon(
        template_id=template_id, customer_id=payload.customer_id, actor=actor_of(request)
    )
    return Status(201, selectors.get_coupon_by_code(coupon.code))


@router.post(
    "/coupon-templates/{template_id}/claim",
    response={201: CouponOut, **errors(404, 409)},
    auth=READ,
    summary="Claim a coupon on a member's behalf (customer service)",
)
def claim_coupon(request, template_id: int, payload: IssueIn):
    coupon = services.claim_coupon(
        template_id=template_id, customer_id=payload.customer_id, actor=actor_of(request)
    )
    return Status(201, selectors.get_coupon_by_code(coupon.code))


@router.post(
    "/coupon-templates/{template_id}/codes",
    response={201: list[CouponOut], **errors(404, 409, 422)},
    auth=WRITE,
    summary="Generate anonymous single-use codes",
)
def issue_codes(request, template_id: int, payload: CodesIn):
    coupons = services.issue_codes(template_id=template_id, count=payload.count, actor=actor_of(request))
    return Status(
        201, list(selectors.list_coupons(template_id=template_id).filter(pk__in=[c.pk for c in coupons]))
    )


@router.get("/coupons", response=list[CouponOut], auth=READ)
@paginate(LimitOffsetPagination)
def list_coupons(request, filters: Query[CouponFilter]):
    return selectors.list_coupons(**filters.dict())


@router.get("/coupons/{code}", response={200: CouponOut, **errors(404)}, auth=READ)
def get_coupon(request, code: str):
    return selectors.get_coupon_by_code(code)


@router.post("/coupons/{code}/void", response={200: CouponOut, **errors(404, 409, 422)}, auth=WRITE)
def void_coupon(request, code: str, payload: VoidIn):
    coupon = services.void_coupon(code=code, reason=payload.reason, actor=actor_of(request))
    return selectors.get_coupon_by_code(coupon.code)


# --- campaigns ------------------------------------------------------------------------------------


@router.get("/campaigns", response=list[CampaignOut], auth=READ)
@paginate(LimitOffsetPagination)
def list_campaigns(request):
    return selectors.list_campaigns()


@router.post("/campaigns", response={201: CampaignOut, **errors(422)}, auth=WRITE)
def create_campaign(request, payload: CampaignIn):
    return Status(201, services.create_campaign(**payload.dict(), actor=actor_of(request)))


@router.get("/campaigns/{campaign_id}", response={200: CampaignOut, **errors(404)}, auth=READ)
def get_campaign(request, campaign_id: int):
    return selectors.get_campaign(campaign_id)


@router.post(
    "/campaigns/{campaign_id}/run",
    response={200: CampaignRunOut, **errors(404, 409, 422)},
    auth=WRITE,
    summary="Issue the campaign's coupon to its segment (again: only members without one)",
)
def run_campaign(request, campaign_id: int, payload: RunIn):
    return services.run_campaign(
        campaign_id=campaign_id, batch_size=payload.batch_size, actor=actor_of(request)
    )


@router.get("/campaigns/{campaign_id}/report", response={200: CampaignReportOut, **errors(404)}, auth=READ)
def campaign_report(request, campaign_id: int):
    return selectors.campaign_report(campaign_id)


# --- pricing --------------------------------------------------------------------------------------


@router.post(
    "/quote",
    response={200: QuoteOut, **errors(404, 409, 422)},
    auth=READ,
    summary="Price a cart: member price, promotions, coupons, every adjustment with its reason",
)
def quote(request, payload: QuoteIn):
    return services.quote(
        store_id=payload.store_id,
        customer_id=payload.customer_id,
        lines=[services.CartLine(sku_id=line.sku_id, quantity=line.quantity) for line in payload.lines],
        coupon_codes=payload.coupon_codes,
        at=payload.at,
    )
