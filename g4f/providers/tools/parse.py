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

However the answer is cut into deltas, the result is the same as for the whole answer at once:
each decision is taken only from text that no later delta can change (a fence line is read to
its end, a JSON error counts only when it lies well before the end of what has come), and a
candidate is judged on at most ``max_block`` characters from its start, so a block too long to
be a call is text wherever the deltas fall.
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
_NOT_JSON = object()  # what NaN and Infinity decode to: Python's json takes them, JSON has no such values
# Models put raw newlines in strings.
_DECODER = json.JSONDecoder(strict=False, parse_constant=lambda _: _NOT_JSON)
#: A JSON error this far before the end of the text cannot be undone by more text (the longest
#: token that is cut short is ``-Infinity``; an escape ``\\uXXXX`` after a high surrogate is next).
_JSON_LOOKAHEAD = 12
#: A call's JSON nests at most this deep; past it, the candidate is judged on the text up to
#: there (and the decoder never recurses deep enough to fail).
_MAX_JSON_DEPTH = 64
#: Blocks inside blocks (a fence inside ``<tool_call>``, or the reverse): one level is read.
_MAX_NESTING = 2
_STRUCTURE = re.compile(r'[\[\]{}"]')
_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
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

    def __init__(self, request: ToolRequest, max_block: int = DEFAULT_MAX_BLOCK, *, _depth: int = 0) -> None:
        self.request = request
        self.max_block = max_block
        #: Why candidate blocks were left as text (for the log).
        self.rejected: list[str] = []
        #: Calls given out so far.
        self.calls = 0
        self._depth = _depth  # how many blocks this scanner reads the inside of (0: the answer)
        self._nested = _depth > 0
        self._held = ""
        self._in_line = False  # on the first line of a code fence (its language): streams to the line's end
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
            if self._in_line:
                newline = held.find("\n", pos)
                if newline < 0:
                    self._text(out, held[pos:])
                    pos = len(held)
                    break
                self._text(out, held[pos:newline + 1])
                pos, self._in_line, self._in_code = newline + 1, False, True
                continue
            if self._in_code:
                close = held.find(_FENCE, pos)
                if close < 0:
                    end = len(held) if final else len(held) - _partial_suffix(held[pos:], _FENCE)
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
            # A candidate sees at most max_block characters: what it decides on them is what it
            # decides on the whole answer, wherever the deltas were cut.
            end = min(len(held), start + self.max_block)
            step = self._candidate(held, start, end, final and end == len(held))
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

    # Each candidate reads ``held[start:end]`` only; ``final`` means that nothing follows ``end``.
    def _candidate(self, held: str, start: int, end: int, final: bool) -> _Step:
        char = held[start]
        if char == "<":
            if held.startswith(CALL_OPEN, start, end):
                return self._tag(held, start, end, final)
            if not final and end - start < len(CALL_OPEN) and CALL_OPEN.startswith(held[start:end]):
                return self._waiting(held, start, end, None)
            return start + 1, [char]
        if char == "`":
            if held.startswith(_FENCE, start, end):
                return self._fence(held, start, end, final)
            if not final and end - start < len(_FENCE) and _FENCE.startswith(held[start:end]):
                return self._waiting(held, start, end, None)
            return start + 1, [char]
        opens = _call_start(held, start, end)
        if opens is None and not final:
            return self._waiting(held, start, end, None)
        if not opens:
            return start + 1, [char]
        return self._json(held, start, end, final)

    def _waiting(self, held: str, start: int, end: int, wake: str | None, why: str = "") -> _Step:
        """Wait for more text, unless the candidate already has all it may read: then it is text."""
        if end < len(held):  # too long (or too deep) to be a call: it is text
            self.rejected.append(why or f"a block of more than {self.max_block} characters")
            return end, [held[start:end]]
        self._wake = wake
        return _WAIT

    def _tag(self, held: str, start: int, end: int, final: bool) -> _Step:
        body_start = start + len(CALL_OPEN)
        close = held.find(CALL_CLOSE, body_start, end)
        if close < 0:
            if not final:
                return self._waiting(held, start, end, ">")
            body, stop = held[body_start:end], end  # the closing tag forgotten at the very end
        else:
            body, stop = held[body_start:close], close + len(CALL_CLOSE)
        return stop, self._block(held[start:stop], body)

    def _fence(self, held: str, start: int, end: int, final: bool) -> _Step:
        info_start = start + len(_FENCE)
        newline = held.find("\n", info_start, end)
        if newline < 0:
            if _may_open_call(held[info_start:end]):  # its language may still be coming
                if not final:
                    return self._waiting(held, start, end, "\n")
                return end, [held[start:end]]  # a fence line that ends the answer: text
            self._in_line = True  # no language that holds calls, whatever follows on the line: code
            return info_start, [_FENCE]
        if held[info_start:newline].strip().lower() not in _CALL_LANGUAGES:
            self._in_code = True
            return newline + 1, [held[start:newline + 1]]
        first = newline + 1
        while first < end and held[first].isspace():
            first += 1
        if first >= end and not final:
            return self._waiting(held, start, end, None)
        if first < end and held[first] not in "{[<":  # code after all: stream it
            self._in_code = True
            return newline + 1, [held[start:newline + 1]]
        close = held.find(_FENCE, first, end)
        if close < 0:
            if not final:
                return self._waiting(held, start, end, "`")
            body, stop = held[newline + 1:end], end
        else:
            body, stop = held[newline + 1:close], close + len(_FENCE)
        return stop, self._block(held[start:stop], body)

    def _json(self, held: str, start: int, end: int, final: bool) -> _Step:
        brackets = held.count("{", start, end) + held.count("[", start, end)  # too few to nest too deep: no walk
        deep = _too_deep(held, start, end) if brackets > _MAX_JSON_DEPTH else None
        if deep is not None:
            # Judged on the text up to a little past where it nests too deep (a few characters
            # more, so that an error just before that point is told from the cut).
            end = min(end, deep + _JSON_LOOKAHEAD)
            final = final and end == len(held)
            try:
                value, stop = _DECODER.raw_decode(held[start:end])
            except json.JSONDecodeError as exc:
                cut_short = exc.msg.startswith("Unterminated string") or exc.pos >= end - start - _JSON_LOOKAHEAD
                if cut_short and not final:
                    return self._waiting(held, start, end, "}]", f"JSON nested more than {_MAX_JSON_DEPTH} deep")
                return start + 1, [held[start]]
            stop += start
        else:
            # Decoded on all of ``held`` (no copy of the window); the result is the window's: a
            # value that ends past ``end`` did not fit, and an error counts as one only where no
            # more text (past ``end`` or still to come) could change it.
            try:
                value, stop = _DECODER.raw_decode(held, start)
            except RecursionError:  # deep past the window (within it, it is not): it did not fit
                stop = len(held)
            except json.JSONDecodeError as exc:
                cut_short = exc.msg.startswith("Unterminated string") or exc.pos >= end - _JSON_LOOKAHEAD
                if cut_short and not final:
                    return self._waiting(held, start, end, "}]")
                return start + 1, [held[start]]
        if stop > end:
            return self._waiting(held, start, end, "}]")
        calls = self._accept(self._calls_of(value))
        return stop, [held[start:stop]] if calls is None else [calls]

    def _block(self, whole: str, body: str) -> list[Piece]:
        """A tag or fence block: its calls, or the block as text."""
        if self._depth >= _MAX_NESTING:
            self.rejected.append("blocks nested too deep")
            return [whole]
        inner = CallScanner(self.request, self.max_block, _depth=self._depth + 1)
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
                if _too_deep(arguments, 0, len(arguments)) is not None:
                    self.rejected.append(f"the arguments of {name!r} nest more than {_MAX_JSON_DEPTH} deep")
                    return None
                try:
                    arguments = _DECODER.decode(arguments) if arguments.strip() else {}
                except ValueError:
                    self.rejected.append(f"the arguments of {name!r} are not valid JSON")
                    return None
            if arguments is None:
                arguments = {}
            if not _plain_json(arguments):
                self.rejected.append(f"the arguments of {name!r} hold NaN or Infinity, which JSON has not")
                return None
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
        if _declares(function if isinstance(function, dict) else item):
            return None
        if isinstance(function, dict):
            name, arguments = function.get("name"), function.get("arguments", function.get("parameters"))
        else:
            name = function if isinstance(function, str) else item.get("name", item.get("tool", item.get("tool_name")))
            arguments = next((item[key] for key in ("arguments", "parameters", "args", "input") if key in item), None)
        if not isinstance(name, str) or not name:
            return None
        found.append((name, arguments))
    return found or None


