"""The web chat: ``g4f api`` serves the static page of ``g4f/gui/`` at ``/``.

The page is plain files (HTML, one CSS file, JavaScript modules, the vendored ``marked`` and
``DOMPurify``) that talk to this server's own ``/v1`` routes with relative URLs. This module
only serves them, safely:

* a strict Content-Security-Policy: scripts, styles and connections from this origin only, no
  inline script, no ``eval``, no plugins, no frames, ``frame-ancestors 'none'``, and Trusted
  Types (only DOMPurify may turn text into HTML). Images too come from this origin only (and
  ``data:``/``blob:``): a provider's generated images live on its own host (``assets.grok.com``,
  which wants the login's cookies), so the page asks ``GET /v1/gui/image`` for them and the
  server fetches them (:func:`provider_image`). The page shows only the images a provider sent
  as images, never ones a model merely wrote into its text;
* ``X-Content-Type-Options: nosniff`` and a fixed content type per file;
* only the files that are in ``g4f/gui/`` when they are first asked for, looked up by name in
  that list (no path from a request ever reaches the file system);
* ``Cache-Control: no-cache`` with a content hash as ETag: a browser revalidates (a 304 costs
  nothing on loopback) and never keeps the page of an older g4f after an upgrade.

The files hold no secrets, so they are served without the API key (:func:`public_gui` lets them
past the key check): the page must load to ask its user for the key. ``/v1/gui/image`` is an API
route like the others (the key, Host and Origin checks apply; the page sends the key).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from .errors import ApiError

__all__ = ["CONTENT_SECURITY_POLICY", "GUI_DIR", "IMAGE_PATH", "SECURITY_HEADERS", "add_gui", "provider_image",
           "public_gui"]

#: Where the page's files are (shipped as package data).
GUI_DIR = Path(__file__).resolve().parent.parent / "gui"
#: The URL prefix of every file but the page itself (``/``).
PREFIX = "/gui/"
#: Where the page gets a provider's generated image (``?provider=Grok&url=https://...``).
IMAGE_PATH = "/v1/gui/image"

#: The page's Content-Security-Policy, one directive a line.
CSP_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data: blob:",
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

#: What an image starts with, and its type: the upstream's Content-Type is not believed.
_IMAGE_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"GIF87a", "image/gif"),
                (b"GIF89a", "image/gif"))
#: The longest image address taken.
MAX_IMAGE_URL = 4096


def _image_type(body: bytes) -> str | None:
    for magic, content_type in _IMAGE_MAGIC:
        if body.startswith(magic):
            return content_type
    if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return "image/webp"
    if body[4:12] in (b"ftypavif", b"ftypavis"):
        return "image/avif"
    return None


async def provider_image(request: web.Request) -> web.Response:
    """``GET /v1/gui/image?provider=Grok&url=...``: an image a provider made, fetched by the
    server with the provider's credentials (:func:`g4f.client.images.fetch_image`: from the
    provider's own hosts only, bounded in size) and answered only if it is an image."""
    from ..client.images import fetch_image
    from ..providers.resolve import resolve_provider
    from ..providers.types import provider_name

    name, url = request.query.get("provider", ""), request.query.get("url", "")
    if not name or len(name) > 100:
        raise ApiError(400, "provider: must be the name of the provider that made the image", param="provider")
    if not url.startswith(("https://", "http://")) or len(url) > MAX_IMAGE_URL:
        raise ApiError(400, f"url: must be an http(s) address of at most {MAX_IMAGE_URL} characters", param="url")
    provider = resolve_provider(name)  # ProviderNotFoundError: a 404 naming it
    label = provider_name(provider)
    if not getattr(provider, "supports_images", False):
        raise ApiError(400, f"{label} makes no images", param="provider")
    body = await fetch_image(provider, url)
    content_type = _image_type(body)
    if content_type is None:
        raise ApiError(502, f"{label}: the image's address answered with something that is not an image",
                       "upstream_error", "not_an_image")
    headers = {**SECURITY_HEADERS, "Content-Security-Policy": "default-src 'none'; sandbox",
               "Content-Type": content_type, "Cache-Control": "private, max-age=86400"}
    return web.Response(body=body, headers=headers)


def add_gui(app: web.Application) -> None:
    """Serve the page at ``/``, its files at ``/gui/...`` (GET and HEAD) and providers' images
    at :data:`IMAGE_PATH`."""
    app.router.add_get("/", index)
    app.router.add_get(PREFIX + "{name:.+}", asset)
    app.router.add_get(IMAGE_PATH, provider_image)


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
