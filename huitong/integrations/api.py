"""Platform stores: sync status, pull now, logs, credentials, SKU mappings, publication rules, webhooks."""

import json
from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from huitong.channels import mappings
from huitong.channels import selectors as channels
from huitong.channels import services as channel_services
from huitong.core.actors import Actor
from huitong.core.api import ANY_STAFF, actor_of, errors, staff
from huitong.core.errors import AuthenticationFailed, InvalidInput
from huitong.core.permissions import Role
from huitong.integrations import ingest, services
from huitong.integrations.connectors.base import WebhookVerifier
from huitong.integrations.models import PullLog, PushLog

router = Router()
OPERATOR = staff(Role.OPERATOR)


class StatusOut(Schema):
    store_id: int
    code: str
    platform: str
    pulled_until: datetime | None
    lag_seconds: int | None
    last_pull_ok: bool | None
    last_pull_errors: list[str]
    held_orders: int
    unmapped_orders: int
    pending_pushes: int
    failed_pushes_24h: int
    credentials: dict


class PullLogOut(Schema):
    id: int
    started_at: datetime
    finished_at: datetime | None
    window_start: datetime
    window_end: datetime
    pages: int
    new: int
    updated: int
    unchanged: int
    failed: int
    errors: list
    ok: bool


class PushLogOut(Schema):
    id: int
    kind: str
    reference: str
    quantity: int | None
    ok: bool
    error: str
    details: dict
    at: datetime


class CredentialsIn(Schema):
    app_key: str = ""
    app_secret: str = ""
    access_token: str = ""
    shop: str = ""
    base_url: str = ""


class ComponentIn(Schema):
    sku_id: int
    quantity: int = Field(default=1, gt=0)


class MappingIn(Schema):
    item_id: str = ""
    sku_id: str = ""
    merchant_code: str = ""
    components: list[ComponentIn] = Field(min_length=1)


class MappingOut(Schema):
    id: int
    platform_item_id: str
    platform_sku_id: str
    merchant_code: str
    auto_matched: bool
    components: list[dict]

    @staticmethod
    def resolve_components(obj) -> list[dict]:
        return [{"sku_id": c.sku_id, "quantity": c.quantity} for c in obj.components.all()]


class RuleIn(Schema):
    sku_id: int | None = None
    location_ids: list[int] = []
    percent: int = Field(default=100, ge=0, le=1000)
    plus: int = 0
    minimum: int = Field(default=0, ge=0)
    maximum: int | None = Field(default=None, ge=0)
    delist_below_minimum: bool = False
    locked: int = Field(default=0, ge=0)


class RuleOut(RuleIn):
    id: int


class IngestOut(Schema):
    platform_order_id: str
    outcome: str
    order_number: str
    status: str
    total_fen: int
    error: str


@router.get("/stores/{store_id}/status", response={200: StatusOut, **errors(404)}, auth=ANY_STAFF)
def store_status(request, store_id: int):
    status = services.store_status(store_id=store_id)
    return {**status.__dict__, "credentials": channels.masked_credentials(channels.get_store(store_id))}


@router.post("/stores/{store_id}/pull", response={200: PullLogOut, **errors(404, 422)}, auth=OPERATOR,
             summary="Pull the store's changed orders now")
def pull_now(request, store_id: int):
    return ingest.pull_orders(store_id=store_id, actor=actor_of(request))


@router.get("/stores/{store_id}/pull-logs", response=list[PullLogOut], auth=ANY_STAFF)
@paginate(LimitOffsetPagination)
def pull_logs(request, store_id: int):
    return PullLog.objects.filter(store_id=store_id)


@router.get("/stores/{store_id}/push-logs", response=list[PushLogOut], auth=ANY_STAFF)
@paginate(LimitOffsetPagination)
def push_logs(request, store_id: int, kind: str | None = None, ok: bool | None = None):
    qs = PushLog.objects.filter(store_id=store_id)
    return qs.filter(**{k: v for k, v in {"kind": kind, "ok": ok}.items() if v is not None})


@router.put("/stores/{store_id}/credentials", response={200: dict, **errors(404, 422)}, auth=staff(Role.ADMIN))
def set_credentials(request, store_id: int, payload: CredentialsIn):
    store = channel_services.set_credentials(store_id=store_id,
                                             credentials={k: v for k, v in payload.dict().items() if v})
    return channels.masked_credentials(store)


@router.get("/stores/{store_id}/mappings", response=list[MappingOut], auth=ANY_STAFF)
@paginate(LimitOffsetPagination)
def list_mappings(request, store_id: int):
    return channels.get_store(store_id).sku_mappings.prefetch_related("components").order_by("pk")


@router.put("/stores/{store_id}/mappings", response={200: MappingOut, **errors(404, 422)}, auth=OPERATOR,
            summary="Map a platform listing to one SKU or a bundle; held orders are retried")
def set_mapping(request, store_id: int, payload: MappingIn):
    channels.get_store(store_id)
    listing = mappings.Listing(item_id=payload.item_id, sku_id=payload.sku_id, merchant_code=payload.merchant_code)
    components = [mappings.Component(c.sku_id, c.quantity) for c in payload.components]
    return services.map_listing(store_id=store_id, listing=listing, components=components, actor=actor_of(request))


@router.put("/stores/{store_id}/publication-rules", response={200: RuleOut, **errors(404, 422)}, auth=OPERATOR,
            summary="Set the store's (or one SKU's) stock publication rule; listings are re-pushed")
def set_rule(request, store_id: int, payload: RuleIn):
    return services.set_rule(store_id=store_id, **payload.dict())


@router.post("/webhooks/{store_code}", response={200: list[IngestOut], **errors(404, 422)}, auth=None,
             summary="Platform push messages and webhooks (signature verified per platform)")
def webhook(request: HttpRequest, store_code: str):
    store = channels.get_store_by_code(store_code)
    adapter = ingest.adapter_of(store)
    if not isinstance(adapter, WebhookVerifier) or not adapter.verify_webhook(
            headers={**{k.lower(): v for k, v in request.headers.items()},
                     "QUERY_STRING": request.META.get("QUERY_STRING", "")}, body=request.body):
        raise AuthenticationFailed("签名校验失败", detail={"store": store_code})
    try:
        payload = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise InvalidInput.for_fields({"body": "不是合法的 JSON"}) from exc
    outcomes = ingest.ingest_payload(store_id=store.pk, payload=payload, source="push",
                                     actor=Actor.system(f"webhook:{store.platform}"))
    return Status(200, [o.__dict__ for o in outcomes])
