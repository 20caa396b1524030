"""Where an OpenAI-compatible provider's base URL comes from: the call, the environment, or its default.

A provider declares the variable (``api_base_env = "GROQ_BASE_URL"``); the variables are the ones
each ecosystem already defines, and they are read the way that ecosystem's own tools read them, so
one setting serves g4f and those tools alike:

* ``OPENAI_BASE_URL`` (the openai SDK's), ``XAI_BASE_URL``, ``OPENROUTER_BASE_URL``,
  ``G4F_LOCAL_API_BASE``: the whole API root, ``/v1`` included.
* ``GROQ_BASE_URL`` (the groq SDK's): the host, ``https://api.groq.com``; the SDK adds
  ``/openai/v1``, and so does g4f (a value that already ends with it is taken as it is).
* ``OLLAMA_HOST`` (Ollama's own, read by the ``ollama`` CLI and libraries): ``host``,
  ``host:port`` or a URL, without ``/v1``; the port defaults to 11434 (a URL's to its scheme's), a
  bind address such as ``0.0.0.0`` means this machine. ``OLLAMA_API_BASE``, the older name g4f
  read (a whole URL with ``/v1``), still works and wins when both are set.

:func:`resolve_base_url` gives the URL and where it came from (``g4f providers -v`` shows both);
:func:`base_url_from_env` is what a provider's ``get_api_base`` uses when no ``base_url=`` is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..._environ import getenv
from ...errors import BadRequestError

__all__ = ["CONVENTIONS", "BaseURL", "Convention", "base_url_from_env", "normalize", "resolve_base_url"]


@dataclass(frozen=True)
class Convention:
    """How the tools that define a variable read it."""

    #: The API's path under the value, added unless the value already ends with it.
    path: str = ""
    #: The value may be a bare ``host[:port]`` (no scheme); this is its port when none is given.
    default_port: int | None = None
    #: Older names of the same setting, read first: each holds a whole base URL.
    older_names: tuple[str, ...] = ()


#: Variables other tools define and read differently from "the whole base URL".
CONVENTIONS: dict[str, Convention] = {
    "GROQ_BASE_URL": Convention(path="/openai/v1"),
    "OLLAMA_HOST": Convention(path="/v1", default_port=11434, older_names=("OLLAMA_API_BASE",)),
}

_UNSPECIFIED = {"0.0.0.0": "127.0.0.1", "::": "::1", "[::]": "[::1]"}  # bind addresses -> this machine


@dataclass(frozen=True)
class BaseURL:
    """A resolved base URL: ``url`` and ``source`` ("argument", "default", or the variable's name)."""

    url: str
    source: str

    @property
    def from_environment(self) -> bool:
        return self.source not in ("argument", "default")


def _host_port(value: str, default_port: int) -> str:
    """Ollama's reading of ``OLLAMA_HOST``: ``[scheme://]host[:port][/path]`` -> a URL."""
    scheme, has_scheme, rest = value.partition("://")
    if not has_scheme:
        scheme, rest = "http", value
    hostport, slash, path = rest.partition("/")
    host, port = hostport, ""
    if hostport.startswith("["):  # [IPv6]:port
        end = hostport.find("]")
        host, port = hostport[: end + 1], hostport[end + 2:] if hostport[end + 1: end + 2] == ":" else ""
    elif hostport.count(":") == 1:
        host, _, port = hostport.partition(":")
    elif hostport.count(":") > 1:  # a bare IPv6 address
        host = f"[{hostport}]"
    host = _UNSPECIFIED.get(host, host) or "127.0.0.1"
    port = port or ("" if has_scheme else str(default_port))  # a URL without a port: its scheme's
    return f"{scheme}://{host}{':' if port else ''}{port}{slash}{path}"


def normalize(name: str, value: str) -> str:
    """The base URL that ``value`` of variable ``name`` stands for; BadRequestError if it is none."""
    convention = CONVENTIONS.get(name, Convention())
    url = value.strip()
    if convention.default_port is not None:
        url = _host_port(url, convention.default_port)
    url = url.rstrip("/")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        example = "host:port or http://host:port" if convention.default_port else "an http(s) URL"
        raise BadRequestError(f"${name}={value!r} is not a base URL: expected {example}")
    if convention.path and not url.endswith(convention.path):
        url += convention.path
    return url


def _variables(env: str | None) -> list[str]:
    if not env:
        return []
    return [*CONVENTIONS.get(env, Convention()).older_names, env]


def base_url_from_env(env: str | None) -> str | None:
    """The base URL the variable ``env`` (or an older name of it) sets, or None when unset."""
    for name in _variables(env):  # once per request without base_url=: getenv, see g4f._environ
        value = (getenv(name) or "").strip()
        if value:
            return normalize(name, value)
    return None


def resolve_base_url(provider: Any, base_url: str | None = None) -> BaseURL | None:
    """Where ``provider`` sends its requests, and why; None for a provider without a base URL.

    The URL is the provider's own ``get_api_base`` (so an override is honoured); BadRequestError
    when a variable holds something that is not a base URL.
    """
    get_api_base = getattr(provider, "get_api_base", None)
    if get_api_base is None:
        return None
    url = str(get_api_base(base_url))
    if base_url:
        return BaseURL(url, "argument")
    env: str | None = getattr(provider, "api_base_env", None)
    source = next((name for name in _variables(env) if (getenv(name) or "").strip()), "default")
    return BaseURL(url, source)
