"""``g4f api``: run the OpenAI-compatible API server."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    api = commands.add_parser("api", help="run the OpenAI-compatible API server")
    api.add_argument("--host", default=None, help="address to listen on (default: 127.0.0.1)")
    api.add_argument("--port", type=int, default=None, help="port to listen on (default: 1337)")
    api.add_argument("--api-key", default=None,
                     help="require 'Authorization: Bearer <key>' (default: $G4F_API_KEY; the variable "
                          "keeps the key out of the process list)")
    api.add_argument("--max-body-size", type=int, default=None, help="largest request body in bytes")
    api.add_argument("--access-log", action="store_true", help="log every request line")


def run(args: argparse.Namespace) -> None:
    from g4f.api import DEFAULT_HOST, DEFAULT_MAX_BODY_SIZE, DEFAULT_PORT, run_api
    from g4f.errors import G4FError

    host = args.host or DEFAULT_HOST
    port = args.port if args.port is not None else DEFAULT_PORT
    try:
        run_api(host, port, api_key=args.api_key, access_log=args.access_log,
                max_body_size=args.max_body_size or DEFAULT_MAX_BODY_SIZE)
    except OSError as exc:
        raise G4FError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
