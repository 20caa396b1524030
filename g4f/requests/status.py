"""Turn an HTTP error response into the matching g4f error.

``error_for_status`` is pure (status, headers, body in; error out) so every mapping is testable
without a server; ``raise_for_status`` reads the body from either HTTP backend and raises it.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

from ..errors import (
    BadRequestError,
    G4FError,
    MissingAuthError,
    ModelNotFoundError,
    PaymentRequiredError,
    RateLimitError,
    ResponseStatusError,
)
from .body import iter_bytes
from .decoders import excerpt
from .jsonlib import loads

__all__ = [
    "MAX_ERROR_BODY",
    "error_for_status",
    "parse_retry_after",
    "raise_for_status",
    "response_status",
    "upstream_message",
]

logger = logging.getLogger("g4f")

#: The most of an error body that is read and quoted.
MAX_ERROR_BODY = 64 * 1024

_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?$")


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.title())
    return value


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait, from ``retry-after`` (seconds or an HTTP date) or ``retry-after-ms``.

    Falls back to Groq-style ``x-ratelimit-reset-requests`` durations (``"2m59.56s"``).
    Returns None when the response says nothing usable.
    """
    value = _header(headers, "retry-after-ms")
    if value:
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    value = _header(headers, "retry-after")
    if value:
        value = value.strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            date = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            date = None
        if date is not None:
            return max(0.0, date.timestamp() - (time.time() if now is None else now))
    for name in ("x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"):
        value = _header(headers, name)
        if value:
            match = _DURATION.match(value.strip())
            if match and any(match.groups()):
                h, m, s, ms = (float(g) if g else 0.0 for g in match.groups())
                return h * 3600 + m * 60 + s + ms / 1000
    return None


def upstream_message(body: bytes | str) -> tuple[str, str | None]:
    """The upstream's own error message and code from an error body.

    Reads OpenAI's ``{"error": {"message", "type", "code"}}``, a bare ``{"error": "..."}`` or
    ``{"message": ...}``; an HTML page (a CDN error page) becomes its title; anything else a short
    excerpt.
    """
    if not body:
        return "", None
    try:
        data: Any = loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error", data)
        if isinstance(error, dict):
            message = error.get("message") or error.get("detail") or error.get("error") or ""
            code = error.get("code") or error.get("type")
            return str(message) if message else excerpt(body, 300), str(code) if code else None
        if isinstance(error, str):
            return error, None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if "<html" in text[:1000].lower() or "<!doctype" in text[:100].lower():
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.IGNORECASE | re.DOTALL)
        found = title or heading
        return (f"HTML error page: {excerpt(re.sub(r'<[^>]+>', '', found.group(1)))}"
                if found else "HTML error page"), None
    return excerpt(text, 300), None


def error_for_status(
    status: int,
    headers: Mapping[str, str] | None = None,
    body: bytes | str = b"",
    provider: str | None = None,
    reason: str | None = None,
    model: str | None = None,
) -> G4FError:
    """The g4f error for an HTTP error ``status``; the message holds the upstream's own words."""
    headers = headers or {}
    message, code = upstream_message(body)
    prefix = f"HTTP {status}" + (f" {reason}" if reason else "")
    text = f"{prefix}: {message}" if message else prefix
    if status in (401, 403):
        return MissingAuthError(f"{text} (the API key or cookies were rejected)", provider=provider, status=status)
    if status == 402:
        return PaymentRequiredError(text, provider=provider, status=status)
    if status in (429, 498):  # 498: Groq's "capacity exceeded, try again later"
        retry_after = parse_retry_after(headers)
        if retry_after is not None:
            text = f"{text} (retry after {retry_after:.3g} s)"
        return RateLimitError(text, provider=provider, status=status, retry_after=retry_after)
    # Groq answers a retired model with 400 "model_decommissioned": the model is gone, not the request bad.
    if (status == 404 and (code == "model_not_found" or "model" in message.lower())) or (
            status == 400 and code in ("model_decommissioned", "model_not_found")):
        if model and model not in text:
            text = f"{text} (model {model!r})"
        return ModelNotFoundError(text, provider=provider, status=status)
    if status in (400, 413, 422):
        return BadRequestError(text, provider=provider, status=status)
    # A 503 (or any 5xx) may say when to come back; retries honour it like a 429's. Only its own
    # Retry-After counts: the x-ratelimit-reset-* headers on every response are about quotas.
    retry_after = None
    if status >= 500:
        own = {name: value for name in ("retry-after", "retry-after-ms")
               if (value := _header(headers, name)) is not None}
        retry_after = parse_retry_after(own) if own else None
    return ResponseStatusError(text, provider=provider, status=status, retry_after=retry_after)


def response_status(response: Any) -> int:
    """The status code of an aiohttp or curl_cffi response."""
    status = getattr(response, "status", None)
    return int(status if status is not None else response.status_code)


async def raise_for_status(response: Any, provider: str | None = None, model: str | None = None) -> None:
    """Raise the matching g4f error if ``response`` (aiohttp or curl_cffi) is an HTTP error."""
    status = response_status(response)
    if status < 400:
        return
    body = await _read_limited(response)
    reason = getattr(response, "reason", None)
    raise error_for_status(status, response.headers, body, provider=provider, reason=reason, model=model)


async def _read_limited(response: Any) -> bytes:
    """Up to MAX_ERROR_BODY bytes of the error body, from either backend."""
    parts: list[bytes] = []
    size = 0
    try:
        async for chunk in iter_bytes(response):
            parts.append(chunk)
            size += len(chunk)
            if size >= MAX_ERROR_BODY:
                break
    except Exception as exc:  # noqa: BLE001 - an unreadable error body must not hide the status
        logger.debug("could not read the error body: %s", type(exc).__name__)
    return b"".join(parts)[:MAX_ERROR_BODY]
