"""Every JSON body is measured, then parsed, before its handler runs (see :mod:`g4f.api.body`).

Routes read it with ``await read_json(request)``, which returns the value parsed here. A POST
without a body is left to its route (some take none).
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from ..body import parse_json, parsed_body
from ..settings import ServerSettings

__all__ = ["json_body_middleware"]

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


def json_body_middleware(settings: ServerSettings) -> Middleware:
    @web.middleware
    async def json_body(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method not in _WITH_BODY:
            return await handler(request)
        body = await request.read()  # aiohttp keeps it: a handler reading it again gets these bytes
        if not body:
            return await handler(request)
        with parsed_body(request, parse_json(body, settings)):
            return await handler(request)

    return json_body
