"""The bearer-key check: every request must present one of the server's API keys."""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from ..errors import ApiError

__all__ = ["auth_middleware"]


def auth_middleware(api_keys: Sequence[str]) -> Middleware:
    """Compared in constant time; a key is never logged."""
    expected = [key.encode() for key in api_keys]

    @web.middleware
    async def auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        # surrogateescape: a header that is not UTF-8 is a wrong key (401), not a crash (500).
        presented = token.strip().encode("utf-8", "surrogateescape")
        # Every key is compared (no early exit), so the time taken says nothing about which matched.
        matched = False
        for key in expected:
            matched |= hmac.compare_digest(presented, key)
        if scheme.lower() != "bearer" or not matched:
            raise ApiError(401, "a valid API key is required: send 'Authorization: Bearer <key>'",
                           "authentication_error", "invalid_api_key")
        return await handler(request)

    return auth
