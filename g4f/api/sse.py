"""Write a streamed answer as server-sent events, with little work per chunk.

* :class:`WireAnswer` turns a provider's events into ``data: {...}\\n\\n`` bytes with the
  client's chunk rules (:mod:`g4f.client.convert`). A plain text delta (nearly every chunk) is
  the same JSON each time but for its text, so its bytes are a cached prefix, the text encoded,
  and a fixed suffix: no chunk object is built for it, and nothing is parsed again.
* :class:`CoalescingWriter` batches what is written while the handler runs and sends it when the
  handler waits for the upstream: the events of one upstream read leave in one socket write, and
  a slow stream is still sent chunk by chunk as soon as each arrives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from ..client.convert import ChunkAnswer
from ..client.stubs import ChatCompletionChunk, ChatCompletionDelta, Usage
from ..requests.jsonlib import dumps

__all__ = ["DONE", "USAGE_SEEN", "CoalescingWriter", "WireAnswer", "event", "with_provider"]

DONE = b"data: [DONE]\n\n"

#: Who must know a streamed answer's usage whether or not the client asked ``include_usage``
#: (the token rate limit: the server counts every answer's tokens); called once, at its end.
USAGE_SEEN: ContextVar[Callable[[Usage], None] | None] = ContextVar("g4f_usage_seen", default=None)


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


class WireAnswer(ChunkAnswer):
    """An answer written as SSE bytes: the chunk rules of :mod:`g4f.client.convert`, no chunk
    objects on the hot path.

    A text delta (nearly every chunk) is the same JSON each time but for its text, so its bytes
    are a prefix made once per answer (rebuilt when the provider, model, id or fingerprint
    change, which happens before the first text), the text encoded, and a fixed suffix. Every
    other chunk (reasoning, tool calls, images, the last one) is built as the client's object and
    encoded from its ``to_dict()``: the same fields either way. ``provider`` is on every chunk;
    with ``include_usage`` every chunk carries ``"usage": null`` but the last, OpenAI's usage
    chunk (empty ``choices``).
    """

    __slots__ = ("_prefix", "_role_prefix", "_suffix")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prefixes()

    def retarget(self) -> None:
        self._prefixes()

    def _prefixes(self) -> None:
        head: dict[str, Any] = {"id": self.id, "object": "chat.completion.chunk", "created": self.created,
                                "model": self.model}
        if self.fingerprint:
            head["system_fingerprint"] = self.fingerprint
        head["provider"] = self.provider
        choices = b"data: " + dumps(head)[:-1] + b',"choices":[{"index":0,"delta":{'
        self._prefix = choices + b'"content":'
        self._role_prefix = choices + b'"role":"assistant","content":'
        self._suffix = _TEXT_SUFFIX + (_NULL_USAGE if self.include_usage else b"") + b"}\n\n"

    def text(self, text: str) -> bytes:  # type: ignore[override]
        self.wrote_content = True
        if self.role is None and self.logprobs is None:  # nearly every chunk
            return self._prefix + dumps(text) + self._suffix
        prefix = self._role_prefix if self._take_role() else self._prefix
        logprobs = self._take_logprobs()
        if logprobs is None:
            return prefix + dumps(text) + self._suffix
        return (prefix + dumps(text) + b'},"finish_reason":null,"logprobs":' + dumps(logprobs) + b"}]"
                + (_NULL_USAGE if self.include_usage else b"") + b"}\n\n")

    def _encode(self, chunk: ChatCompletionChunk, usage: bool = False) -> bytes:
        data = chunk.to_dict()
        data["provider"] = self.provider
        if usage or self.include_usage:
            data.setdefault("usage", None)
        return event(with_provider(data, self.provider))

    def _chunk(self, delta: ChatCompletionDelta) -> bytes:  # type: ignore[override]
        return self._encode(super()._chunk(delta))

    def _last(self, delta: ChatCompletionDelta, finish: str, usage: Usage | None) -> bytes:  # type: ignore[override]
        return self._encode(super()._last(delta, finish, usage))

    def _usage_chunk(self) -> bytes:  # type: ignore[override]
        return self._encode(super()._usage_chunk(), usage=True)

    def last_chunks(self) -> list[Any]:
        seen = USAGE_SEEN.get()
        if seen is not None and self.usage is not None:
            seen(self.usage)
        return super().last_chunks()


_TEXT_SUFFIX = b'},"finish_reason":null,"logprobs":null}]'
_NULL_USAGE = b',"usage":null'


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
                if self._closed:  # the last batch leaves with the end of the body: one write
                    data = b"".join(self._parts)
                    self._parts.clear()
                    self._size = 0
                    self._taken.set()
                    await self._response.write_eof(data)
                    return
                if self._parts:
                    data = b"".join(self._parts)
                    self._parts.clear()
                    self._size = 0
                    self._taken.set()
                    await self._response.write(data)
                else:
                    self._wakeup.clear()
                    await self._wakeup.wait()
        except Exception as exc:  # noqa: BLE001 - the client went away: reported to the writer
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
