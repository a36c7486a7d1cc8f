"""Domain errors: services raise these; views and the API turn them into Chinese responses."""

from __future__ import annotations


class FupinError(Exception):
    """Base error with a stable machine code, a Chinese message and an HTTP status."""

    code = "error"
    status = 400
    default_message = "操作失败"

    def __init__(self, message: str | None = None, *, code: str | None = None, **details: object):
        self.message = message or self.default_message
        if code:
            self.code = code
        self.details = details
        super().__init__(self.message)


class NotFound(FupinError):
    """Missing or outside the actor's jurisdiction: the two are indistinguishable on purpose."""

    code = "not_found"
    status = 404
    default_message = "记录不存在或不在您的管辖范围内"


class PermissionDenied(FupinError):
    code = "permission_denied"
    status = 403
    default_message = "您没有执行此操作的权限"


class ValidationFailed(FupinError):
    """Bad input; `errors` maps a field name (or "__all__") to Chinese messages."""

    code = "validation_failed"
    status = 422
    default_message = "提交的数据有误"

    def __init__(self, message: str | None = None, *, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.errors = errors or {}


class Conflict(FupinError):
    """Optimistic-lock conflict or a state that no longer allows the operation."""

    code = "conflict"
    status = 409
    default_message = "该记录已被他人修改，请刷新后重试"
