"""Hostile upstreams (issue 14, points 15-17): a gzip bomb, keep-alive trickles, headers one byte at
a time, broken chunked encoding and a broken header line, from a real server on 127.0.0.1
(:mod:`.hostile`), through Groq (OpenaiTemplate, aiohttp) and Grok (WireProvider, curl_cffi).

Each test is the attack and the bound that defends it: a typed g4f error, within the configured
timeouts (small here, so the suite runs in seconds), with the process's peak memory close to the
configured cap. Before the fix the bomb took the process past 3 GB (aiohttp) or 552 MB (curl_cffi),
the trickles kept requests open until the whole deadline (or forever: there was none for
OpenAI-style providers), and broken framing hung or came out as "HTTP 400" from a 200 upstream.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from g4f.errors import BadRequestError, ResponseError, ResponseStatusError, TimeoutError
from g4f.Provider import Groq
from g4f.Provider.needs_auth.Grok import Grok
from g4f.Provider.template import OpenaiTemplate
from g4f.Provider.template.WireProvider import WireProvider
from g4f.requests import StreamSession
from g4f.requests.limits import DEFAULT_MAX_BODY_SIZE, DEFAULT_REQUEST_TIMEOUT, max_body_size

from .hostile import HostileServer, PeakRSS

MESSAGES = [{"role": "user", "content": "Hello"}]
CAP = 4 * 1024 * 1024
#: Peak memory a refused bomb may cost over the process's baseline: the cap it is held to, and
#: room for the allocator and the interpreter's own noise.
RSS_ALLOWANCE_MB = CAP / 2**20 + 40


@pytest.fixture
async def hostile() -> AsyncIterator[HostileServer]:
    async with HostileServer(interval=0.1) as server:
        yield server


class CappedGroq(Groq):
    max_body_size = CAP
    max_retries = 0


class CappedGrok(Grok):
    max_body_size = CAP


def groq(server: HostileServer, behaviour: str, **options: Any) -> Any:
    options.setdefault("stream", True)
    return CappedGroq.create_async_generator("llama-3.1-8b-instant", MESSAGES, api_key="gsk_hostile_test_key_0001",
                                             base_url=f"{server.url}/{behaviour}", **options)


def grok(server: HostileServer, behaviour: str, **options: Any) -> Any:
    return CappedGrok.create_async_generator("grok-3", MESSAGES, cookies={"sso": "sso-hostile-test-0001"},
                                             base_url=f"{server.url}/{behaviour}", **options)


async def failure(stream: Any, expected: type[BaseException]) -> tuple[BaseException, float, list[Any]]:
    """(the error ``stream`` raised, seconds it took, what came before it)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    received: list[Any] = []
    with pytest.raises(expected) as info:
        async with asyncio.timeout(30):  # a hang fails the test instead of the suite
            async for item in stream:
                received.append(item)
    return info.value, loop.time() - started, received


# -- 15. bodies are capped as they are decoded --------------------------------------------------------
async def test_a_gzip_bomb_answer_stops_at_the_cap_without_inflating_the_rest(hostile):
    with PeakRSS() as peak:
        error, seconds, _ = await failure(groq(hostile, "bomb-json", stream=False), ResponseError)
    assert "4 MiB cap" in str(error) and "max_body_size" in str(error) and "G4F_MAX_BODY_SIZE" in str(error)
    assert error.provider == "CappedGroq"
    assert seconds < 10  # not the whole 1 GiB: RSS would show it too
    assert peak.rise < RSS_ALLOWANCE_MB, f"peak RSS rose by {peak.rise:.0f} MB for a {CAP >> 20} MiB cap"


async def test_a_gzip_bomb_on_grok_stops_at_the_cap(hostile):
    with PeakRSS() as peak:
        error, seconds, _ = await failure(grok(hostile, "bomb-ndjson"), ResponseError)
    assert "4 MiB cap" in str(error)
    assert seconds < 5
    assert peak.rise < RSS_ALLOWANCE_MB, f"peak RSS rose by {peak.rise:.0f} MB for a {CAP >> 20} MiB cap"


