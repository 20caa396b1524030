"""Only ``application/json`` bodies: a POST, PUT or PATCH of any other type gets 415.

``text/plain``, form and multipart bodies are what a web page may send cross-origin without a
preflight; refusing them (and a body with no type at all) means every request that reaches a
handler was either sent by a program or allowed by CORS.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from ..errors import ApiError

__all__ = ["content_type_middleware"]

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


def content_type_middleware() -> Middleware:
    @web.middleware
    async def content_type(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method in _WITH_BODY:
            given = request.headers.get("Content-Type")
            if given is None or given.partition(";")[0].strip().lower() != "application/json":
                shown = f"not {given.partition(';')[0].strip()[:100]!r}" if given else "it has none"
                raise ApiError(415, f"the request body must be sent as Content-Type: application/json ({shown})",
                               "invalid_request_error", "unsupported_media_type")
        return await handler(request)

    return content_type