def _declares(holder: dict[str, Any]) -> bool:
    """Whether ``holder`` declares a function (as the prompt lists the tools, or OpenAI's
    ``tools`` do) rather than calls it: a model that quotes its tools makes no calls."""
    if "arguments" in holder:
        return False
    schema = holder.get("parameters")
    described = isinstance(schema, dict) and schema.get("type") == "object" and isinstance(schema.get("properties"), dict)
    return "description" in holder or described


def _call_start(text: str, start: int, end: int) -> bool | None:
    """Whether the JSON at ``start`` may be a call (its first key is a call's), or None while
    ``text[start:end]`` is too short to tell."""
    index = start

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
    close = text.find('"', index + 1, end)
    if close < 0:
        partial = text[index + 1:end]
        return None if any(key.startswith(partial) for key in _CALL_KEYS) else False
    return text[index + 1:close] in _CALL_KEYS


def _plain_json(value: Any) -> bool:
    """Whether ``value`` holds no NaN or Infinity (its depth is bounded by the decoder's)."""
    if value is _NOT_JSON:
        return False
    if isinstance(value, dict):
        return all(_plain_json(item) for item in value.values())
    if isinstance(value, list):
        return all(_plain_json(item) for item in value)
    return True


def _too_deep(text: str, start: int, end: int) -> int | None:
    """Where the JSON at ``start`` first nests deeper than :data:`_MAX_JSON_DEPTH` (just past that
    bracket), or None when it closes, or ``text[start:end]`` ends, first. Brackets in strings do
    not count; this reads the text as the decoder would up to any error it finds."""
    depth, pos = 0, start
    while True:
        found = _STRUCTURE.search(text, pos, end)
        if found is None:
            return None
        char, pos = found.group(), found.end()
        if char == '"':
            rest = _STRING_REST.match(text, pos, end)
            if rest is None:
                return None
            pos = rest.end()
        elif char in "{[":
            depth += 1
            if depth > _MAX_JSON_DEPTH:
                return pos
        else:
            depth -= 1
            if depth <= 0:
                return None


def _may_open_call(info: str) -> bool:
    """Whether a fence line that so far reads ``info`` (no newline yet) may still name a language
    that holds calls: its end may only add characters, never take any away."""
    language = info.lstrip().lower()
    complete = language.rstrip()
    if complete != language:  # a blank after the language: anything but blanks now puts one inside it
        return complete in _CALL_LANGUAGES
    return any(known.startswith(language) for known in _CALL_LANGUAGES)


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