async def test_a_flood_faster_than_its_reader_is_held_to_the_cap(hostile):
    """Small valid lines, decoded by curl faster than the answer reads them: what is received and
    not read yet is what memory holds, and it stays under the cap."""
    with PeakRSS() as peak:
        error, _, _ = await failure(grok(hostile, "lines-ndjson"), ResponseError)
    assert "4 MiB cap" in str(error) and "unread" in str(error)
    assert peak.rise < RSS_ALLOWANCE_MB


async def test_a_slow_reader_of_a_stream_session_is_bounded(hostile):
    """The HTTP layer itself: a reader that sleeps between chunks meets the cap, never a growing buffer."""
    session = StreamSession(impersonate="chrome", provider="Test", max_body_size=CAP)
    async with session.post(f"{hostile.url}/lines-ndjson", json={}) as response:
        with PeakRSS() as peak, pytest.raises(ResponseError, match="4 MiB cap"):
            async for _ in response.iter_bytes():
                await asyncio.sleep(0.01)
    assert peak.rise < RSS_ALLOWANCE_MB


async def test_read_of_a_stream_session_is_capped(hostile):
    session = StreamSession(impersonate="chrome", provider="Test", max_body_size=CAP)
    async with session.post(f"{hostile.url}/bomb-json", json={}) as response:
        with pytest.raises(ResponseError, match="4 MiB cap"):
            await response.json()


async def test_the_cap_is_set_by_the_environment(hostile, monkeypatch):
    monkeypatch.setenv("G4F_MAX_BODY_SIZE", str(2 * 1024 * 1024))
    assert max_body_size() == 2 * 1024 * 1024
    stream = Groq.create_async_generator("llama-3.1-8b-instant", MESSAGES, api_key="gsk_hostile_test_key_0001",
                                         base_url=f"{hostile.url}/bomb-json", stream=False, max_retries=0)
    error, _, _ = await failure(stream, ResponseError)
    assert "2 MiB cap" in str(error)


def test_the_defaults():
    assert DEFAULT_MAX_BODY_SIZE == 64 * 1024 * 1024 and DEFAULT_REQUEST_TIMEOUT == 600.0
    assert OpenaiTemplate.request_timeout == WireProvider.request_timeout == DEFAULT_REQUEST_TIMEOUT
    assert Groq.max_body_size is None and Grok.max_body_size is None  # the default, or $G4F_MAX_BODY_SIZE


def test_a_bad_environment_value_falls_back_with_a_warning(monkeypatch, caplog):
    monkeypatch.setenv("G4F_MAX_BODY_SIZE", "lots")
    assert max_body_size() == DEFAULT_MAX_BODY_SIZE
    assert "G4F_MAX_BODY_SIZE" in caplog.text


# -- 16. deadlines: keep-alives are not answers ----------------------------------------------------------
STALL = 0.5


@pytest.mark.parametrize("via, behaviour", [(groq, "comments-sse"), (grok, "blank-ndjson")],
                         ids=["groq-sse-comments", "grok-blank-ndjson-lines"])
async def test_keep_alives_do_not_reset_the_stall_timer(hostile, via, behaviour):
    error, seconds, received = await failure(via(hostile, behaviour, read_timeout=STALL, timeout=30), TimeoutError)
    assert f"stalled for {STALL:g}s" in str(error)
    assert STALL <= seconds < STALL + 2.0  # not the 30 s deadline, nor the 0.1 s between keep-alives
    assert any(type(item).__name__ == "ProviderInfo" for item in received)  # the answer had begun
    assert len(hostile.paths) == 1


@pytest.mark.parametrize("via, behaviour", [(groq, "trickle-sse"), (grok, "trickle-ndjson")],
                         ids=["groq-sse", "grok-ndjson"])
async def test_a_stream_that_never_ends_meets_the_whole_request_deadline(hostile, via, behaviour):
    error, seconds, received = await failure(via(hostile, behaviour, read_timeout=5, timeout=1.0), TimeoutError)
    assert "took longer than its 1s timeout" in str(error)
    assert 1.0 <= seconds < 2.5  # the 1 s deadline (margin for a loaded machine), not the 5 s stall
    assert "Hi" in received  # real data came all along: only the deadline stops it


