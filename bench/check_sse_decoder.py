"""Differential check of g4f's SSE decoder against a plain line-by-line reference.

``SSEDecoder.feed`` takes whole single-line ``data:`` events with ``bytes.split`` (the hot path of
every OpenAI-style stream) and hands everything else to its line parser. This script feeds random
bodies (data/event/id/retry/comment lines, CR/LF/CRLF endings, blank lines), split at random
points, with random size limits, to both decoders and requires identical output: the same events
from every ``feed`` call, the same ``close``, the same errors.

    python bench/check_sse_decoder.py [seed] [cases]
"""

from __future__ import annotations

import itertools
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from g4f.errors import ResponseError
from g4f.requests.decoders import SSEDecoder

__all__ = ["ReferenceSSEDecoder", "check"]

PIECES = [b"data: ", b"data:", b"data", b"event: ", b"event:x", b"id: 1", b": c", b"retry: 5", b"x",
          b'{"a":1}', b"\n", b"\n", b"\n", b"\r", b"\r\n", b"[DONE]", b" ", b"yy", b"error", b"\n\n",
          b"data: zz\n\n"]


class ReferenceSSEDecoder:
    """Server-sent events, as the HTML spec defines them.

    ``feed`` returns ``(event, data)`` pairs: ``event`` is the ``event:`` field (None for the
    default "message") and ``data`` the ``data:`` lines joined with ``\\n``. Lines may end with
    LF, CRLF or CR; comment lines (``:``) and ``id:``/``retry:`` are skipped.
    """

    __slots__ = ("_buffer", "_data", "_event", "_max_size", "_provider", "_skip_lf")

    def __init__(self, provider: str | None = None, max_size: int = 8 * 1024 * 1024) -> None:
        self._buffer = b""
        self._data: bytes | None = None
        self._event: str | None = None
        self._max_size = max_size
        self._provider = provider
        # The previous read ended with CR: a LF opening this read is the second half of that CRLF.
        self._skip_lf = False

    def feed(self, chunk: bytes) -> list[tuple[str | None, bytes]]:
        if self._skip_lf and chunk:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        buffer = self._buffer + chunk if self._buffer else chunk
        if b"\r" in buffer:
            # A CR ends its line at once (a server may pause right after it); remember to drop
            # the LF of a CRLF that was split between two reads.
            self._skip_lf = buffer.endswith(b"\r")
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        events: list[tuple[str | None, bytes]] = []
        data = self._data
        find = buffer.find
        pos = 0
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
        rest = buffer[pos:]
        if len(rest) > self._max_size:
            self._too_large()
        self._buffer = rest
        return events

    def _field(self, line: bytes) -> None:
        name, _, value = line.partition(b":")
        if value[:1] == b" ":
            value = value[1:]
        if name == b"event":
            self._event = value.decode("utf-8", "replace") or None

    def _too_large(self) -> None:
        self._buffer, self._data = b"", None
        raise ResponseError(
            f"upstream sent an event larger than {self._max_size // (1024 * 1024)} MiB", provider=self._provider
        )

    def close(self) -> list[tuple[str | None, bytes]]:
        """Flush at the end of the stream: a last event that lacks its blank line still counts."""
        events = self.feed(b"\n") if self._buffer else []
        if self._data is not None:
            events.append((self._event, self._data))
        self._buffer, self._data, self._event, self._skip_lf = b"", None, None, False
        return events


def _run(cls: type, chunks: list[bytes], max_size: int) -> list[tuple[str, object]]:
    decoder = cls(max_size=max_size)
    out: list[tuple[str, object]] = []
    try:
        for chunk in chunks:
            out.append(("feed", decoder.feed(chunk)))
        out.append(("close", decoder.close()))
    except ResponseError as exc:
        out.append(("error", str(exc)))
    return out


def check(seed: int, cases: int) -> None:
    rng = random.Random(seed)
    for _ in range(cases):
        body = b"".join(rng.choice(PIECES) for _ in range(rng.randint(0, 30)))
        cuts = [0, *sorted(rng.randint(0, len(body)) for _ in range(rng.randint(0, 6))), len(body)]
        chunks = [body[a:b] for a, b in itertools.pairwise(cuts)]
        max_size = rng.choice([8, 16, 30, 1 << 20])
        expected, got = _run(ReferenceSSEDecoder, chunks, max_size), _run(SSEDecoder, chunks, max_size)
        if expected != got:
            raise AssertionError(f"decoders differ on {chunks!r} (max_size={max_size}):\n"
                                 f"reference: {expected}\ng4f:       {got}")


if __name__ == "__main__":
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    cases = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
    check(seed, cases)
    print(f"ok: {cases:,} random bodies, seed {seed}")
