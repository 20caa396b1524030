"""``g4f api``: run the OpenAI-compatible API server."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

__all__ = ["add_arguments", "add_parser", "readiness", "run", "settings"]


def add_parser(commands: Any) -> None:
    api = commands.add_parser("api", help="run the OpenAI-compatible API server (and the web chat at /)")
    api.add_argument("--no-gui", dest="gui", action="store_false",
                     help="serve the API alone, without the web chat at /")
    add_arguments(api)


def add_arguments(api: argparse.ArgumentParser) -> None:
    """The server's options (``g4f gui`` takes the same)."""
    api.add_argument("--host", default=None, help="address to listen on (default: 127.0.0.1)")
    api.add_argument("--port", type=_port, default=None, help="port to listen on (default: 1337; 0: any free port)")
    api.add_argument("--api-key", action="append", default=None,
                     help="require 'Authorization: Bearer <key>'; repeat it for several keys, each with its "
                          "own rate limits (default: $G4F_API_KEY and the comma-separated $G4F_API_KEYS; the "
                          "variables keep the keys out of the process list)")
    api.add_argument("--max-body-size", type=_positive, default=None,
                     help="largest request body in bytes (default: 20 MiB; beyond it: 413)")
    api.add_argument("--no-auth", action="store_true",
                     help="serve a non-loopback --host without an API key (anyone who reaches it spends your "
                          "keys and cookies; without this, such a server refuses to start)")
    api.add_argument("--allowed-host", action="append", type=_host, default=None, metavar="NAME",
                     help="a Host name to answer besides localhost, 127.0.0.1, [::1] and the bound address "
                          "(repeatable; .example.org covers its subdomains, * any name); others get 421")
    api.add_argument("--cors-origin", action="append", type=_origin, default=None, metavar="ORIGIN",
                     help="let web pages of this origin (scheme://host[:port]) call the API, with CORS "
                          "headers (repeatable; * any origin); other cross-origin requests get 403")
    api.add_argument("--max-messages", type=_positive, default=None, metavar="N",
                     help="most items in a request's messages (or input) (default: 2048)")
    api.add_argument("--max-json-depth", type=_positive, default=None, metavar="N",
                     help="deepest nesting of a request body (default: 64)")
    api.add_argument("--max-json-values", type=_positive, default=None, metavar="N",
                     help="most JSON values in a request body (default: 131072)")
    api.add_argument("--max-in-flight", type=_positive, default=None, metavar="N",
                     help="most requests handled at once per process (default: 256; beyond it: 503 with "
                          "Retry-After)")
    api.add_argument("--access-log", action="store_true", help="log every request line")
    api.add_argument("--workers", type=int, default=1, metavar="N",
                     help="worker processes serving the port, each with its own event loop (default: 1; "
                          "Linux and macOS); --redis shares their state")
    api.add_argument("--shutdown-timeout", type=float, default=10.0, metavar="SECONDS",
                     help="on Ctrl+C or SIGTERM, how long running requests may take to finish (default: 10)")
    api.add_argument("--redis", default=None, metavar="URL",
                     help="share provider health, rate limits, credentials (with $G4F_SECRET_KEY) and stores "
                          "with every worker and instance using this Redis: redis://[:password@]host:port/db "
                          "(default: $G4F_REDIS_URL, which keeps the password out of the process list)")
    api.add_argument("--redis-timeout", type=float, default=None, metavar="SECONDS",
                     help="how long a Redis call may take before a worker carries on with its own state "
                          "(default: 0.5)")
    api.add_argument("--rate-limit", type=_rate, default=None, metavar="RATE",
                     help="requests per API key, e.g. 60/min (beyond it: 429 with Retry-After)")
    api.add_argument("--token-limit", type=_rate, default=None, metavar="RATE",
                     help="tokens per API key, as the answers' usage reports them, e.g. 10000/min")
    api.add_argument("--history-entries", type=_count, default=None, metavar="N",
                     help="exchanges remembered to continue a provider's conversation when a client resends "
                          "the history (per API key; shared with --redis) (default: 10000; 0: never)")
    api.add_argument("--history-ttl", type=_seconds, default=None, metavar="SECONDS",
                     help="how long an exchange is remembered (default: 86400)")
    api.add_argument("--tool-call-repeats", type=_positive, default=None, metavar="N",
                     help="tool calling through the prompt (Grok): the same call at most N times in a "
                          "conversation, then an error stops the loop (default: 3)")


