"""At most ``max_in_flight`` requests are handled at once; beyond it, 503 with ``Retry-After``.

A request holds memory (its body, the upstream's answer) and an upstream connection until it
ends; streamed answers count until their last event. The openai SDK retries a 503 after the
``Retry-After`` it names. The count is per process (each ``--workers`` process has its own).
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from ..errors import ApiError

__all__ = ["RETRY_AFTER", "in_flight_middleware"]

#: Seconds a refused client is asked to wait.
RETRY_AFTER = 1


def in_flight_middleware(limit: int) -> Middleware:
    running = 0

    @web.middleware
    async def in_flight(request: web.Request, handler: Handler) -> web.StreamResponse:
        nonlocal running
        if running >= limit:
            raise ApiError(503, f"the server is handling {limit} requests, its limit (--max-in-flight); "
                                f"retry in {RETRY_AFTER} s", "server_error", "server_overloaded",
                           headers={"Retry-After": str(RETRY_AFTER)})
        running += 1
        try:
            return await handler(request)
        finally:
            running -= 1

    return in_flight