@pytest.mark.parametrize("via", [groq, grok], ids=["groq-aiohttp", "grok-curl_cffi"])
async def test_headers_trickled_a_byte_at_a_time_end_within_the_stall_timeout(hostile, via):
    error, seconds, _ = await failure(via(hostile, "slow-headers", read_timeout=STALL, timeout=30), TimeoutError)
    assert f"no response for {STALL:g}s" in str(error)
    assert seconds < STALL + 2.0


@pytest.mark.parametrize("via", [groq, grok], ids=["groq-aiohttp", "grok-curl_cffi"])
async def test_headers_trickled_past_the_deadline_end_at_it(hostile, via):
    error, seconds, _ = await failure(via(hostile, "slow-headers", read_timeout=5, timeout=1.0), TimeoutError)
    assert "1s" in str(error)
    assert seconds < 2.5


async def test_a_non_streamed_answer_that_goes_silent_ends_within_the_stall_timeout(hostile):
    error, seconds, _ = await failure(groq(hostile, "stall-json", stream=False, read_timeout=STALL, timeout=30),
                                      TimeoutError)
    assert f"no data for {STALL:g}s" in str(error) and error.provider == "CappedGroq"
    assert STALL <= seconds < STALL + 2.0  # not the 30 s deadline


async def test_a_non_streamed_answer_that_trickles_meets_the_whole_request_deadline(hostile):
    """Bytes every 0.1 s are not a silence: the 0.5 s stall timer restarts at each, the 1 s deadline ends it."""
    error, seconds, _ = await failure(groq(hostile, "trickle-json", stream=False, read_timeout=STALL, timeout=1.0),
                                      TimeoutError)
    assert "took longer than its 1s timeout" in str(error)
    assert 1.0 <= seconds < 2.5


async def test_a_slow_consumer_is_not_a_stalled_upstream(hostile):
    """The stall timer measures the upstream: a caller that holds each event longer than the stall
    timeout still gets the whole stream (here until the deadline)."""
    received = []
    with pytest.raises(TimeoutError, match="took longer"):
        async for item in groq(hostile, "trickle-sse", read_timeout=0.2, timeout=1.5):
            received.append(item)
            await asyncio.sleep(0.3)
    assert received.count("Hi") >= 3


# -- 17. broken framing is a ResponseError, within the stall timeout --------------------------------------
@pytest.mark.parametrize("via, behaviour", [(groq, "bad-chunk-sse"), (grok, "bad-chunk-ndjson")],
                         ids=["groq-aiohttp", "grok-curl_cffi"])
async def test_invalid_chunked_encoding_after_the_first_event_is_a_response_error(hostile, via, behaviour):
    error, seconds, received = await failure(via(hostile, behaviour, read_timeout=1.0, timeout=30), ResponseError)
    assert "malformed" in str(error) and "chunk" in str(error).lower()
    assert not isinstance(error, (BadRequestError, ResponseStatusError)) and error.status is None
    assert seconds < 1.0 + 0.1 + 1.5  # the stall timeout after the first event, at the latest (not 30 s)
    assert "Hi" in received or any(type(item).__name__ == "ProviderInfo" for item in received)


@pytest.mark.parametrize("via", [groq, grok], ids=["groq-aiohttp", "grok-curl_cffi"])
async def test_a_header_line_without_a_colon_is_a_response_error(hostile, via):
    error, seconds, _ = await failure(via(hostile, "bad-header", read_timeout=1.0, timeout=30), ResponseError)
    assert "malformed" in str(error)
    assert "HTTP 400" not in str(error) and error.status is None
    assert not isinstance(error, (BadRequestError, ResponseStatusError))
    assert seconds < 2.0


async def test_the_sync_api_stalls_out_too(hostile):
    """The sync API reads each item in a task of its own: the stall timer follows the reader."""
    import g4f

    def read_all() -> list[Any]:
        return list(g4f.ChatCompletion.create(
            "llama-3.1-8b-instant", MESSAGES, provider=CappedGroq, stream=True, api_key="gsk_hostile_test_key_0001",
            base_url=f"{hostile.url}/comments-sse", read_timeout=STALL, timeout=30))

    started = asyncio.get_running_loop().time()
    with pytest.raises(TimeoutError, match=f"stalled for {STALL:g}s"):
        await asyncio.wait_for(asyncio.to_thread(read_all), 30)
    assert asyncio.get_running_loop().time() - started < STALL + 3.0
