"""Run the API server until Ctrl+C or SIGTERM, then shut down gracefully.

On a signal the server stops accepting connections, gives running requests ``shutdown_timeout``
seconds to finish, runs the application's cleanup (which closes g4f's HTTP sessions) and
returns.
"""

from __future__ import annotations

import sys
from typing import Any

from aiohttp import web

from .app import create_app
from .settings import DEFAULT_HOST, DEFAULT_MAX_BODY_SIZE, DEFAULT_PORT, ServerSettings

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "run_api", "serve"]


def run_api(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    api_key: str | None = None,
    max_body_size: int = DEFAULT_MAX_BODY_SIZE,
    shutdown_timeout: float = 10.0,
    access_log: bool = False,
) -> None:
    """Serve the OpenAI-compatible API on ``host:port`` (blocking)."""
    settings = ServerSettings(host=host, port=port, max_body_size=max_body_size,
                              shutdown_timeout=shutdown_timeout, access_log=access_log)
    serve(settings.with_options(api_key=api_key))


def serve(settings: ServerSettings) -> None:
    """Serve the API as ``settings`` say (blocking)."""
    app = create_app(settings)
    host, port = settings.host, settings.port

    def announce(_: Any) -> None:
        shown = f"[{host}]" if ":" in host else host
        auth = "; requests need 'Authorization: Bearer <key>'" if settings.api_keys else ""
        print(f"g4f API on http://{shown}:{port}/v1{auth} (Ctrl+C to stop)", file=sys.stderr, flush=True)

    kwargs: dict[str, Any] = {} if settings.access_log else {"access_log": None}
    # handler_cancellation: a client that goes away cancels its request at once, which closes the
    # upstream stream instead of letting it run to its end (or its read timeout) for nobody.
    web.run_app(app, host=host, port=port, print=announce, shutdown_timeout=settings.shutdown_timeout,
                handle_signals=True, handler_cancellation=True, **kwargs)
