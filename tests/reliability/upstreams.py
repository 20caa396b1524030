"""Both provider kinds against their replicas, with one vocabulary of faults.

``upstream`` is parametrized over the two kinds a user meets: an OpenAI-compatible API (the Groq
declaration against the Groq replica) and a web app behind cookies (Grok against the grok.com
replica). Each :class:`Upstream` can play every fault of :data:`FAULTS` on its next request, and
runs its provider exactly as a user does; only the base URL points at 127.0.0.1.

Tests never sleep to let something happen: the replicas here signal what they see (a request
arrived, an answer entered its stall, a client left) and tests wait for that, with a bound.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from aiohttp import web

from g4f.Provider.needs_auth.Grok import Grok
from g4f.Provider.needs_auth.Groq import Groq
from g4f.testing.openai_replica import Fault, Reply
from tests.replicas.grok import GrokReplica
from tests.replicas.groq import GROQ_KEY, GroqReplica

#: Small timeouts: a stalled stream fails after READ_TIMEOUT seconds of silence.
READ_TIMEOUT = 0.5
#: No case of the fault matrix may take longer than this (it would be a hang).
CASE_BOUND = 15.0

FAULTS = (
    "rate_limit", "unauthorized", "forbidden", "not_found", "server_error", "bad_gateway_html",
    "malformed_line", "cut_mid_chunk", "no_terminator", "reset_before_answer", "reset_mid_stream",
    "stall", "huge_line", "invalid_utf8", "wrong_content_type",
)

_GROQ_FAULTS = {
    # times=0: every request (the template's retries meet the same fault again).
    "rate_limit": lambda: Fault.rate_limit(retry_after=7, times=0),
    "unauthorized": lambda: Fault.unauthorized(times=0),
    "forbidden": lambda: Fault.forbidden(times=0),
    "not_found": lambda: Fault.model_not_found(times=0),
    "server_error": lambda: Fault.server_error(500, times=0),
    "bad_gateway_html": lambda: Fault.bad_gateway(times=0),
    "malformed_line": lambda: Fault.malformed_line(times=0),
    "cut_mid_chunk": lambda: Fault.cut_mid_chunk(times=0),
    "no_terminator": lambda: Fault.cut(times=0),
    "reset_before_answer": lambda: Fault.reset(times=0),
    "reset_mid_stream": lambda: Fault.reset(after=2, times=0),
    "stall": lambda: Fault.stall(seconds=30, times=0),
    "huge_line": lambda: Fault.huge_line(times=0),
    "invalid_utf8": lambda: Fault.invalid_utf8(times=0),
    "wrong_content_type": lambda: Fault.wrong_content_type(times=0),
}

_GROK_FAULTS = {
    "rate_limit": "rate_limit", "unauthorized": "unauthorized", "forbidden": "forbidden",
    "not_found": "not_found", "server_error": "server_error", "bad_gateway_html": "bad_gateway",
    "malformed_line": "malformed", "cut_mid_chunk": "cut", "no_terminator": "truncated",
    "reset_before_answer": "reset_at_once", "reset_mid_stream": "reset", "stall": "stall",
    "huge_line": "huge_line", "invalid_utf8": "invalid_utf8", "wrong_content_type": "wrong_content_type",
}

#: The same faults as per-request ``X-Replica-Fault`` headers of the OpenAI-compatible replica.
GROQ_FAULT_HEADERS = {
    "rate_limit": "429 retry_after=7", "unauthorized": "401", "forbidden": "403", "not_found": "404",
    "server_error": "500", "bad_gateway_html": "html status=502", "malformed_line": "malformed after=2",
    "cut_mid_chunk": "cut_mid_chunk after=2", "no_terminator": "cut after=2", "reset_before_answer": "reset",
    "reset_mid_stream": "reset after=2", "stall": "stall after=2 delay=30", "huge_line": "huge_line after=2",
    "invalid_utf8": "invalid_utf8 after=2", "wrong_content_type": "content_type",
}

MESSAGES = [{"role": "user", "content": "Tell me a story about a lighthouse keeper"}]

T = TypeVar("T")


class Signalled(list[T]):
    """A replica's record (requests, disconnects, stalls) that can be awaited as it grows."""

    def __init__(self, items: Iterable[T] = ()) -> None:
        super().__init__(items)
        self._grew = asyncio.Event()

    def append(self, item: T) -> None:
        super().append(item)
        self._grew.set()

    async def reach(self, count: int, timeout: float) -> bool:
        """Wait until the record holds ``count`` entries; False if it does not within ``timeout`` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self) < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            self._grew.clear()  # no await since the length was read: no append can be missed
            try:
                await asyncio.wait_for(self._grew.wait(), remaining)
            except asyncio.TimeoutError:
                return len(self) >= count
        return True


class SignallingGroqReplica(GroqReplica):
    """The Groq replica, whose records can be awaited; ``stalls`` lists the answers in their stall."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.requests = Signalled(self.requests)
        self.disconnects = Signalled(self.disconnects)
        self.stalls: Signalled[str] = Signalled()

    async def _play(self, request: web.Request, response: web.StreamResponse, fault: Fault,
                    encoder: Any, pending: bytes) -> bool:
        # Where a stream fault is played; a "stall" stays silent in there.
        if fault.kind == "stall":
            self.stalls.append(request.path)
        return await super()._play(request, response, fault, encoder, pending)


