"""Read a JSON request body with bounded work: measured before it is parsed.

Parsing is where a body amplifies: 20 MiB of ``{"role":"user","content":"x"},`` becomes
~550,000 dicts (~150 MB), and ``[{},{},...]`` twenty times its size; a value nested 600 deep
parses (the parser's own limit is 1,024) but then breaks every encoder and recursive walk after
it. So :func:`check_json` first measures the raw bytes, with ``bytes`` methods and one regular
expression (no Python loop over the body), and refuses a body that nests deeper than
``max_json_depth``, holds more than ``max_json_values`` values, or whose top-level ``messages`` /
``input`` array holds more than ``max_messages`` items (counted up to the limit only). Only then
is the body parsed, and the count checked once more on the parsed value.

``g4f.api.middleware.json_body`` does this for every POST/PUT/PATCH before its handler runs (so
every JSON route is covered); :func:`read_json` gives the handler the parsed body (parsed once).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import accumulate, count
from typing import Any

from aiohttp import web

from ..requests.jsonlib import loads
from .errors import ApiError
from .settings import (
    DEFAULT_MAX_JSON_DEPTH,
    DEFAULT_MAX_JSON_VALUES,
    DEFAULT_MAX_MESSAGES,
    ServerSettings,
)

__all__ = [
    "COUNTED_ARRAYS",
    "DEFAULT_MAX_JSON_DEPTH",
    "DEFAULT_MAX_JSON_VALUES",
    "DEFAULT_MAX_MESSAGES",
    "check_json",
    "parse_json",
    "parsed_body",
    "read_json",
]

#: Top-level arrays whose items are counted against ``max_messages`` (chat completions and
#: Anthropic messages send ``messages``; the Responses API sends ``input``).
COUNTED_ARRAYS = frozenset({"messages", "input"})

# A JSON string once escaped backslashes and quotes are masked (see check_json): quote to quote.
_STRING = re.compile(rb'"[^"]*"')
#: What is left of a body once strings are gone, as check_json reads it: structure, and the
#: marker of a counted key. Numbers, literals and blanks are dropped.
_KEPT = b"[]{},:M"
_DROPPED = bytes(byte for byte in range(256) if byte not in _KEPT)
_MARKED = tuple(b'"' + name.encode() + b'"' for name in sorted(COUNTED_ARRAYS))
_OPENERS = b"[{"
_CLOSERS = b"]}"
_COMMA = ord(",")
_DEPTH = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")

#: The body of the request being handled, once parsed (``(request, value)``).
_parsed: ContextVar[tuple[web.BaseRequest, Any] | None] = ContextVar("g4f_api_body", default=None)


def _bad(message: str, code: str, param: str | None = None) -> ApiError:
    return ApiError(400, message, "invalid_request_error", code, param)


def _too_many_values(limit: int) -> ApiError:
    return _bad(f"the request body holds more than {limit} JSON values (the server's --max-json-values)",
                "too_many_json_values")


def _too_many_items(name: str, limit: int) -> ApiError:
    return _bad(f"{name}: more than {limit} items (the server's --max-messages)", "too_many_messages", name)


def check_json(body: bytes, settings: ServerSettings) -> None:
    """Refuse (``ApiError`` 400) a body past the settings' depth, value or item limits.

    Every step runs in C (``bytes`` methods and one regular expression) but counting the items of
    a ``messages`` array, which stops at the limit. Values are counted as containers plus commas
    outside strings (each value after the first in a container follows a comma). A body that is
    not JSON is left to the parser, but for a string that never ends.
    """
    max_values = settings.max_json_values
    if body.find(b"\\") >= 0:  # find(), not ``in`` (see g4f.requests.decoders)
        # Mask escaped backslashes, then escaped quotes (left to right, as a parser pairs them):
        # every quote left delimits a string. The masks are the same length, so text stays text.
        body = body.replace(b"\\\\", b"__").replace(b'\\"', b"__")
    quotes = body.count(b'"')
    if quotes % 2:
        raise _bad("the request body is not valid JSON (a string never ends)", "invalid_json")
    if quotes // 2 > 2 * max_values + 2:  # each string is a key or a value
        raise _too_many_values(max_values)
    for marked in _MARKED:  # a counted key becomes the marker M (outside any string)
        body = body.replace(marked, b'M""')
    structure = _STRING.sub(b"", body).translate(None, _DROPPED)
    values = 1 + structure.count(b",") + structure.count(b"[") + structure.count(b"{")
    if values > max_values:
        raise _too_many_values(max_values)
    _check_depth(structure, settings.max_json_depth)
    _check_items(structure, settings.max_messages)


def _check_depth(structure: bytes, limit: int) -> None:
    # Depth after each bracket is (sum of 2 per opener, 0 per closer) minus the brackets so far.
    steps = structure.translate(None, b",:M").translate(_DEPTH)
    if steps and max(map(operator.sub, accumulate(steps), count(1))) > limit:
        raise _bad(f"the request body nests deeper than {limit} levels (the server's --max-json-depth)",
                   "json_too_deep")


def _check_items(structure: bytes, limit: int) -> None:
    """Items of each top-level counted array (``"messages": [...]`` right inside the body)."""
    position = depth = 0
    while (found := structure.find(b"M:[", position)) >= 0:
        between = structure[position:found]
        depth += between.count(b"[") + between.count(b"{") - between.count(b"]") - between.count(b"}")
        position = found + 2
        if depth != 1:
            continue
        level, items = 0, 1
        for char in structure[position:]:
            if char in _OPENERS:
                level += 1
            elif char in _CLOSERS:
                level -= 1
                if not level:
                    break
            elif char == _COMMA and level == 1:
                items += 1
                if items > limit:
                    raise _too_many_items("messages", limit)


def parse_json(body: bytes, settings: ServerSettings) -> Any:
    """``body`` checked with :func:`check_json`, then parsed; ``ApiError`` 400 when it is not JSON."""
    if not body:
        raise _bad("the request has no body; send a JSON object", "invalid_body")
    check_json(body, settings)
    try:
        value = loads(body)
    except ValueError:
        raise _bad("the request body is not valid JSON", "invalid_json") from None
    if isinstance(value, dict):  # exact, once parsed (a key written with escapes is the same key)
        for name in COUNTED_ARRAYS:
            items = value.get(name)
            if isinstance(items, list) and len(items) > settings.max_messages:
                raise _too_many_items(name, settings.max_messages)
    return value


async def read_json(request: web.BaseRequest, settings: ServerSettings | None = None) -> Any:
    """The request's JSON body, checked against the limits of ``settings`` then parsed (once:
    the body ``json_body_middleware`` parsed is returned as it is).

    Raises ``ApiError`` 400 (no body, not JSON, past a limit) or 413 (past ``max_body_size``,
    from aiohttp). Without ``settings``, the limits of the default settings apply.
    """
    current = _parsed.get()
    if current is not None and current[0] is request:
        return current[1]
    return parse_json(await request.read(), settings or _DEFAULT_SETTINGS)


@contextmanager
def parsed_body(request: web.BaseRequest, value: Any) -> Iterator[None]:
    """Within the block, :func:`read_json` of ``request`` returns ``value`` (kept per task)."""
    token = _parsed.set((request, value))
    try:
        yield
    finally:
        _parsed.reset(token)


_DEFAULT_SETTINGS = ServerSettings(api_keys=())
