"""What the API server is configured with: one frozen object, made by the CLI or by code.

Every limit and switch of ``g4f api`` is a field here, so the application, its middlewares and
its workers read one source; ``create_app(api_key=..., max_body_size=...)`` keyword arguments
are shorthands for the fields of the same name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..shared.limits import RateLimit

__all__ = ["DEFAULT_HOST", "DEFAULT_MAX_BODY_SIZE", "DEFAULT_PORT", "ServerSettings"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 1337
#: Request bodies above this many bytes are refused with 413 (images inline as base64 fit).
DEFAULT_MAX_BODY_SIZE = 20 * 1024 * 1024


def _env_keys() -> tuple[str, ...]:
    """``$G4F_API_KEY`` and the comma-separated ``$G4F_API_KEYS``, each once."""
    keys = [os.environ.get("G4F_API_KEY", ""), *os.environ.get("G4F_API_KEYS", "").split(",")]
    return tuple(dict.fromkeys(key.strip() for key in keys if key.strip()))


def _env(name: str) -> str | None:
    return os.environ.get(name) or None


@dataclass(frozen=True)
class ServerSettings:
    """The API server's configuration (see ``g4f api --help`` for each option)."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    #: Keys a request may present (``Authorization: Bearer <key>``); empty: no key needed.
    api_keys: tuple[str, ...] = field(default_factory=_env_keys)
    max_body_size: int = DEFAULT_MAX_BODY_SIZE
    shutdown_timeout: float = 10.0
    access_log: bool = False
    #: Serve the web chat at ``/`` (``g4f api --no-gui``: the API alone).
    gui: bool = True
    #: Worker processes serving the port, each with its own event loop (``--workers``).
    workers: int = 1
    #: Where shared state goes (``--redis`` / ``$G4F_REDIS_URL``); None: each process keeps its own.
    redis_url: str | None = field(default_factory=lambda: _env("G4F_REDIS_URL"), repr=False)
    #: Seconds a Redis call may take before the worker carries on with local state.
    redis_timeout: float = 0.25
    #: Encrypts the credentials shared through Redis (``$G4F_SECRET_KEY``); None: not shared.
    secret_key: str | None = field(default_factory=lambda: _env("G4F_SECRET_KEY"), repr=False)
    #: Requests per API key (``--rate-limit 60/min``) and tokens per API key (``--token-limit``).
    rate_limit: RateLimit | None = None
    token_limit: RateLimit | None = None

    def with_options(self, **options: Any) -> ServerSettings:
        """A copy with the given fields changed; ``api_key=`` sets a single key (None: keep)."""
        if "api_key" in options:
            key = options.pop("api_key")
            if key is not None:
                options["api_keys"] = (key,) if key else ()
        return replace(self, **options)
