"""Reading tool calls out of a model's text answer, as it streams (no I/O).

A model asked with :mod:`g4f.providers.tools.prompt` answers in text; :class:`CallScanner` finds
the calls in it. It accepts the documented form and the forms models drift into:

* ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` blocks (the closing tag may be
  missing at the very end of the answer);
* fenced blocks (```` ```json ````, ```` ```tool_call ````, or no language) holding a call, a
  list of calls, ``{"tool_calls": [...]}`` or ``<tool_call>`` blocks;
* a bare JSON object (or list) in the prose whose first key is ``name``, ``function``,
  ``tool_calls``, ... ;

with ``arguments`` as an object or a JSON string (``parameters``, ``args`` and ``input`` are read
as its other names), OpenAI's ``{"function": {"name", "arguments"}}`` shape too, and several
calls in one answer. A candidate becomes a call only when every call in it names an offered
function that ``tool_choice`` allows and its arguments match the function's schema; anything
else stays text, exactly as the model wrote it (``rejected`` says why), so an answer that is not
a valid call reaches the user as text, never as a broken call.

Streaming: text is passed on as it comes, except what may be the start of a call (``<tool_c``,
a fence whose first line is not in yet, ``{"na``): that is held back, like a possible stop word,
until it is settled either way. A call is given out once its block is complete. Code fences in
another language (```` ```python ````) stream at once. Whitespace between the prose and a call
is dropped (an answer that only calls has no text at all); text that resumes after a call keeps
its own leading whitespace.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .prompt import CALL_CLOSE, CALL_OPEN
from .request import ToolRequest

__all__ = ["DEFAULT_MAX_BLOCK", "CallScanner", "ParsedCall", "Piece", "parse"]

#: Characters held back at most for one candidate block; past it, the block is text.
DEFAULT_MAX_BLOCK = 64 * 1024

_SPECIAL = re.compile(r"[<`{\[]")
_FENCE = "```"
_FENCE_INFO = re.compile(r"[A-Za-z0-9_+.-]{0,32}")
#: Fence languages that may hold a call; a fence in any other language is code, shown as it streams.
_CALL_LANGUAGES = frozenset({"", "json", "jsonc", "json5", "tool_call", "tool_calls", "tool_code", "tool", "xml"})
#: The first key of a bare JSON object that may be a call.
_CALL_KEYS = ("name", "function", "tool_calls", "tool", "tool_name", "arguments", "parameters", "type", "id")
_DECODER = json.JSONDecoder(strict=False)  # models put raw newlines in strings
_WAIT = None


@dataclass(frozen=True)
class ParsedCall:
    """One call found in the answer: a known function and arguments that match its schema."""

    name: str
    arguments: dict[str, Any]

    def signature(self) -> str:
        """The call as one canonical string: the same function with the same arguments is the
        same call, however the model spaced or ordered them."""
        return json.dumps([self.name, self.arguments], sort_keys=True, ensure_ascii=False, separators=(",", ":"))


#: What the scanner gives out: text to show, or the calls of one complete block.
Piece = str | tuple[ParsedCall, ...]
_Step = tuple[int, list[Piece]] | None  # (where the block ends, its pieces), or wait for more text


class CallScanner:
    """Feed text deltas, get back text that is safe to show and complete, valid calls."""

    def __init__(self, request: ToolRequest, max_block: int = DEFAULT_MAX_BLOCK, *, _nested: bool = False) -> None:
        self.request = request
        self.max_block = max_block
        #: Why candidate blocks were left as text (for the log).
        self.rejected: list[str] = []
        #: Calls given out so far.
        self.calls = 0
        self._nested = _nested
        self._held = ""
        self._in_code = False  # inside a code fence that holds no call: its text streams on
        self._wake: str | None = None  # while waiting on a block: the characters that may settle it
        self._whitespace = ""  # whitespace after the last text, shown only if text (not a call) follows
        self._after_call = False
        self._wrote = False  # some text was given out

    def feed(self, text: str) -> list[Piece]:
        """The pieces that ``text`` (the next delta) settles."""
        if not text:
            return []
        self._held += text
        if self._wake is not None and len(self._held) <= self.max_block and not any(c in text for c in self._wake):
            return []  # still waiting for the end of the same block: nothing can have changed
        return self._scan(final=False)

    def flush(self) -> list[Piece]:
        """What is still held back, once the answer has ended."""
        pieces = self._scan(final=True)
        if self._whitespace and not self._after_call:
            pieces.append(self._whitespace)
        self._whitespace = ""
        return pieces

    # -- scanning ------------------------------------------------------------------------------
    def _scan(self, final: bool) -> list[Piece]:
        out: list[Piece] = []
        held, pos = self._held, 0
        self._wake = None
        while pos < len(held):
            if self._in_code:
                close = held.find(_FENCE, pos)
                if close < 0:
                    end = len(held) if final else len(held) - _partial_suffix(held, _FENCE)
                    self._text(out, held[pos:end])
                    pos = end
                    break
                self._text(out, held[pos:close + len(_FENCE)])
                pos, self._in_code = close + len(_FENCE), False
                continue
            match = _SPECIAL.search(held, pos)
            if match is None:
                self._text(out, held[pos:])
                pos = len(held)
                break
            start = match.start()
            self._text(out, held[pos:start])
            pos = start
            step = self._candidate(held, start, final)
            if step is _WAIT:
                break
            pos, pieces = step
            for piece in pieces:
                if isinstance(piece, str):
                    self._text(out, piece)
                else:
                    self._whitespace = ""
                    out.append(piece)
                    self._after_call = True
        self._held = held[pos:]
        return out

    def _text(self, out: list[Piece], text: str) -> None:
        if not text:
            return
        text = self._whitespace + text
        body = text.rstrip()
        self._whitespace = text[len(body):]
        if self._after_call:
            if not self._wrote:  # nothing but calls so far: no text before the first word
                body = body.lstrip()
            if not body:
                return
            self._after_call = False
        if not body:
            return
        self._wrote = True
        if out and isinstance(out[-1], str):
            out[-1] += body
        else:
            out.append(body)

    def _candidate(self, held: str, start: int, final: bool) -> _Step:
        char = held[start]
        rest = held[start:]
        if char == "<":
            if held.startswith(CALL_OPEN, start):
                return self._tag(held, start, final)
            if not final and CALL_OPEN.startswith(rest):
                return _WAIT
            return start + 1, [char]
        if char == "`":
            if held.startswith(_FENCE, start):
                return self._fence(held, start, final)
            if not final and _FENCE.startswith(rest):
                return _WAIT
            return start + 1, [char]
        opens = _call_start(held, start)
        if opens is None and not final:
            return _WAIT
        if not opens:
            return start + 1, [char]
        return self._json(held, start, final)

    def _waiting(self, held: str, start: int, wake: str | None) -> _Step:
        if len(held) - start > self.max_block:  # too long to be a call: it is text
            self.rejected.append(f"a block of more than {self.max_block} characters")
            return len(held), [held[start:]]
        self._wake = wake
        return _WAIT

    def _tag(self, held: str, start: int, final: bool) -> _Step:
        body_start = start + len(CALL_OPEN)
        close = held.find(CALL_CLOSE, body_start)
        if close < 0:
            if not final:
                return self._waiting(held, start, ">")
            body, end = held[body_start:], len(held)  # the closing tag forgotten at the very end
        else:
            body, end = held[body_start:close], close + len(CALL_CLOSE)
        return end, self._block(held[start:end], body)

    def _fence(self, held: str, start: int, final: bool) -> _Step:
        info_start = start + len(_FENCE)
        newline = held.find("\n", info_start)
        if newline < 0:
            if not final and _FENCE_INFO.fullmatch(held[info_start:]):
                return self._waiting(held, start, "\n")
            self._in_code = not final
            return info_start, [_FENCE]
        if held[info_start:newline].strip().lower() not in _CALL_LANGUAGES:
            self._in_code = True
            return newline + 1, [held[start:newline + 1]]
        first = newline + 1
        while first < len(held) and held[first].isspace():
            first += 1
        if first >= len(held) and not final:
            return self._waiting(held, start, None)
        if first < len(held) and held[first] not in "{[<":  # code after all: stream it
            self._in_code = True
            return newline + 1, [held[start:newline + 1]]
        close = held.find(_FENCE, first)
        if close < 0:
            if not final:
                return self._waiting(held, start, "`")
            body, end = held[newline + 1:], len(held)
        else:
            body, end = held[newline + 1:close], close + len(_FENCE)
        return end, self._block(held[start:end], body)

    def _json(self, held: str, start: int, final: bool) -> _Step:
        try:
            value, end = _DECODER.raw_decode(held, start)
        except json.JSONDecodeError as exc:
            truncated = exc.pos >= len(held) - 1 or exc.msg.startswith("Unterminated string")
            if truncated and not final:
                return self._waiting(held, start, "}]")
            return start + 1, [held[start]]
        calls = self._accept(self._calls_of(value))
        return end, [held[start:end]] if calls is None else [calls]

    def _block(self, whole: str, body: str) -> list[Piece]:
        """A tag or fence block: its calls, or the block as text."""
        inner = CallScanner(self.request, self.max_block, _nested=True)
        pieces = inner.feed(body) + inner.flush()
        self.rejected += inner.rejected
        found = [piece for piece in pieces if not isinstance(piece, str)]
        if not found or any(isinstance(piece, str) and piece.strip() for piece in pieces):
            if not found and not inner.rejected:
                self.rejected.append("a block that holds no call")
            return [whole]
        calls = self._accept(tuple(call for piece in found for call in piece))
        return [whole] if calls is None else [calls]

    def _accept(self, calls: tuple[ParsedCall, ...] | None) -> tuple[ParsedCall, ...] | None:
        if calls is None:
            return None
        if not self._nested:
            if not self.request.parallel and self.calls + len(calls) > 1:
                self.rejected.append("parallel_tool_calls is false: one call per answer")
                return None
            self.calls += len(calls)
        return calls

    def _calls_of(self, value: Any) -> tuple[ParsedCall, ...] | None:
        shaped = _shapes(value)
        if shaped is None:
            return None
        calls = []
        for name, arguments in shaped:
            if isinstance(arguments, str):
                try:
                    arguments = json.loads(arguments) if arguments.strip() else {}
                except ValueError:
                    self.rejected.append(f"the arguments of {name!r} are not valid JSON")
                    return None
            if arguments is None:
                arguments = {}
            why = self.request.check_call(name, arguments)
            if why is not None:
                self.rejected.append(why)
                return None
            calls.append(ParsedCall(name, arguments))
        return tuple(calls)


def _shapes(value: Any) -> list[tuple[str, Any]] | None:
    """The (name, arguments) of each call ``value`` holds, or None when it is not calls."""
    if isinstance(value, dict) and isinstance(value.get("tool_calls"), list):
        items: Iterable[Any] = value["tool_calls"]
    elif isinstance(value, list):
        items = value
    else:
        items = [value]
    found = []
    for item in items:
        if not isinstance(item, dict):
            return None
        function = item.get("function")
        if isinstance(function, dict):
            name, arguments = function.get("name"), function.get("arguments", function.get("parameters"))
        else:
            name = function if isinstance(function, str) else item.get("name", item.get("tool", item.get("tool_name")))
            arguments = next((item[key] for key in ("arguments", "parameters", "args", "input") if key in item), None)
        if not isinstance(name, str) or not name:
            return None
        found.append((name, arguments))
    return found or None


def _call_start(text: str, start: int) -> bool | None:
    """Whether the JSON at ``start`` may be a call (its first key is a call's), or None while
    the text is too short to tell."""
    index, end = start, len(text)

    def skip(index: int) -> int:
        while index < end and text[index].isspace():
            index += 1
        return index

    if text[index] == "[":
        index = skip(index + 1)
        if index >= end:
            return None
        if text[index] != "{":
            return False
    index = skip(index + 1)
    if index >= end:
        return None
    if text[index] != '"':
        return False
    close = text.find('"', index + 1)
    if close < 0:
        partial = text[index + 1:]
        return None if any(key.startswith(partial) for key in _CALL_KEYS) else False
    return text[index + 1:close] in _CALL_KEYS


def _partial_suffix(text: str, word: str) -> int:
    """How many characters at the end of ``text`` may be the start of ``word``."""
    for size in range(min(len(word) - 1, len(text)), 0, -1):
        if text.endswith(word[:size]):
            return size
    return 0


def parse(text: str, request: ToolRequest) -> list[Piece]:
    """The text and calls of a whole answer."""
    scanner = CallScanner(request)
    return scanner.feed(text) + scanner.flush()
