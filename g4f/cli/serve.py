"""``g4f api``: run the OpenAI-compatible API server."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_arguments", "add_parser", "run", "settings"]


def add_parser(commands: Any) -> None:
    api = commands.add_parser("api", help="run the OpenAI-compatible API server (and the web chat at /)")
    api.add_argument("--no-gui", dest="gui", action="store_false",
                     help="serve the API alone, without the web chat at /")
    add_arguments(api)


def add_arguments(api: argparse.ArgumentParser) -> None:
    """The server's options (``g4f gui`` takes the same)."""
    api.add_argument("--host", default=None, help="address to listen on (default: 127.0.0.1)")
    api.add_argument("--port", type=int, default=None, help="port to listen on (default: 1337)")
    api.add_argument("--api-key", action="append", default=None,
                     help="require 'Authorization: Bearer <key>'; repeat it for several keys, each with its "
                          "own rate limits (default: $G4F_API_KEY and the comma-separated $G4F_API_KEYS; the "
                          "variables keep the keys out of the process list)")
    api.add_argument("--max-body-size", type=int, default=None, help="largest request body in bytes")
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
    api.add_argument("--rate-limit", type=_rate, default=None, metavar="RATE",
                     help="requests per API key, e.g. 60/min (beyond it: 429 with Retry-After)")
    api.add_argument("--token-limit", type=_rate, default=None, metavar="RATE",
                     help="tokens per API key, as the answers' usage reports them, e.g. 10000/min")


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
    return chosen


def run(args: argparse.Namespace) -> None:
    from g4f.api import DEFAULT_HOST, DEFAULT_PORT, serve
    from g4f.errors import G4FError

    host = args.host or DEFAULT_HOST
    port = args.port if args.port is not None else DEFAULT_PORT
    try:
        serve(settings(args, host, port))
    except OSError as exc:
        raise G4FError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
