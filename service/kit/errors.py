"""Domain errors carry their HTTP status; one handler renders them all the same way."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, Field


class DomainError(Exception):
    status_code: ClassVar[int] = 400
    code: str = "bad_request"
    headers: dict[str, str] | None = None  # sent with the error (e.g. Retry-After)

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code is not None:
            self.code = code  # a more precise code than the class default

    def to_body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        return {"error": error}


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    status_code = 415
    code = "unsupported_media_type"


class Unprocessable(DomainError):
    status_code = 422
    code = "invalid_input"


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"


class NotReady(DomainError):
    status_code = 503
    code = "not_ready"


class Problem(BaseModel):
    loc: list[str] = Field(description="where: body, query, path or header, then the field")
    message: str


class ErrorDetail(BaseModel):
    code: str = Field(description="stable machine-readable code, e.g. `invalid_input`")
    message: str = Field(description="for people; may change")
    details: dict[str, Any] | None = Field(default=None, description="facts about this error")
    problems: list[Problem] | None = Field(default=None,
                                           description="every invalid field (422 only)")


class ErrorBody(BaseModel):
    """What every error answers, whatever raised it (DomainError, validation, HTTP, size)."""

    error: ErrorDetail
