"""Cross-origin requests are refused unless their origin is allowed (CSRF).

Any web page can make the owner's browser send requests to the server: a "simple" POST
(``text/plain``, no preflight) or a GET from an ``<img>``. Browsers say where a request comes
from: ``Origin`` (every cross-origin POST and every ``fetch``) and ``Sec-Fetch-Site``. So:

* no ``Origin`` and no cross-site ``Sec-Fetch-Site``: not a page's request (the openai SDK,
  curl, a link the user follows): served;
* ``Origin`` equal to the scheme and ``Host`` of the request (the web chat this server serves
  at ``/``; the Host is checked before, by the allow-list): same-origin, served;
* an origin given with ``--cors-origin`` (``*``: any): served with CORS headers, and its
  preflight ``OPTIONS`` answered;
* anything else: 403, and no CORS headers, so the page cannot read even that.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from ..errors import ApiError
from ..settings import ServerSettings

__all__ = ["OriginRule", "add_cors_headers", "normalize_origin", "origin_middleware"]

ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
#: Seconds a browser may cache a preflight answer.
MAX_AGE = 600
_NAVIGATION = frozenset({"GET", "HEAD"})


def normalize_origin(origin: str) -> str:
    """``scheme://host[:port]`` as browsers send it: lower case, no trailing slash."""
    return origin.strip().rstrip("/").lower()


class OriginRule:
    """Which cross-origin pages may call the API."""

    def __init__(self, origins: Iterable[str]) -> None:
        normalized = {normalize_origin(origin) for origin in origins}
        self.any = "*" in normalized
        self.origins = frozenset(normalized - {"*"})

    def allows(self, origin: str) -> bool:
        return self.any or normalize_origin(origin) in self.origins

    def allow_origin_header(self, origin: str) -> str:
        return "*" if self.any else origin


def _same_origin(request: web.BaseRequest, origin: str) -> bool:
    host = request.headers.get("Host", "")
    return bool(host) and normalize_origin(origin) == f"{request.scheme}://{host}".lower()


def _refused(what: str) -> ApiError:
    return ApiError(403, f"cross-origin requests from {what} are not allowed: start the server with "
                         f"--cors-origin ORIGIN to let a page of that origin call the API",
                    "invalid_request_error", "origin_not_allowed")


def origin_middleware(settings: ServerSettings) -> Middleware:
    rule = OriginRule(settings.cors_origins)

    @web.middleware
    async def origin_check(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is None:
            site = request.headers.get("Sec-Fetch-Site")
            navigation = request.method in _NAVIGATION and request.headers.get("Sec-Fetch-Mode") == "navigate"
            if site in ("cross-site", "same-site") and not navigation and not rule.any:
                raise _refused(f"another site (Sec-Fetch-Site: {site})")
            return await handler(request)
        if _same_origin(request, origin):
            return await handler(request)
        if not rule.allows(origin):
            raise _refused(repr(origin[:200]))
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            return _preflight(request, rule, origin)
        return await handler(request)

    return origin_check


def _preflight(request: web.Request, rule: OriginRule, origin: str) -> web.Response:
    requested = request.headers.get("Access-Control-Request-Headers", "")
    # Header names are tokens; anything else in the list is dropped rather than echoed.
    names = [name.strip() for name in requested.split(",")]
    allowed = ", ".join(name for name in names if name and name.replace("-", "").replace("_", "").isalnum())
    headers = {
        "Access-Control-Allow-Origin": rule.allow_origin_header(origin),
        "Access-Control-Allow-Methods": ALLOWED_METHODS,
        "Access-Control-Max-Age": str(MAX_AGE),
        "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    }
    if allowed:
        headers["Access-Control-Allow-Headers"] = allowed
    return web.Response(status=204, headers=headers)


def add_cors_headers(app: web.Application, settings: ServerSettings) -> None:
    """Give every answer to an allowed origin its CORS headers, streamed ones included (their
    headers leave before the handler returns, so a middleware would be too late)."""
    rule = OriginRule(settings.cors_origins)
    if not rule.any and not rule.origins:
        return

    async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
        origin = request.headers.get("Origin")
        if origin is None or not rule.allows(origin) or _same_origin(request, origin):
            return
        response.headers["Access-Control-Allow-Origin"] = rule.allow_origin_header(origin)
        response.headers["Access-Control-Expose-Headers"] = "*"
        vary = response.headers.get("Vary")
        response.headers["Vary"] = f"{vary}, Origin" if vary and "origin" not in vary.lower() else "Origin"

    app.on_response_prepare.append(on_prepare)
