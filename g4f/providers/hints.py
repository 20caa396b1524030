"""Credential hints in the words of the door a call came through.

The same ``MissingAuthError`` is raised whichever door a call used, but what its reader can do
about it differs: a Python caller passes ``api_key=``, a command-line user ``--api-key`` or
``--cookies-file``, a client of the API server sends ``"api_key"`` in the request (and cannot
give the server cookies at all). The door says who reads (:func:`audience`, a context variable,
so it follows the call into its tasks) and every hint names what that reader can type.
Environment variables and ``g4f login`` are named to every reader: they work wherever g4f runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Literal

__all__ = ["Audience", "audience", "cookie_hint", "current_audience", "key_hint"]

#: ``python`` (the library, the default), ``cli`` (the ``g4f`` command), ``api`` (the API server's
#: clients), ``server`` (whoever starts ``g4f api``, at its terminal: no per-request options).
Audience = Literal["python", "cli", "api", "server"]

_audience: ContextVar[Audience] = ContextVar("g4f_hint_audience", default="python")


@contextlib.contextmanager
def audience(reader: Audience) -> Iterator[None]:
    """Inside the block, hints are written for ``reader``."""
    token = _audience.set(reader)
    try:
        yield
    finally:
        _audience.reset(token)


def current_audience() -> Audience:
    return _audience.get()


def key_hint(env: str | None, login_url: str | None = None) -> str:
    """How to give a provider its API key: its variable, and the reader's own way."""
    where = f" (get one at {login_url})" if login_url else ""
    reader = _audience.get()
    if not env:
        return {"cli": "pass --api-key or --cookies-file", "api": 'send "api_key" in the request',
                "server": 'clients of g4f api send "api_key" in their requests'}.get(reader, "pass api_key= or cookies=")
    if reader == "cli":
        return f"set {env}{where} or pass --api-key"
    if reader == "api":
        return f'set {env}{where} where the server runs, or send "api_key" in the request'
    if reader == "server":
        return f"set {env}{where} before starting g4f api"
    return f"set {env}{where} or pass api_key="


def cookie_hint(login_command: str, site: str, cookie: str) -> str:
    """How to give a web provider its login: the login command, and the reader's way to pass cookies."""
    reader = _audience.get()
    if reader == "cli":
        return f"run `{login_command}`, or pass --cookies-file with {site}'s cookies (a browser extension's JSON export)"
    if reader == "api":
        return f"run `{login_command}` where the server runs (a request never opens a browser)"
    if reader == "server":
        return f"run `{login_command}`"
    return f"run `{login_command}`, or pass cookies= with the {cookie!r} cookie of {site}"