@dataclass
class SignallingGrokReplica(GrokReplica):
    """The grok.com replica, whose records can be awaited; ``stalls`` lists the answers in their stall."""

    def __post_init__(self) -> None:
        self.requests = Signalled(self.requests)
        self.disconnects = Signalled(self.disconnects)
        self.stalls: Signalled[str] = Signalled()

    async def _stall(self, request: web.Request) -> None:
        self.stalls.append(request.path)
        await super()._stall(request)


@dataclass
class Upstream:
    """One provider kind and its replica, ready to play faults."""

    kind: str
    provider: Any
    replica: Any
    options: dict[str, Any] = field(default_factory=dict)

    def inject(self, fault: str) -> None:
        """Make the next request(s) meet ``fault`` (a name from :data:`FAULTS`)."""
        if self.kind == "openai":
            self.replica.faults.append(_GROQ_FAULTS[fault]())
        else:
            self.replica.fault = _GROK_FAULTS[fault]
            self.replica.retry_after = 7.0

    def clear(self) -> None:
        if self.kind == "openai":
            self.replica.faults.clear()
        else:
            self.replica.fault = None

    def slow(self, delay: float = 0.05, words: int = 400) -> None:
        """Make the next answer long and slow (a word every ``delay`` seconds)."""
        if self.kind == "openai":
            self.replica.replies.append(Reply(content=" ".join(["word"] * words), delay=delay))
        else:
            self.replica.fault = "slow"
            self.replica.slow_delay = delay

    def stream(self, messages: list[dict[str, Any]] | None = None, **kwargs: Any) -> AsyncIterator[Any]:
        """The provider's stream as a user opens it; an option given as None is left out."""
        options = {k: v for k, v in {**self.options, **kwargs}.items() if v is not None}
        stream: AsyncIterator[Any] = self.provider.create_async_generator(
            self.provider.default_model, messages or MESSAGES, stream=True, **options)
        return stream

    def stream_with_fault(self, fault: str | None, **kwargs: Any) -> AsyncIterator[Any]:
        """A request that meets ``fault`` (None: none) whatever other requests meet at the same time."""
        if fault is None:
            return self.stream(**kwargs)
        if self.kind == "openai":
            return self.stream(headers={"X-Replica-Fault": GROQ_FAULT_HEADERS[fault]}, **kwargs)
        text = f"{MESSAGES[0]['content']} [replica-fault:{_GROK_FAULTS[fault]}]"
        return self.stream([{"role": "user", "content": text}], **kwargs)

    @property
    def disconnects(self) -> list[str]:
        disconnects: list[str] = self.replica.disconnects
        return disconnects

    async def wait_for_disconnects(self, count: int = 1, timeout: float = 10.0) -> bool:
        """Wait until ``count`` clients have left an answer early (the replica saw the connection close)."""
        return bool(await self.replica.disconnects.reach(count, timeout))

    async def wait_for_stall(self, count: int = 1, timeout: float = 10.0) -> bool:
        """Wait until ``count`` answers are (or were) silent in a "stall" fault."""
        return bool(await self.replica.stalls.reach(count, timeout))

    async def wait_for_requests(self, count: int = 1, timeout: float = 10.0) -> bool:
        """Wait until the replica has received ``count`` requests."""
        return bool(await self.replica.requests.reach(count, timeout))


def groq_provider(base_url: str, **attributes: Any) -> type[Groq]:
    """Groq as declared, only its base URL moved; quick retries so faults stay quick."""
    namespace = {"api_base": base_url, "retry_backoff": 0.01, "max_retry_delay": 1.0, **attributes}
    return type("Groq", (Groq,), namespace)


async def start_groq(serve: Any, monkeypatch: pytest.MonkeyPatch, key: str = GROQ_KEY) -> Upstream:
    replica = SignallingGroqReplica(api_key=key)
    server = await serve(replica.app)
    replica.attach(server.url)
    monkeypatch.setenv("GROQ_API_KEY", key)
    return Upstream("openai", groq_provider(replica.base_url), replica,
                    {"read_timeout": READ_TIMEOUT, "connect_timeout": 2.0})


async def start_grok(serve: Any, monkeypatch: pytest.MonkeyPatch, sso: str | None = None) -> Upstream:
    replica = SignallingGrokReplica() if sso is None else SignallingGrokReplica(valid_sso={sso})
    server = await serve(replica.app())
    monkeypatch.setattr(Grok, "url", server.url)
    monkeypatch.setattr(Grok, "conversation_url", f"{server.url}/rest/app-chat/conversations")
    monkeypatch.setattr(Grok, "assets_url", f"{server.url}/assets")
    return Upstream("grok", Grok, replica, {"cookies": {"sso": replica.sso}, "read_timeout": READ_TIMEOUT})


def open_fds() -> int:
    """How many file descriptors this process holds."""
    return len(os.listdir("/proc/self/fd"))


def open_sockets() -> int:
    """How many sockets this process holds (client and server ends alike)."""
    count = 0
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                count += 1
        except OSError:
            pass
    return count
