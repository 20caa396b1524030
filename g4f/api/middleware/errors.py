"""Every exception a request raises becomes an answer in OpenAI's error format."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from ...providers.hints import audience
from ..anthropic_messages import MESSAGES_PATHS, anthropic_error_response
from ..errors import ApiError, to_api_error
from ..responses import json_response

__all__ = ["errors_middleware"]

logger = logging.getLogger("g4f")

_CODES = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}


def errors_middleware(max_body_size: int) -> Middleware:
    @web.middleware
    async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            with audience("api"):  # credential hints name what a client can do, not Python arguments
                return await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            message = exc.reason
            if exc.status == 413:
                message = f"the request body is larger than the limit of {max_body_size} bytes"
            error = ApiError(exc.status, message, "invalid_request_error", _CODES.get(exc.status))
        except Exception as exc:  # noqa: BLE001 - every error is answered, unexpected ones as 500
            error = to_api_error(exc)
        if error.status >= 500:
            logger.warning("g4f api: %s %s -> %d %s", request.method, request.path, error.status,
                           error.message)
        if request.path in MESSAGES_PATHS:  # Anthropic's clients read Anthropic's error format
            return anthropic_error_response(error)
        return json_response(error.body(), error.status, error.headers)

    return errors
