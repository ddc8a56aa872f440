"""One small exception tree; mapped to HTTP status codes in one place (service.api.errors)."""

from __future__ import annotations

from typing import Any


class DubanError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details if details is not None else {}


class InvalidInput(DubanError):
    status = 422
    code = "invalid_input"


class Unauthorized(DubanError):
    status = 401
    code = "unauthorized"


class Forbidden(DubanError):
    status = 403
    code = "forbidden"


class NotFound(DubanError):
    status = 404
    code = "not_found"


class Conflict(DubanError):
    status = 409
    code = "conflict"


class ProcessError(DubanError):
    """The engine could not run a process (bad definition, failing script)."""

    status = 422
    code = "process_error"


class MalformedRequest(DubanError):
    """The request itself cannot be read (e.g. JSON nested too deep)."""

    status = 400
    code = "bad_request"


class PayloadTooLarge(DubanError):
    status = 413
    code = "payload_too_large"


class Unavailable(DubanError):
    """Every engine process is busy for longer than a command may wait; try again shortly."""

    status = 503
    code = "unavailable"
