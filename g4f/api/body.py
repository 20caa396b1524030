"""Read a JSON request body with bounded work: measured before it is parsed.

Parsing is where a body amplifies: 20 MiB of ``{"role":"user","content":"x"},`` becomes
~480,000 dicts (~150 MB), and ``[{},{},...]`` twenty times its size; a value nested 600 deep
parses (the parser's own limit is 1,024) but then breaks every encoder and recursive walk after
it. So :func:`check_json` first walks the raw bytes, skipping strings in C, and refuses a body
that nests deeper than ``max_json_depth``, holds more than ``max_json_values`` values, or whose
top-level ``messages`` / ``input`` array holds more than ``max_messages`` items; it stops at the
first limit crossed, so a hostile body costs little. Only then is the body parsed.

``g4f.api.middleware.json_body`` does this for every POST/PUT/PATCH before its handler runs (so
every JSON route is covered); :func:`read_json` gives the handler the parsed body (parsed once).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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

# The bytes that matter to structure; everything else (numbers, literals, blanks) is skipped in C.
_STRUCTURE = re.compile(rb'[\[\]{},:"]')
# The rest of a string after its opening quote (escapes included), matched in C; None when the
# string never ends, which stops the scan at once (no rescanning from every later quote).
_STRING_REST = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_COUNTED_RAW = frozenset(b'"' + name.encode() + b'"' for name in COUNTED_ARRAYS)
_QUOTE, _COMMA, _COLON = ord('"'), ord(","), ord(":")
_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")

#: The body of the request being handled, once parsed (``(request, value)``).
_parsed: ContextVar[tuple[web.BaseRequest, Any] | None] = ContextVar("g4f_api_body", default=None)


def _bad(message: str, code: str, param: str | None = None) -> ApiError:
    return ApiError(400, message, "invalid_request_error", code, param)


def _is_counted(key: bytes) -> bool:
    if key in _COUNTED_RAW:
        return True
    if b"\\" not in key:
        return False
    try:  # an escaped key ("m\u0065ssages") is the same key once parsed
        return json.loads(key) in COUNTED_ARRAYS
    except ValueError:
        return False


def check_json(body: bytes, settings: ServerSettings) -> None:
    """Refuse (``ApiError`` 400) a body past the settings' depth, value or message limits.

    Values are counted as containers plus commas outside strings (each value after the first in
    a container follows a comma). The result of a body that is not JSON at all is left to the
    parser, except a string that never ends (``invalid_json`` at once).
    """
    max_depth, max_values, max_items = settings.max_json_depth, settings.max_json_values, settings.max_messages
    search, string_rest = _STRUCTURE.search, _STRING_REST.match
    depth = values = 0
    key = last_string = b""
    counting = False  # inside a counted top-level array
    items = 1
    position = 0
    while (found := search(body, position)) is not None:
        start = found.start()
        char = body[start]
        position = start + 1
        if char == _QUOTE:
            end = string_rest(body, position)
            if end is None:
                raise _bad("the request body is not valid JSON (a string never ends)", "invalid_json")
            position = end.end()
            if depth == 1:
                last_string = body[start:position]
        elif char in _OPEN:
            depth += 1
            values += 1
            if depth > max_depth:
                raise _bad(f"the request body nests deeper than {max_depth} levels "
                           f"(the server's --max-json-depth)", "json_too_deep")
            if values > max_values:
                break
            if depth == 2 and char == ord("[") and _is_counted(key):
                counting, items = True, 1
        elif char in _CLOSE:
            if depth == 2:
                counting = False
            depth -= 1
        elif char == _COMMA:
            values += 1
            if values > max_values:
                break
            if counting and depth == 2:
                items += 1
                if items > max_items:
                    name = json.loads(key)
                    raise _bad(f"{name}: more than {max_items} items (the server's --max-messages)",
                               "too_many_messages", name)
        elif depth == 1:  # a colon: the string before it is the key of the value that follows
            key = last_string
    if values > max_values:
        raise _bad(f"the request body holds more than {max_values} JSON values "
                   f"(the server's --max-json-values)", "too_many_json_values")


def parse_json(body: bytes, settings: ServerSettings) -> Any:
    """``body`` checked with :func:`check_json`, then parsed; ``ApiError`` 400 when it is not JSON."""
    if not body:
        raise _bad("the request has no body; send a JSON object", "invalid_body")
    check_json(body, settings)
    try:
        return loads(body)
    except ValueError:
        raise _bad("the request body is not valid JSON", "invalid_json") from None


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
