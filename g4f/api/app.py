"""The aiohttp application: routes, the bearer-key check, errors in OpenAI's format, cleanup."""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from ..secrets import register_secret
from .errors import ApiError, to_api_error
from .routes import json_response, routes

__all__ = ["DEFAULT_MAX_BODY_SIZE", "create_app"]

logger = logging.getLogger("g4f")

#: Request bodies above this many bytes are refused with 413 (images inline as base64 fit).
DEFAULT_MAX_BODY_SIZE = 20 * 1024 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _errors_middleware() -> Middleware:
    @web.middleware
    async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            code = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}.get(exc.status)
            message = exc.reason
            if exc.status == 413:
                message = f"the request body is larger than the limit of {request.app[MAX_BODY_KEY]} bytes"
            error = ApiError(exc.status, message, "invalid_request_error", code)
        except Exception as exc:
            error = to_api_error(exc)
        if error.status >= 500:
            logger.warning("g4f api: %s %s -> %d %s", request.method, request.path, error.status,
                           error.message)
        return json_response(error.body(), error.status, error.headers)

    return errors


def _auth_middleware(api_key: str) -> Middleware:
    expected = api_key.encode()

    @web.middleware
    async def auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        # surrogateescape: a header that is not UTF-8 is a wrong key (401), not a crash (500).
        presented = token.strip().encode("utf-8", "surrogateescape")
        if scheme.lower() != "bearer" or not hmac.compare_digest(presented, expected):
            raise ApiError(401, "a valid API key is required: send 'Authorization: Bearer <key>'",
                           "authentication_error", "invalid_api_key")
        return await handler(request)

    return auth


async def _close_sessions(app: web.Application) -> None:
    from .. import aclose

    await aclose()


MAX_BODY_KEY = web.AppKey("g4f_max_body_size", int)


def create_app(api_key: str | None = None, max_body_size: int = DEFAULT_MAX_BODY_SIZE) -> web.Application:
    """The API server's application. ``api_key`` (default: ``$G4F_API_KEY``) makes every request
    need ``Authorization: Bearer <api_key>``; the key is compared in constant time and never logged."""
    api_key = api_key if api_key is not None else os.environ.get("G4F_API_KEY") or None
    middlewares = [_errors_middleware()]
    if api_key:
        register_secret(api_key)
        middlewares.append(_auth_middleware(api_key))
    app = web.Application(middlewares=middlewares, client_max_size=max_body_size)
    app[MAX_BODY_KEY] = max_body_size
    app.add_routes(routes)
    app.on_cleanup.append(_close_sessions)
    return app
