"""Write a streamed answer as server-sent events, with little work per chunk.

* :class:`ChunkEncoder` turns a chunk into ``data: {...}\\n\\n`` bytes. A plain text delta (nearly
  every chunk) is the same JSON each time but for its text, so its bytes are a cached prefix,
  the text encoded, and a fixed suffix.
* :class:`CoalescingWriter` batches what is written while the handler runs and sends it when the
  handler waits for the upstream: the events of one upstream read leave in one socket write, and
  a slow stream is still sent chunk by chunk as soon as each arrives.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ..client.stubs import ChatCompletionChunk, ChatCompletionDelta
from ..requests.jsonlib import dumps

__all__ = ["DONE", "ChunkEncoder", "CoalescingWriter", "event", "with_provider"]

DONE = b"data: [DONE]\n\n"


def event(data: Any) -> bytes:
    """One SSE event holding ``data`` as JSON."""
    return b"data: " + dumps(data) + b"\n\n"


def with_provider(data: dict[str, Any], provider: str | None) -> dict[str, Any]:
    """Name the provider in a completion's ``conversation``, so that sending the conversation back
    continues it with the same provider."""
    conversation = data.get("conversation")
    if isinstance(conversation, dict) and provider and "provider" not in conversation:
        data["conversation"] = {**conversation, "provider": provider}
    return data


class ChunkEncoder:
    """Encode the chunks of one stream as SSE events."""

    __slots__ = ("_model", "_prefix", "_provider", "_role_prefix")

    _SUFFIX = b'},"finish_reason":null,"logprobs":null}]}\n\n'

    def __init__(self) -> None:
        self._model: str | None = None
        self._provider: str | None = None
        self._prefix = self._role_prefix = b""

    def _prefixes(self, chunk: ChatCompletionChunk) -> None:
        self._model, self._provider = chunk.model, chunk.provider
        head = dumps({"id": chunk.id, "object": chunk.object, "created": chunk.created, "model": chunk.model,
                      "provider": chunk.provider})
        choices = b"data: " + head[:-1] + b',"choices":[{"index":0,"delta":{'
        self._prefix = choices + b'"content":'
        self._role_prefix = choices + b'"role":"assistant","content":'

    def encode(self, chunk: ChatCompletionChunk) -> bytes:
        delta = chunk.choices[0].delta
        if (type(chunk) is ChatCompletionChunk and type(delta) is ChatCompletionDelta
                and delta.content is not None and chunk.choices[0].finish_reason is None
                and (delta.role is None or delta.role == "assistant")):
            if chunk.model is not self._model or chunk.provider is not self._provider:
                self._prefixes(chunk)
            prefix = self._prefix if delta.role is None else self._role_prefix
            return prefix + dumps(delta.content) + self._SUFFIX
        return event(with_provider(chunk.to_dict(), chunk.provider))


class CoalescingWriter:
    """Buffer writes to an aiohttp ``StreamResponse``; a background task sends them in batches.

    ``write`` never blocks; when more than ``high_water`` bytes are waiting (a slow client),
    the caller awaits ``drain``. A failed send (the client went away) is raised by the next
    ``write``.
    """

    def __init__(self, response: Any, high_water: int = 256 * 1024) -> None:
        self._response = response
        self._parts: list[bytes] = []
        self._size = 0
        self._high_water = high_water
        self._wakeup = asyncio.Event()
        self._taken = asyncio.Event()
        self._woken = False  # set() already called since the pump last looked
        self._closed = False
        self._error: BaseException | None = None
        self._task = asyncio.get_running_loop().create_task(self._pump())

    def write(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._parts.append(data)
        self._size += len(data)
        if not self._woken:
            self._woken = True
            self._wakeup.set()

    @property
    def backlogged(self) -> bool:
        return self._size > self._high_water

    async def drain(self) -> None:
        """Wait until the buffer has been handed to the socket."""
        while self._size > self._high_water and self._error is None and not self._task.done():
            self._taken.clear()
            await self._taken.wait()
        if self._error is not None:
            raise self._error

    async def _pump(self) -> None:
        try:
            while True:
                self._woken = False
                if self._parts:
                    data = b"".join(self._parts)
                    self._parts.clear()
                    self._size = 0
                    self._taken.set()
                    await self._response.write(data)
                elif self._closed:
                    return
                else:
                    self._wakeup.clear()
                    await self._wakeup.wait()
        except Exception as exc:  # the client went away: reported to the writer
            self._error = exc
            self._parts.clear()
            self._size = 0
            self._taken.set()

    async def close(self) -> None:
        """Send what is buffered and stop the pump (also after a failure)."""
        self._closed = True
        self._wakeup.set()
        try:
            await self._task
        except asyncio.CancelledError:
            if not self._task.cancelled():
                raise

    async def abort(self) -> None:
        """Stop the pump without sending the rest (the handler is being cancelled)."""
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
