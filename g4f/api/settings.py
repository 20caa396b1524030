"""What the API server is configured with: one frozen object, made by the CLI or by code.

Every limit and switch of ``g4f api`` is a field here, so the application, its middlewares and
its workers read one source; ``create_app(api_key=..., max_body_size=...)`` keyword arguments
are shorthands for the fields of the same name.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..shared.limits import RateLimit

__all__ = ["DEFAULT_HOST", "DEFAULT_MAX_BODY_SIZE", "DEFAULT_MAX_IN_FLIGHT", "DEFAULT_MAX_JSON_DEPTH",
           "DEFAULT_MAX_JSON_VALUES", "DEFAULT_MAX_MESSAGES", "DEFAULT_PORT", "ServerSettings", "is_loopback"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 1337
#: Request bodies above this many bytes are refused with 413 (images inline as base64 fit).
DEFAULT_MAX_BODY_SIZE = 20 * 1024 * 1024
#: Bounded work per request (see docs/security.md): items of ``messages`` (or ``input``), JSON
#: nesting, JSON values in a body, and requests handled at once (beyond it: 503 + Retry-After).
DEFAULT_MAX_MESSAGES = 2048
DEFAULT_MAX_JSON_DEPTH = 64
DEFAULT_MAX_JSON_VALUES = 131_072
DEFAULT_MAX_IN_FLIGHT = 256
#: Conversations from history and the tool loop guard (the library's own defaults).
DEFAULT_HISTORY_ENTRIES = 10_000
DEFAULT_HISTORY_TTL = 86_400.0
DEFAULT_TOOL_CALL_REPEATS = 3


def _env_keys() -> tuple[str, ...]:
    """``$G4F_API_KEY`` and the comma-separated ``$G4F_API_KEYS``, each once."""
    keys = [os.environ.get("G4F_API_KEY", ""), *os.environ.get("G4F_API_KEYS", "").split(",")]
    return tuple(dict.fromkeys(key.strip() for key in keys if key.strip()))


def _env(name: str) -> str | None:
    return os.environ.get(name) or None


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` serves this machine alone: ``localhost`` or a loopback address.

    Other names are not resolved: a name is taken as reachable by others (the safe answer).
    """
    name = host.strip().strip("[]")
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServerSettings:
    """The API server's configuration (see ``g4f api --help`` for each option)."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    #: Keys a request may present (``Authorization: Bearer <key>``); empty: no key needed.
    api_keys: tuple[str, ...] = field(default_factory=_env_keys, repr=False)
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
    redis_timeout: float = 0.5
    #: Encrypts the credentials shared through Redis (``$G4F_SECRET_KEY``); None: not shared.
    secret_key: str | None = field(default_factory=lambda: _env("G4F_SECRET_KEY"), repr=False)
    #: Requests per API key (``--rate-limit 60/min``) and tokens per API key (``--token-limit``).
    rate_limit: RateLimit | None = None
    token_limit: RateLimit | None = None
    #: Host names answered besides the bound address and loopback (``--allowed-host``; ``.example.org``
    #: also covers its subdomains, ``*`` any name); a request for another Host gets 421.
    allowed_hosts: tuple[str, ...] = ()
    #: Origins whose pages may call the API (``--cors-origin``, ``*`` any); others get 403.
    cors_origins: tuple[str, ...] = ()
    #: Serve a non-loopback address without an API key (``--no-auth``; a warning says so).
    no_auth: bool = False
    max_messages: int = DEFAULT_MAX_MESSAGES
    max_json_depth: int = DEFAULT_MAX_JSON_DEPTH
    max_json_values: int = DEFAULT_MAX_JSON_VALUES
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT
    #: Conversations recovered from the history clients resend: exchanges remembered at most
    #: (``--history-entries``; 0: none) and for how many seconds (``--history-ttl``).
    history_entries: int = DEFAULT_HISTORY_ENTRIES
    history_ttl: float = DEFAULT_HISTORY_TTL
    #: The loop guard of tool calling through the prompt: the same call at most this many times
    #: in a conversation (``--tool-call-repeats``).
    tool_call_repeats: int = DEFAULT_TOOL_CALL_REPEATS

    def with_options(self, **options: Any) -> ServerSettings:
        """A copy with the given fields changed; ``api_key=`` sets a single key (None: keep)."""
        if "api_key" in options:
            key = options.pop("api_key")
            if key is not None:
                options["api_keys"] = (key,) if key else ()
        return replace(self, **options)

    def check(self) -> list[str]:
        """Refuse settings that cannot be served safely (``G4FError``, one line); return warnings.

        A non-loopback address needs an API key: the server spends its owner's keys and cookies
        for whoever reaches it. ``no_auth`` serves it anyway, with a warning.
        """
        from ..errors import G4FError

        if not 0 <= self.port < 65536:  # 0: any free port (the announced line says which)
            raise G4FError(f"the port must be between 0 and 65535, not {self.port}")
        for name in ("max_body_size", "max_messages", "max_json_depth", "max_json_values", "max_in_flight",
                     "tool_call_repeats"):
            if getattr(self, name) < 1:
                raise G4FError(f"{name} must be at least 1, not {getattr(self, name)}")
        for name in ("history_entries", "history_ttl"):
            if getattr(self, name) < 0:
                raise G4FError(f"{name} must be at least 0 (0: no conversations recovered), not {getattr(self, name)}")
        warnings = []
        if not is_loopback(self.host) and not self.api_keys:
            if not self.no_auth:
                raise G4FError(
                    f"refusing to serve {self.host or 'every address'} without an API key (anyone who reaches "
                    f"it would spend your keys and cookies): set one with --api-key or G4F_API_KEY, "
                    f"or pass --no-auth to serve it open anyway")
            warnings.append(f"serving {self.host or 'every address'} without an API key (--no-auth): "
                            f"anyone who reaches it spends your keys and cookies")
        if self.host.strip("[]") in ("", "0.0.0.0", "::") and not self.allowed_hosts:
            warnings.append("only requests for localhost and loopback addresses are answered: add "
                            "--allowed-host NAME for each name or address clients use to reach this machine")
        return warnings
