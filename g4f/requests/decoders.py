"""I/O-free stream decoders: bytes in, events out.

Both decoders are fed raw bytes as they arrive, in pieces of any size (an event may be split
across reads anywhere, even inside a CRLF), and return the events completed so far. They never
touch the network, so both HTTP backends share them and they can be fuzzed on their own.
"""

from __future__ import annotations

from itertools import repeat

from ..errors import ResponseError

__all__ = ["MAX_EVENT_SIZE", "NDJSONDecoder", "SSEDecoder", "excerpt"]

#: The largest event (SSE) or line (NDJSON) accepted; a bigger one is a broken or hostile upstream.
MAX_EVENT_SIZE = 8 * 1024 * 1024


def excerpt(data: bytes | str, limit: int = 120) -> str:
    """A short, printable piece of upstream data for an error message."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "..."


class SSEDecoder:
    """Server-sent events, as the HTML spec defines them.

    ``feed`` returns ``(event, data)`` pairs: ``event`` is the ``event:`` field (None for the
    default "message") and ``data`` the ``data:`` lines joined with ``\\n``. Lines may end with
    LF, CRLF or CR; comment lines (``:``) and ``id:``/``retry:`` are skipped.
    """

    __slots__ = ("_buffer", "_data", "_event", "_max_size", "_parts", "_pending", "_provider", "_skip_lf")

    def __init__(self, provider: str | None = None, max_size: int = MAX_EVENT_SIZE) -> None:
        self._buffer = b""
        self._data: bytes | None = None
        self._event: str | None = None
        self._max_size = max_size
        self._provider = provider
        # Reads without a line break, kept apart until one comes: joining them at every read
        # would copy a long line over and over (quadratic in its length).
        self._parts: list[bytes] = []
        self._pending = 0
        # The previous read ended with CR: a LF opening this read is the second half of that CRLF.
        self._skip_lf = False

    def feed(self, chunk: bytes) -> list[tuple[str | None, bytes]]:
        # find(), not ``in``: on Python 3.11 ``bytes in bytes`` first tries the operand as an
        # integer and builds (and drops) a TypeError, about 1,900 instructions a test.
        if chunk and chunk.find(b"\n") < 0 and chunk.find(b"\r") < 0:
            self._skip_lf = False
            self._parts.append(chunk)
            self._pending += len(chunk)
            if len(self._buffer) + self._pending > self._max_size:
                self._too_large()
            return []
        if self._parts:
            chunk = b"".join(self._parts) + chunk
            self._parts, self._pending = [], 0
        if self._skip_lf and chunk:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        buffer = self._buffer + chunk if self._buffer else chunk
        if buffer.find(b"\r") >= 0:
            # A CR ends its line at once (a server may pause right after it); remember to drop
            # the LF of a CRLF that was split between two reads.
            self._skip_lf = buffer.endswith(b"\r")
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        events: list[tuple[str | None, bytes]] = []
        pos = 0
        if self._data is not None or self._event is not None:
            pos = self._lines(buffer, 0, events, until_dispatch=True)  # finish the pending event
        end = buffer.rfind(b"\n\n", pos)
        if end >= 0:
            # The hot path: whole events, split in C. An event that is one ``data: `` line (what
            # every OpenAI-style upstream sends) needs no line parsing at all; when every event
            # of the read is one (every line break is half of a separator that opens a ``data: ``
            # line: their count is twice the splits), the payloads come out of one split, with no
            # Python per event. Three passes over the read (copy, split, count): a read of a fast
            # stream is a few hundred KiB, and each pass more costs more in memory than in
            # instructions.
            payloads = (buffer[pos + 6:end].split(b"\n\ndata: ") if buffer.startswith(b"data: ", pos)
                        else None)
            if payloads is not None and buffer.count(b"\n", pos, end) == 2 * (len(payloads) - 1):
                if end - pos > self._max_size and max(map(len, payloads)) > self._max_size:
                    self._too_large()
                events += zip(repeat(None), payloads)
            else:
                max_size = self._max_size
                for block in buffer[pos:end].split(b"\n\n"):
                    if block[:6] == b"data: " and block.find(b"\n") < 0:
                        if len(block) - 6 > max_size:
                            self._too_large()
                        events.append((None, block[6:]))
                    elif block:
                        self._lines(block + b"\n\n", 0, events)
            pos = end + 2
        if pos == len(buffer):
            self._buffer = b""
            return events
        pos = self._lines(buffer, pos, events)
        rest = buffer[pos:]
        if len(rest) > self._max_size:
            self._too_large()
        self._buffer = rest
        return events

    def _lines(
        self, buffer: bytes, pos: int, events: list[tuple[str | None, bytes]], until_dispatch: bool = False
    ) -> int:
        # Parse the complete lines of ``buffer`` from ``pos`` (or up to the first blank line);
        # return where the unparsed part starts.
        data = self._data
        find = buffer.find
        while True:
            end = find(b"\n", pos)
            if end < 0:
                break
            line = buffer[pos:end]
            pos = end + 1
            if not line:
                if data is not None:
                    events.append((self._event, data))
                    data = None
                self._event = None
                if until_dispatch:
                    break
            elif line.startswith(b"data:"):
                value = line[6:] if line[5:6] == b" " else line[5:]
                data = value if data is None else data + b"\n" + value
                if len(data) > self._max_size:
                    self._too_large()
            elif line[0] == 58:  # b":" comment
                continue
            else:
                self._field(line)
                if line == b"data":  # a field without a colon has an empty value
                    data = b"" if data is None else data + b"\n"
        self._data = data
        return pos

    def _field(self, line: bytes) -> None:
        name, _, value = line.partition(b":")
        if value[:1] == b" ":
            value = value[1:]
        if name == b"event":
            self._event = value.decode("utf-8", "replace") or None

    def _too_large(self) -> None:
        self._buffer, self._data, self._parts, self._pending = b"", None, [], 0
        raise ResponseError(
            f"upstream sent an event larger than {self._max_size // (1024 * 1024)} MiB", provider=self._provider
        )

    def close(self) -> list[tuple[str | None, bytes]]:
        """Flush at the end of the stream: a last event that lacks its blank line still counts."""
        events = self.feed(b"\n") if self._buffer or self._parts else []
        if self._data is not None:
            events.append((self._event, self._data))
        self._buffer, self._data, self._event, self._skip_lf = b"", None, None, False
        return events


class NDJSONDecoder:
    """Newline-delimited JSON: ``feed`` returns the complete, non-blank lines (still bytes)."""

    __slots__ = ("_buffer", "_max_size", "_parts", "_pending", "_provider")

    def __init__(self, provider: str | None = None, max_size: int = MAX_EVENT_SIZE) -> None:
        self._buffer = b""
        self._max_size = max_size
        self._provider = provider
        # Reads without a line break, joined only when one comes (see SSEDecoder).
        self._parts: list[bytes] = []
        self._pending = 0

    def feed(self, chunk: bytes) -> list[bytes]:
        if chunk.find(b"\n") < 0:  # find(), not ``in``: see SSEDecoder.feed
            if chunk:
                self._parts.append(chunk)
                self._pending += len(chunk)
                if len(self._buffer) + self._pending > self._max_size:
                    self._too_large()
            return []
        if self._parts:
            chunk = b"".join(self._parts) + chunk
            self._parts, self._pending = [], 0
        buffer = self._buffer + chunk if self._buffer else chunk
        lines = buffer.split(b"\n")
        rest = lines.pop()
        if len(rest) > self._max_size:
            self._too_large()
        self._buffer = rest
        return [line for line in (raw.strip() for raw in lines) if line]

    def _too_large(self) -> None:
        self._buffer, self._parts, self._pending = b"", [], 0
        raise ResponseError(
            f"upstream sent a line larger than {self._max_size // (1024 * 1024)} MiB", provider=self._provider
        )

    def close(self) -> list[bytes]:
        rest = (self._buffer + b"".join(self._parts)).strip()
        self._buffer, self._parts, self._pending = b"", [], 0
        return [rest] if rest else []
