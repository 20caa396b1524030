"""The aiohttp application: the routes, the middlewares in order, and cleanup."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from ..secrets import register_secrets
from .anthropic_messages import routes as messages_routes
from .gui import add_gui, public_gui
from .images import routes as images_routes
from .middleware.auth import auth_middleware
from .middleware.content_type import content_type_middleware
from .middleware.conversations import install_conversations
from .middleware.errors import errors_middleware
from .middleware.hosts import hosts_middleware
from .middleware.json_body import json_body_middleware
from .middleware.limits import in_flight_middleware
from .middleware.origin import add_cors_headers, origin_middleware
from .middleware.ratelimit import install_rate_limits
from .openai_responses import routes as responses_routes
from .routes import routes
from .settings import DEFAULT_MAX_BODY_SIZE, ServerSettings

__all__ = ["DEFAULT_MAX_BODY_SIZE", "SETTINGS_KEY", "create_app"]

logger = logging.getLogger("g4f")

#: The application's :class:`ServerSettings` (``request.app[SETTINGS_KEY]``).
SETTINGS_KEY = web.AppKey("g4f_settings", ServerSettings)


async def _close_sessions(app: web.Application) -> None:
    from ..requests import aclose

    await aclose()


def create_app(settings: ServerSettings | None = None, **options: Any) -> web.Application:
    """The API server's application.

    ``settings`` (default: ``ServerSettings()``, which reads ``$G4F_API_KEY``) says what it
    allows; keyword arguments change single fields (``api_key="..."``, ``max_body_size=...``).
    With API keys set, every request needs ``Authorization: Bearer <key>``; keys are compared in
    constant time and never logged.
    """
    settings = (settings or ServerSettings()).with_options(**options)
    register_secrets(settings.api_keys)
    middlewares = [
        errors_middleware(settings.max_body_size),
        hosts_middleware(settings),  # DNS rebinding: 421 for a Host this server is not
        origin_middleware(settings),  # CSRF: cross-origin only from --cors-origin (and preflights)
        content_type_middleware(),  # 415 for a body that is not application/json
        in_flight_middleware(settings.max_in_flight),  # 503 + Retry-After beyond --max-in-flight
    ]
    if settings.api_keys:
        auth = auth_middleware(settings.api_keys)
        middlewares.append(public_gui(auth) if settings.gui else auth)  # the page loads, then asks for the key
    app = web.Application(middlewares=middlewares, client_max_size=settings.max_body_size)
    app[SETTINGS_KEY] = settings
    app.add_routes(routes)
    for more in (responses_routes, messages_routes, images_routes):  # /v1/responses, /v1/messages, images
        app.add_routes(more)
    if settings.gui:
        add_gui(app)  # the web chat at /
    app.on_cleanup.append(_close_sessions)
    install_rate_limits(app, settings)  # --rate-limit / --token-limit, per API key
    install_conversations(app, settings)  # history recovered per API key; --history-*, --tool-call-repeats
    # innermost: a body is measured and parsed only for a request that passed every check above
    app.middlewares.append(json_body_middleware(settings))
    add_cors_headers(app, settings)
    if settings.redis_url:  # --redis: each worker shares its state from startup to cleanup
        from ..shared.state import cleanup_context

        app.cleanup_ctx.append(cleanup_context(settings.redis_url, timeout=settings.redis_timeout,
                                               secret_key=settings.secret_key))
    return app
