"""The web chat: ``g4f api`` serves the static page of ``g4f/gui/`` at ``/``.

The page is plain files (HTML, one CSS file, JavaScript modules, the vendored ``marked`` and
``DOMPurify``) that talk to this server's own ``/v1`` routes with relative URLs. This module
only serves them, safely:

* a strict Content-Security-Policy: scripts, styles and connections from this origin only, no
  inline script, no ``eval``, no plugins, no frames, ``frame-ancestors 'none'``, and Trusted
  Types (only DOMPurify may turn text into HTML). Images may come from ``https:`` besides: the
  providers' generated images live on their own hosts (``assets.grok.com``); the page shows only
  the images a provider sent as images, never ones a model merely wrote into its text;
* ``X-Content-Type-Options: nosniff`` and a fixed content type per file;
* only the files that are in ``g4f/gui/`` when they are first asked for, looked up by name in
  that list (no path from a request ever reaches the file system);
* ``Cache-Control: no-cache`` with a content hash as ETag: a browser revalidates (a 304 costs
  nothing on loopback) and never keeps the page of an older g4f after an upgrade.

The files hold no secrets, so they are served without the API key (:func:`public_gui` lets them
past the key check): the page must load to ask its user for the key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from .errors import ApiError

__all__ = ["CONTENT_SECURITY_POLICY", "GUI_DIR", "SECURITY_HEADERS", "add_gui", "public_gui"]

#: Where the page's files are (shipped as package data).
GUI_DIR = Path(__file__).resolve().parent.parent / "gui"
#: The URL prefix of every file but the page itself (``/``).
PREFIX = "/gui/"

#: The page's Content-Security-Policy, one directive a line.
CSP_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data: blob: https:",
    "font-src 'self'",
    "media-src 'none'",
    "object-src 'none'",
    "frame-src 'none'",
    "worker-src 'none'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types dompurify",
)
CONTENT_SECURITY_POLICY = "; ".join(CSP_DIRECTIVES)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".json": "application/json",
    ".md": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


@dataclass(frozen=True)
class _Asset:
    body: bytes
    content_type: str
    etag: str


@cache
def _assets(root: Path) -> dict[str, _Asset]:
    """Every servable file under ``root`` by its path relative to it (read once, on first use)."""
    found: dict[str, _Asset] = {}
    for path in sorted(root.rglob("*")):
        content_type = _TYPES.get(path.suffix)
        if content_type is None or not path.is_file() or path.is_symlink():
            continue
        body = path.read_bytes()
        found[path.relative_to(root).as_posix()] = _Asset(
            body, content_type, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')
    return found


def _answer(request: web.Request, name: str) -> web.Response:
    asset = _assets(GUI_DIR).get(name)
    if asset is None:
        if name == "index.html":
            raise ApiError(404, "the web chat's files are not installed (g4f/gui/ is missing); "
                           "reinstall g4f, or use the API at /v1", code="not_found")
        raise ApiError(404, f"no such file: {PREFIX}{name}", code="not_found")
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-cache", "ETag": asset.etag}
    if asset.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    headers["Content-Type"] = asset.content_type
    return web.Response(body=asset.body, headers=headers)


async def index(request: web.Request) -> web.Response:
    return _answer(request, "index.html")


async def asset(request: web.Request) -> web.Response:
    return _answer(request, request.match_info["name"])


_HANDLERS = frozenset({index, asset})


def add_gui(app: web.Application) -> None:
    """Serve the page at ``/`` and its files at ``/gui/...`` (GET and HEAD)."""
    app.router.add_get("/", index)
    app.router.add_get(PREFIX + "{name:.+}", asset)


def public_gui(middleware: Middleware) -> Middleware:
    """``middleware`` for every request but the page's own files.

    The route a request matched decides (aiohttp resolves it before the middlewares run), not
    its path, so no spelling of a path reaches an API route without the check.
    """

    @web.middleware
    async def unless_gui(request: web.Request, handler: Handler) -> web.StreamResponse:
        route = request.match_info.route
        if getattr(route, "handler", None) in _HANDLERS and request.method in ("GET", "HEAD"):
            return await handler(request)
        return await middleware(request, handler)

    return unless_gui
