"""A hostile upstream: a raw HTTP/1.1 server on 127.0.0.1 that misbehaves on purpose.

An aiohttp replica cannot send broken framing (its writer is correct by construction), so this
one writes bytes to the socket itself. The first segment of the request path picks the
behaviour, so a provider is pointed at one with its base URL alone: Groq's
``base_url=f"{server.url}/bomb-json"`` POSTs ``/bomb-json/chat/completions``, Grok's
``base_url=f"{server.url}/bomb-ndjson"`` POSTs ``/bomb-ndjson/new``.

Behaviours (``interval`` seconds between trickled pieces):

* ``bomb-json`` / ``bomb-sse`` / ``bomb-ndjson``: a gzip body that decodes to ``bomb_size``
  bytes (1 GiB by default) of whitespace after a valid start; it costs the server ~1 MB a GiB,
  since each 1 MiB block compresses (full flush) to the same few hundred bytes.
* ``lines-ndjson``: a gzip flood of small valid NDJSON lines (what a slow reader falls behind on).
* ``comments-sse``: one chunk event, then an SSE comment (``: keep-alive``) every ``interval``.
* ``blank-ndjson``: grok.com's first line, then a blank line every ``interval``.
* ``trickle-sse``: a valid chunk event every ``interval``, forever (no ``[DONE]``).
* ``slow-headers``: the response headers one byte every ``interval``, never ending.
* ``bad-chunk-sse`` / ``bad-chunk-ndjson``: chunked encoding, a valid first event, then a chunk
  size that is not hexadecimal; the connection stays open.
* ``bad-header``: a response header line without a colon; the connection stays open.

``paths`` records each request's path; ``peak_sent`` the bytes written per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import zlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["CHUNK", "GROK_FIRST", "GROK_TOKEN", "HostileServer", "PeakRSS"]

#: One OpenAI chat.completion.chunk event's JSON.
CHUNK = json.dumps({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
                    "choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": None}]}).encode()
#: grok.com's first line of a new conversation, and a token line.
GROK_FIRST = json.dumps({"result": {"conversation": {"conversationId": "c0ffee00-0000-4000-8000-000000000001"}}}).encode()
GROK_TOKEN = json.dumps({"result": {"response": {"token": "Hi", "isThinking": False}}}).encode()

_BLOCK = 1024 * 1024
_STAY_OPEN = 60.0  # seconds a broken response keeps its connection open (the client must not wait for it)


def _gzip_parts(start: bytes, filler: bytes) -> tuple[bytes, bytes]:
    """(gzip header + ``start``, one block of ``filler`` compressed): the block's bytes are the
    same every time after a full flush, so a bomb of any size is that block repeated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = compressor.compress(start) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = filler * (_BLOCK // len(filler))  # whole lines: every block starts a line
    piece = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert again == piece
    return head, piece


class HostileServer:
    def __init__(self, interval: float = 0.1, bomb_size: int = 1024 ** 3) -> None:
        self.interval = interval
        self.bomb_size = bomb_size
        self.paths: list[str] = []
        self.sent: list[int] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.url = ""

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            length = next((int(line.split(":", 1)[1]) for line in lines[1:]
                           if line.lower().startswith("content-length:")), 0)
            await reader.readexactly(length)
            self.paths.append(path)
            behaviour = getattr(self, "_" + path.strip("/").split("/")[0].replace("-", "_"))
            await behaviour(writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(task)
            writer.transport.abort()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    # -- helpers -----------------------------------------------------------------------------------
    @staticmethod
    def _head(content_type: str, *extra: str) -> bytes:
        lines = ["HTTP/1.1 200 OK", f"Content-Type: {content_type}", *extra, "", ""]
        return "\r\n".join(lines).encode()

    async def _bomb(self, writer: asyncio.StreamWriter, content_type: str, start: bytes, filler: bytes) -> None:
        head, piece = _gzip_parts(start, filler)
        writer.write(self._head(content_type, "Content-Encoding: gzip", "Connection: close") + head)
        sent = len(head)
        for _ in range(self.bomb_size // _BLOCK):
            writer.write(piece)
            sent += len(piece)
            await writer.drain()
        self.sent.append(sent)
        await asyncio.sleep(_STAY_OPEN)

    async def _chunked(self, writer: asyncio.StreamWriter, content_type: str, first: bytes) -> None:
        writer.write(self._head(content_type, "Transfer-Encoding: chunked"))
        writer.write(b"%x\r\n%s\r\n" % (len(first), first))
        await writer.drain()
        await asyncio.sleep(self.interval)
        writer.write(b"zz-not-hex\r\nmore\r\n")
        await writer.drain()
        await asyncio.sleep(_STAY_OPEN)

    # -- behaviours --------------------------------------------------------------------------------
    async def _bomb_json(self, writer: asyncio.StreamWriter) -> None:
        await self._bomb(writer, "application/json", b'{"id": "c1", "choices": [', b" ")

    async def _bomb_sse(self, writer: asyncio.StreamWriter) -> None:
        await self._bomb(writer, "text/event-stream", b"data: " + CHUNK + b"\n\n", b"  ")

    async def _bomb_ndjson(self, writer: asyncio.StreamWriter) -> None:
        await self._bomb(writer, "application/x-ndjson", GROK_FIRST + b"\n", b" ")

    async def _lines_ndjson(self, writer: asyncio.StreamWriter) -> None:
        await self._bomb(writer, "application/x-ndjson", GROK_FIRST + b"\n", b'{"result": {}}\n')

    async def _comments_sse(self, writer: asyncio.StreamWriter) -> None:
        writer.write(self._head("text/event-stream", "Connection: close") + b"data: " + CHUNK + b"\n\n")
        while True:
            await writer.drain()
            await asyncio.sleep(self.interval)
            writer.write(b": keep-alive\n\n")

    async def _blank_ndjson(self, writer: asyncio.StreamWriter) -> None:
        writer.write(self._head("application/x-ndjson", "Connection: close") + GROK_FIRST + b"\n")
        while True:
            await writer.drain()
            await asyncio.sleep(self.interval)
            writer.write(b"\n")

    async def _trickle_sse(self, writer: asyncio.StreamWriter) -> None:
        writer.write(self._head("text/event-stream", "Connection: close"))
        while True:
            writer.write(b"data: " + CHUNK + b"\n\n")
            await writer.drain()
            await asyncio.sleep(self.interval)

    async def _trickle_ndjson(self, writer: asyncio.StreamWriter) -> None:
        writer.write(self._head("application/x-ndjson", "Connection: close") + GROK_FIRST + b"\n")
        while True:
            writer.write(GROK_TOKEN + b"\n")
            await writer.drain()
            await asyncio.sleep(self.interval)

    async def _stall_json(self, writer: asyncio.StreamWriter) -> None:
        # A non-streamed answer that begins and then goes silent (its length says more is due).
        writer.write(self._head("application/json", "Content-Length: 1000", "Connection: close") + b'{"id": "c1", ')
        await writer.drain()
        await asyncio.sleep(_STAY_OPEN)

    async def _trickle_json(self, writer: asyncio.StreamWriter) -> None:
        # A non-streamed answer that never ends: a byte of whitespace at every interval, no silence.
        writer.write(self._head("application/json", "Content-Length: 1000000", "Connection: close") + b'{"id": ')
        while True:
            await writer.drain()
            await asyncio.sleep(self.interval)
            writer.write(b" ")

    async def _slow_headers(self, writer: asyncio.StreamWriter) -> None:
        text = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 4000
        for byte in range(len(text)):
            writer.write(text[byte:byte + 1])
            await writer.drain()
            await asyncio.sleep(self.interval)

    async def _bad_chunk_sse(self, writer: asyncio.StreamWriter) -> None:
        await self._chunked(writer, "text/event-stream", b"data: " + CHUNK + b"\n\n")

    async def _bad_chunk_ndjson(self, writer: asyncio.StreamWriter) -> None:
        await self._chunked(writer, "application/x-ndjson", GROK_FIRST + b"\n" + GROK_TOKEN + b"\n")

    async def _bad_header(self, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nthis line has no colon\r\n\r\n"
                     b"data: " + CHUNK + b"\n\n")
        await writer.drain()
        await asyncio.sleep(_STAY_OPEN)


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise LookupError(field)  # pragma: no cover - Linux only


class PeakRSS:
    """``with PeakRSS() as peak: ...``; then ``peak.rise`` is the process's peak resident memory
    inside the block over its resident memory when the block began, in MB (Linux: the kernel's
    high-water mark, reset on entering through ``/proc/self/clear_refs``)."""

    def __init__(self) -> None:
        self.baseline = 0.0
        self.rise = 0.0
        self.measured = False

    def __enter__(self) -> Self:
        gc.collect()
        self.measured = os.path.exists("/proc/self/clear_refs")  # Linux: elsewhere ``rise`` stays 0
        if self.measured:
            with open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")
            self.baseline = _status_mb("VmRSS")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.measured:
            self.rise = _status_mb("VmHWM") - self.baseline
