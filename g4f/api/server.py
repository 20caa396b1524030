"""Run the API server until Ctrl+C or SIGTERM, then shut down gracefully.

:func:`serve` checks the settings, binds the port once and serves it, in this process or, with
``workers > 1``, in that many worker processes (:mod:`g4f.api.workers`). On a signal the server
stops accepting connections, gives running requests ``shutdown_timeout`` seconds to finish, runs
the application's cleanup (which closes g4f's HTTP sessions and the Redis connection) and
returns.
"""

from __future__ import annotations

import logging
import os
import sys

from .settings import DEFAULT_HOST, DEFAULT_MAX_BODY_SIZE, DEFAULT_PORT, ServerSettings
from .workers import Supervisor, bind, run_worker

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "check_settings", "run_api", "serve"]

logger = logging.getLogger("g4f")


def run_api(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    api_key: str | None = None,
    max_body_size: int = DEFAULT_MAX_BODY_SIZE,
    shutdown_timeout: float = 10.0,
    access_log: bool = False,
    gui: bool = True,
) -> None:
    """Serve the OpenAI-compatible API on ``host:port`` (blocking); ``gui``: and the web chat at ``/``."""
    settings = ServerSettings(host=host, port=port, max_body_size=max_body_size,
                              shutdown_timeout=shutdown_timeout, access_log=access_log, gui=gui)
    serve(settings.with_options(api_key=api_key))


def check_settings(settings: ServerSettings) -> None:
    """Refuse what cannot work before anything starts, each in one line (a G4FError).

    With ``redis_url`` the ``redis`` package is imported here (once, in the parent: its workers
    inherit it), and with a secret key ``cryptography`` too; without ``redis_url`` neither is.
    """
    from ..errors import G4FError

    for warning in settings.check():  # refuses what cannot be served safely (a public address, no key)
        logger.warning("g4f api: %s", warning)
    if settings.workers < 1:
        raise G4FError(f"--workers must be at least 1, not {settings.workers}")
    if settings.workers > 1 and not hasattr(os, "fork"):
        raise G4FError("--workers needs fork (Linux, macOS); on this system run one g4f api per port instead")
    if settings.shutdown_timeout < 0:
        raise G4FError("--shutdown-timeout must not be negative")
    if not settings.redis_timeout > 0:
        raise G4FError("--redis-timeout must be a positive number of seconds")
    if settings.redis_url:
        from ..shared.crypto import Sealer
        from ..shared.redis_link import check_url, require_redis

        check_url(settings.redis_url)
        require_redis()
        if settings.secret_key:
            Sealer(settings.secret_key)  # checks the key's length and that cryptography is installed
        else:
            logger.warning("g4f api: credentials are not shared through Redis: set G4F_SECRET_KEY (the same on "
                           "every instance) to share them, sealed")
    elif settings.workers > 1 and (settings.rate_limit or settings.token_limit):
        logger.warning("g4f api: without --redis each of the %d workers counts its own rate limits (up to %d "
                       "times the limit in all); add --redis URL to share them", settings.workers,
                       settings.workers)


def _announce(settings: ServerSettings, port: int, first: str | None = None) -> None:
    if first:  # e.g. g4f api's line saying which providers can answer
        print(first, file=sys.stderr, flush=True)
    host = settings.host
    shown = f"[{host}]" if ":" in host else host
    auth = "; requests need 'Authorization: Bearer <key>'" if settings.api_keys else ""
    workers = f"; {settings.workers} workers" if settings.workers > 1 else ""
    if settings.gui:
        print(f"g4f web chat on http://{shown}:{port}/ (open it in a browser)", file=sys.stderr, flush=True)
    print(f"g4f API on http://{shown}:{port}/v1{auth}{workers} (Ctrl+C to stop)", file=sys.stderr, flush=True)


def serve(settings: ServerSettings, banner: str | None = None) -> None:
    """Serve the API as ``settings`` say (blocking); raises OSError when the port cannot be bound.

    ``banner``: a line printed first once the port is bound (not by a server that cannot start).
    """
    check_settings(settings)
    sockets = bind(settings.host, settings.port)
    try:
        _announce(settings, sockets[0].getsockname()[1], banner)
        if settings.workers > 1:
            Supervisor(settings, sockets).run()
        else:
            run_worker(settings, sockets)
    finally:
        for sock in sockets:
            sock.close()
