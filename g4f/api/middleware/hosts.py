"""The Host allow-list: the server answers only to the names it was told it has (DNS rebinding).

A web page can rebind its own name (``attacker.example``) to 127.0.0.1 and so talk to a local
server from a page it controls; the request then carries ``Host: attacker.example``. The server
answers only requests for ``localhost``, ``127.0.0.1``, ``[::1]``, the address it is bound to,
and the names given with ``--allowed-host`` (``.example.org`` covers its subdomains too, ``*``
any name). Others get 421 Misdirected Request.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from ..errors import ApiError
from ..settings import ServerSettings

__all__ = ["HostRule", "host_name", "hosts_middleware"]

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
_WILDCARDS = ("", "0.0.0.0", "[::]")


def host_name(value: str) -> str:
    """``Host`` without its port, lower-cased, without a trailing dot; IPv6 in brackets."""
    value = value.strip().lower()
    if value.startswith("["):
        value = value[: value.find("]") + 1] if "]" in value else value
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    elif ":" in value:  # a bare IPv6 address (not valid in a Host header, but unambiguous)
        value = f"[{value}]"
    return value.rstrip(".")


class HostRule:
    """Which ``Host`` names are answered."""

    def __init__(self, names: Iterable[str]) -> None:
        names = [host_name(name) if name.strip() != "*" else "*" for name in names]
        self.any = "*" in names
        self.exact = frozenset(name for name in names if not name.startswith("."))
        self.suffixes = tuple(name for name in names if name.startswith(".") and len(name) > 1)

    @classmethod
    def from_settings(cls, settings: ServerSettings) -> HostRule:
        bound = host_name(settings.host)
        names = [*LOOPBACK_NAMES, *settings.allowed_hosts]
        if bound not in _WILDCARDS:
            names.append(bound)
        return cls(names)

    def allows(self, host: str) -> bool:
        if self.any:
            return True
        name = host_name(host)
        return name in self.exact or any(name.endswith(s) or name == s[1:] for s in self.suffixes)


def hosts_middleware(settings: ServerSettings) -> Middleware:
    rule = HostRule.from_settings(settings)

    @web.middleware
    async def hosts(request: web.Request, handler: Handler) -> web.StreamResponse:
        host = request.headers.get("Host")
        if host is None or not rule.allows(host):
            shown = host_name(host)[:100] if host else None
            message = (f"this server does not answer to the host {shown!r}: start it with "
                       f"--allowed-host {shown} to allow that name" if shown
                       else "the request has no Host header")
            raise ApiError(421, message, "invalid_request_error", "host_not_allowed")
        return await handler(request)

    return hosts
