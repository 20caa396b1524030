"""Errors as OpenAI sends them: ``{"error": {"message", "type", "param", "code"}}`` with the
status an OpenAI client expects, so the openai SDK raises its own exception types
(``BadRequestError``, ``AuthenticationError``, ``NotFoundError``, ``RateLimitError``, ...).

=========================================  ======  =========================
g4f error                                  status  OpenAI ``type``
=========================================  ======  =========================
invalid request (``ApiError``, upstream)   400     invalid_request_error
missing or rejected credentials            401     authentication_error
payment required                           402     insufficient_quota
unknown model or provider                  404     invalid_request_error
rate limited (``Retry-After`` header)      429     rate_limit_error
body too large                             413     invalid_request_error
upstream failed (status, data, network)    502     upstream_error
upstream timed out                         504     upstream_error
anything else (logged, never detailed)     500     server_error
=========================================  ======  =========================
"""

from __future__ import annotations

import logging
import math
import traceback
from typing import Any

from ..errors import (
    BadRequestError,
    G4FError,
    MissingAuthError,
    MissingRequirementsError,
    ModelNotFoundError,
    PaymentRequiredError,
    ProviderNotFoundError,
    ProviderNotWorkingError,
    RateLimitError,
    RetryProviderError,
    TimeoutError,
)
from ..providers.failures import is_provider_failure
from ..secrets import redact

__all__ = ["ApiError", "to_api_error"]

logger = logging.getLogger("g4f")


class ApiError(Exception):
    """An error answer: status, OpenAI error fields and extra headers (``Retry-After``)."""

    def __init__(self, status: int, message: str, type: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


def _rate_limited(message: str, retry_after: float | None) -> ApiError:
    headers = {"Retry-After": str(max(1, math.ceil(retry_after)))} if retry_after is not None else {}
    return ApiError(429, message, "rate_limit_error", "rate_limit_exceeded", headers=headers)


def _from_retry(exc: RetryProviderError) -> ApiError | None:
    """All candidates failed the same way (all rate-limited, all unauthenticated): say so."""
    errors = list(exc.exceptions.values())
    if errors and all(isinstance(e, RateLimitError) for e in errors):
        waits = [e.retry_after for e in errors if e.retry_after is not None]  # type: ignore[attr-defined]
        return _rate_limited(exc.message, min(waits) if waits else None)
    if errors and all(isinstance(e, MissingAuthError) for e in errors):
        return ApiError(401, exc.message, "authentication_error", "missing_credentials")
    return None


def _from_g4f(exc: G4FError) -> ApiError:
    message = exc.message or type(exc).__name__
    if isinstance(exc, RateLimitError):
        return _rate_limited(message, exc.retry_after)
    if isinstance(exc, MissingAuthError):
        return ApiError(401, message, "authentication_error", "missing_credentials")
    if isinstance(exc, PaymentRequiredError):
        return ApiError(402, message, "insufficient_quota", "payment_required")
    if isinstance(exc, ModelNotFoundError):
        return ApiError(404, message, "invalid_request_error", "model_not_found", "model")
    if isinstance(exc, ProviderNotFoundError):
        return ApiError(404, message, "invalid_request_error", "provider_not_found", "provider")
    if isinstance(exc, ProviderNotWorkingError):
        return ApiError(400, message, "invalid_request_error", "provider_not_working", "provider")
    if isinstance(exc, BadRequestError):
        return ApiError(400, message, "invalid_request_error", "invalid_value" if exc.param else "invalid_request",
                        exc.param)
    if isinstance(exc, TimeoutError):
        return ApiError(504, message, "upstream_error", "upstream_timeout")
    if isinstance(exc, MissingRequirementsError):
        logger.error("g4f api: %s", message)
        return ApiError(500, message, "server_error", "missing_requirement")
    if isinstance(exc, RetryProviderError):
        return _from_retry(exc) or ApiError(502, message, "upstream_error", "all_providers_failed")
    status = getattr(exc, "status", None)
    code = f"upstream_status_{status}" if status else "upstream_failed"
    return ApiError(502, message, "upstream_error", code)


def to_api_error(exc: BaseException) -> ApiError:
    """The answer for any exception a request raised; bugs are logged, not detailed.

    A provider's own exception (a plugin's ``RuntimeError``, say) is the upstream failing, as
    :func:`g4f.providers.failures.is_provider_failure` decides: 502, like any upstream failure.
    """
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, G4FError):
        return _from_g4f(exc)
    if is_provider_failure(exc):
        detail = redact(f"{type(exc).__name__}: {exc}")
        logger.info("g4f api: a provider failed: %s", detail)
        return ApiError(502, f"the provider failed: {detail}", "upstream_error", "upstream_failed")
    text = redact("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    logger.error("g4f api: unexpected error\n%s", text)
    return ApiError(500, "internal server error", "server_error", "internal_error")
