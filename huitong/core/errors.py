"""Domain errors. Services raise them; the API renders ``{"code", "message", "detail"}`` with ``status``.

Subclass per problem with a snake-case ``code`` (``InsufficientStock`` → ``insufficient_stock``).
``detail["fields"]`` carries field-level messages: ``{"lines[0].quantity": "必须大于 0"}``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status: int = 400
    code: str = "domain_error"
    default_message: Any = _("请求无法处理")

    def __init__(self, message: Any = None, *, detail: dict[str, Any] | None = None, **fields: Any):
        self.message = str(message if message is not None else self.default_message)
        self.detail: dict[str, Any] = dict(detail or {})
        if fields:
            self.detail.setdefault("fields", {}).update({k: str(v) for k, v in fields.items()})
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "detail": self.detail}


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"
    default_message = _("输入有误")

    @classmethod
    def for_fields(cls, fields: dict[str, Any], message: Any = None) -> InvalidInput:
        return cls(message, detail={"fields": {k: str(v) for k, v in fields.items()}})


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _("对象不存在")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("与当前状态冲突")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = _("当前状态不允许该操作")


class AuthenticationFailed(DomainError):
    status = 401
    code = "authentication_failed"
    default_message = _("用户名或密码错误")


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"
    default_message = _("当前角色无权执行该操作")
