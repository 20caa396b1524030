"""The bearer-key check: every request must present one of the server's API keys
(``Authorization: Bearer <key>``, or ``x-api-key: <key>`` as Anthropic's clients send it)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from ..errors import ApiError

__all__ = ["API_KEY_ID", "auth_middleware", "key_id"]

#: ``request[API_KEY_ID]``: which key the request presented, named by :func:`key_id` (never the
#: key itself); absent when the server needs no key. Per-key limits and stores use it.
API_KEY_ID: Any = web.RequestKey("g4f_api_key_id", str) if hasattr(web, "RequestKey") else "g4f_api_key_id"


def key_id(key: str) -> str:
    """A name for an API key that does not reveal it, the same on every instance."""
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:24]


def auth_middleware(api_keys: Sequence[str]) -> Middleware:
    """Compared in constant time; a key is never logged."""
    expected = [(key.encode(), key_id(key)) for key in api_keys]

    @web.middleware
    async def auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" and "x-api-key" in request.headers:  # Anthropic's clients
            scheme, token = "bearer", request.headers["x-api-key"]
        # surrogateescape: a header that is not UTF-8 is a wrong key (401), not a crash (500).
        presented = token.strip().encode("utf-8", "surrogateescape")
        # Every key is compared (no early exit), so the time taken says nothing about which matched.
        matched: str | None = None
        for key, name in expected:
            if hmac.compare_digest(presented, key):
                matched = name
        if scheme.lower() != "bearer" or matched is None:
            raise ApiError(401, "a valid API key is required: send 'Authorization: Bearer <key>' (or 'x-api-key: <key>')",
                           "authentication_error", "invalid_api_key")
        request[API_KEY_ID] = matched
        return await handler(request)

    return auth
