"""The sync ``Client`` keeps its event loops between calls (``g4f/client/loops.py``).

What users rely on: calls on one client reuse the HTTP connection (as the openai SDK's client
does), a stream is delivered whole and in order even though it is read in batches, stopping a
stream early closes the upstream response, an error after some chunks comes after those chunks,
``close()`` releases the connection and leaves the client usable, and threads may share a client.

The Groq replica runs on its own loop in a background thread, as a real server would: the sync
client cannot run inside the test's event loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest

from g4f.client import Client
from g4f.errors import ResponseError
from g4f.Provider import Groq
from g4f.testing.openai_replica import Fault, Reply

from ..replicas.groq import GROQ_KEY, GroqReplica

if TYPE_CHECKING:
    from typing_extensions import Self

MESSAGES = [{"role": "user", "content": "Say hello"}]
MODEL = "llama-3.3-70b-versatile"


class PeerRecordingReplica(GroqReplica):
    """The Groq replica, noting the client address (host, port) of every request: one address
    for several requests is one reused connection."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.peers: list[tuple[str, int]] = []

    async def _record(self, request: Any, fault: Any) -> Any:
        self.peers.append(request.transport.get_extra_info("peername")[:2])
        return await super()._record(request, fault)


class ThreadedReplica:
    """A replica served from a loop of its own, in a background thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.server = PeerRecordingReplica()
        self._thread = threading.Thread(target=self.loop.run_forever, name="replica", daemon=True)

    def call(self, coroutine: Any, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def __enter__(self) -> Self:
        self._thread.start()
        self.call(self.server.start())
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            self.call(self.server.close())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            self.loop.close()


@pytest.fixture
def replica() -> Iterator[ThreadedReplica]:
    with ThreadedReplica() as served:
        yield served


def groq_client(replica: ThreadedReplica) -> Client:
    return Client(provider=Groq, api_key=GROQ_KEY, base_url=replica.server.base_url)


def streamed_text(chunks: Any) -> str:
    return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)


def test_calls_on_one_client_reuse_one_connection(replica: ThreadedReplica) -> None:
    client = groq_client(replica)
    try:
        for index in range(3):
            replica.server.replies.append(Reply(content=f"Answer number {index}"))
            completion = client.chat.completions.create(model=MODEL, messages=MESSAGES)
            assert completion.choices[0].message.content == f"Answer number {index}"
            replica.server.replies.append(Reply(pieces=["Streamed ", "answer ", str(index)]))
            chunks = list(client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True))
            assert streamed_text(chunks) == f"Streamed answer {index}"
            assert chunks[-1].choices[0].finish_reason == "stop" and chunks[-1].usage.total_tokens > 0
    finally:
        client.close()
    assert len(replica.server.peers) == 6
    assert len(set(replica.server.peers)) == 1, replica.server.peers


def test_a_long_stream_arrives_whole_and_in_order(replica: ThreadedReplica) -> None:
    pieces = [f"w{index} " for index in range(3000)]
    replica.server.replies.append(Reply(pieces=pieces))
    with groq_client(replica) as client:
        chunks = list(client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True))
    assert [chunk.choices[0].delta.content for chunk in chunks[:-1]] == pieces
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_stopping_a_stream_early_closes_the_upstream_response_and_the_client_goes_on(
        replica: ThreadedReplica) -> None:
    replica.server.replies.append(Reply(pieces=[f"w{index} " for index in range(200)], delay=0.01))
    with groq_client(replica) as client:
        stream = client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
        first = next(iter(stream))
        assert first.choices[0].delta.content == "w0 "
        stream.close()  # what leaving a for loop early does to a generator once it is collected
        assert replica.call(replica.server.wait_for_disconnects(1, timeout=5.0))
        replica.server.replies.append(Reply(content="Still here"))
        completion = client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert completion.choices[0].message.content == "Still here"


def test_an_error_after_some_chunks_comes_after_them(replica: ThreadedReplica) -> None:
    replica.server.replies.append(Reply(pieces=["One ", "two ", "three"]))
    replica.server.faults.append(Fault("cut", after=3))
    received: list[str] = []
    with groq_client(replica) as client:
        with pytest.raises(ResponseError):
            for chunk in client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True):
                received.append(chunk.choices[0].delta.content or "")
        assert "".join(received) == "One two "
        replica.server.replies.append(Reply(content="Fine again"))
        assert client.chat.completions.create(model=MODEL, messages=MESSAGES).choices[0].message.content \
            == "Fine again"


def test_close_releases_the_connection_and_the_client_still_works(replica: ThreadedReplica) -> None:
    client = groq_client(replica)
    replica.server.replies.append(Reply(content="Before", times=2))
    assert client.chat.completions.create(model=MODEL, messages=MESSAGES).choices[0].message.content == "Before"
    client.close()
    assert client.chat.completions.create(model=MODEL, messages=MESSAGES).choices[0].message.content == "Before"
    client.close()
    first, second = replica.server.peers
    assert first != second  # the first connection was closed with the client's loop


def test_threads_can_share_one_client(replica: ThreadedReplica) -> None:
    replica.server.replies.append(Reply(pieces=["Shared ", "client"], times=0))
    with groq_client(replica) as client:
        def ask(_: int) -> tuple[str, str]:
            streamed = streamed_text(client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True))
            answered = client.chat.completions.create(model=MODEL, messages=MESSAGES).choices[0].message.content
            return streamed, answered

        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(ask, range(12)))
    assert answers == [("Shared client", "Shared client")] * 12


def test_a_call_inside_a_stream_being_read_works(replica: ThreadedReplica) -> None:
    replica.server.replies.append(Reply(pieces=["Outer ", "stream"]))
    replica.server.replies.append(Reply(content="Inner answer"))
    inner: list[str] = []
    with groq_client(replica) as client:
        outer = []
        for chunk in client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True):
            outer.append(chunk)
            if not inner:
                inner.append(client.chat.completions.create(model=MODEL, messages=MESSAGES)
                             .choices[0].message.content)
    assert streamed_text(outer) == "Outer stream" and inner == ["Inner answer"]