def _whole_number(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse ``type=`` for a whole number in ``[minimum, maximum]``, refusing in one line."""

    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if maximum is not None and not minimum <= number <= maximum:
            raise argparse.ArgumentTypeError(f"must be between {minimum} and {maximum}, not {number}")
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {number}")
        return number

    return parse


_port = _whole_number(0, 65535)
_positive = _whole_number(1)
_count = _whole_number(0)


def _seconds(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not number >= 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, not {text}")
    return number


def _host(text: str) -> str:
    name = text.strip()
    if not name or any(char.isspace() or char in "/@?#" for char in name):
        raise argparse.ArgumentTypeError(f"not a host name: {text!r}")
    return name


def _origin(text: str) -> str:
    origin = text.strip().rstrip("/")
    scheme, separator, rest = origin.partition("://")
    valid = origin == "*" or (separator and scheme.lower() in ("http", "https") and rest
                              and not any(char in rest for char in "/?#@ "))
    if not valid:
        raise argparse.ArgumentTypeError(
            f"an origin is scheme://host[:port] (e.g. https://app.example), not {text!r}")
    return origin


def _rate(text: str) -> Any:
    from g4f.shared.limits import RateLimit

    try:
        return RateLimit.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def settings(args: argparse.Namespace, host: str, port: int) -> Any:
    """The ``ServerSettings`` the options say (the environment fills in what they leave out)."""
    from g4f.api import DEFAULT_MAX_BODY_SIZE, ServerSettings

    chosen = ServerSettings(host=host, port=port, access_log=args.access_log, gui=getattr(args, "gui", True),
                            max_body_size=args.max_body_size or DEFAULT_MAX_BODY_SIZE, workers=args.workers,
                            shutdown_timeout=args.shutdown_timeout, rate_limit=args.rate_limit,
                            token_limit=args.token_limit)
    if args.api_key:
        chosen = chosen.with_options(api_keys=tuple(dict.fromkeys(key for key in args.api_key if key)))
    if args.redis:
        chosen = chosen.with_options(redis_url=args.redis)
    if args.redis_timeout is not None:
        chosen = chosen.with_options(redis_timeout=args.redis_timeout)
    limits = {name: getattr(args, name) for name in ("max_messages", "max_json_depth", "max_json_values",
                                                     "max_in_flight", "history_entries", "history_ttl",
                                                     "tool_call_repeats") if getattr(args, name, None) is not None}
    return chosen.with_options(allowed_hosts=tuple(args.allowed_host or ()),
                               cors_origins=tuple(args.cors_origin or ()), no_auth=args.no_auth, **limits)


def readiness() -> str:
    """What the server can answer with, said when ``g4f api`` starts: the providers that have
    credentials, else what would give them some (in the words of whoever starts the server)."""
    from g4f.client.catalog import list_providers
    from g4f.providers.hints import audience
    from g4f.providers.registry import registry

    with audience("server"):
        rows = [row for row in list_providers() if not row.error and row.working]
        ready = [row.label or row.name for row in rows if row.needs_auth and row.credentials]
        keyless = [row.label or row.name for row in rows if not row.needs_auth]
        variables: list[str] = []
        others: list[str] = []
        for row in rows:
            if row.needs_auth and not row.credentials:
                env = getattr(registry.get(row.name), "api_key_env", None)
                if env:
                    variables.append(env)
                else:
                    others.append(f"{row.auth_hint} ({row.label or row.name})")
    local = f"; without any: {_one_of(keyless, 'or')}, if running" if keyless else ""
    if ready:
        return f"g4f: providers with credentials: {', '.join(ready)}{local} (`g4f providers` lists them all)"
    ways = ([f"set {_one_of(variables, 'or')} before starting g4f api"] if variables else []) + others
    enable = "; or ".join(ways) or "install a provider plugin"
    return f"g4f: no provider has credentials yet: {enable}{local} (`g4f providers` lists them all)"


def _one_of(names: list[str], word: str) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {word} {names[-1]}"


def run(args: argparse.Namespace) -> None:
    import logging

    from g4f.api import DEFAULT_HOST, DEFAULT_PORT, serve
    from g4f.errors import G4FError
    from g4f.secrets import install_redacting_filter

    # The server's log goes through these handlers: redacted whichever library logs (not only
    # g4f's and aiohttp's loggers, which are covered from import on).
    install_redacting_filter(*logging.getLogger().handlers)
    host = args.host or DEFAULT_HOST
    port = args.port if args.port is not None else DEFAULT_PORT
    chosen = settings(args, host, port)
    first = readiness()  # before binding: once the port listens, the lines follow at once
    try:
        serve(chosen, banner=first)
    except OSError as exc:
        raise G4FError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
