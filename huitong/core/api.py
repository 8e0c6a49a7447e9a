"""API plumbing shared by every app: staff token auth with roles, the error envelope, and the
``/auth/token`` endpoint."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from huitong.core import selectors, services
from huitong.core.actors import Actor
from huitong.core.errors import DomainError
from huitong.core.permissions import Role, require_roles


class ErrorOut(Schema):
    code: str
    message: str
    detail: dict[str, Any] = {}


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """Declare error responses so the OpenAPI document lists them: ``response={200: X, **errors(404)}``."""
    return {status: ErrorOut for status in (401, 403, *statuses)}


class StaffAuth(HttpBearer):
    """Bearer token of an active staff user holding one of ``roles`` (admin always passes)."""

    def __init__(self, *roles: str):
        super().__init__()
        self.roles = roles

    def authenticate(self, request: HttpRequest, token: str):
        user = selectors.user_for_token(token)
        if user is None:
            return None
        if self.roles:
            require_roles(user, self.roles)
        request.user = user
        return user


def staff(*roles: str) -> StaffAuth:
    return StaffAuth(*roles)


ANY_STAFF = staff()
ALL_ROLES = tuple(Role.values)


def actor_of(request: HttpRequest) -> Actor:
    return Actor.of_user(request.auth)


def _field_path(loc: list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "form")]
    path = ""
    for part in parts:
        path += f"[{part}]" if part.isdigit() else (f".{part}" if path else part)
    return path or "body"


def install_error_handlers(api) -> None:
    @api.exception_handler(DomainError)
    def on_domain_error(request, exc: DomainError):
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(NinjaValidationError)
    def on_validation_error(request, exc: NinjaValidationError):
        fields = {_field_path(list(err.get("loc", []))): err.get("msg", "") for err in exc.errors}
        body = {"code": "invalid_input", "message": _("输入有误"), "detail": {"fields": fields}}
        return api.create_response(request, body, status=422)

    @api.exception_handler(AuthenticationError)
    def on_auth_error(request, exc):
        body = {"code": "not_authenticated", "message": _("需要有效的 API 令牌"), "detail": {}}
        return api.create_response(request, body, status=401)

    @api.exception_handler(HttpError)
    def on_http_error(request, exc: HttpError):
        body = {"code": "http_error", "message": str(exc), "detail": {}}
        return api.create_response(request, body, status=exc.status_code)


router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str
    name: str = ""


class TokenOut(Schema):
    token: str
    expires_at: str
    username: str
    roles: list[str]


@router.post("/token", response={200: TokenOut, **errors(422)}, auth=None, summary="Issue a staff API token")
def issue_token(request, payload: TokenIn):
    issued = services.issue_token(username=payload.username, password=payload.password, name=payload.name)
    return TokenOut(token=issued.token, expires_at=issued.expires_at.isoformat(), username=issued.username,
                    roles=issued.roles)
