"""``g4f login <provider>``: log in (in a browser) and cache the credentials."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    login = commands.add_parser("login", help="log in to a provider and cache the credentials")
    login.add_argument("provider", help="provider name, e.g. grok")


def run(args: argparse.Namespace) -> None:
    from g4f.providers.hints import audience

    with audience("cli"):  # "set GROQ_API_KEY ... or pass --api-key", not a Python argument
        asyncio.run(_login(args.provider))


async def _login(name: str) -> None:
    from g4f.errors import MissingAuthError
    from g4f.providers.registry import registry
    from g4f.providers.response import AuthResult, RequestLogin

    provider: Any = registry.get(name)
    if not hasattr(provider, "authenticate"):
        raise MissingAuthError(f"{provider.get_name()} has no login; {provider.credential_hint()}")
    result: AuthResult | None = None
    async for item in provider.authenticate():
        if isinstance(item, RequestLogin):
            where = f" ({item.login_url})" if item.login_url else ""
            print(f"Log in to {item.label} in the browser window{where}...", file=sys.stderr, flush=True)
        elif isinstance(item, AuthResult):
            result = item
    if result is None:  # pragma: no cover - authenticate() raises MissingAuthError instead
        raise MissingAuthError(f"{provider.get_name()}: the login gave no credentials")
    print(f"Logged in to {provider.get_label()}; credentials saved in {provider.auth_cache().path}")
