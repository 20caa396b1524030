"""OpenaiTemplate's errors, retries and timeouts, each played by the Groq replica."""

from __future__ import annotations

import logging
import socket
import sys

import pytest

from g4f.errors import (
    BadRequestError,
    G4FError,
    MissingAuthError,
    ModelNotFoundError,
    NetworkError,
    RateLimitError,
    ResponseError,
    ResponseStatusError,
    TimeoutError,
)
from g4f.Provider.needs_auth.Groq import Groq
from g4f.providers.response import ProviderInfo, is_text
from g4f.testing.openai_replica import Fault, Reply
from tests.replicas.groq import GROQ_KEY

MESSAGES = [{"role": "user", "content": "hello big world"}]


class FastGroq(Groq):
    """Groq with a 10 ms backoff step, so retry tests do not sleep."""

    retry_backoff = 0.01


async def collect(replica, stream=True, provider=FastGroq, model="llama-3.3-70b-versatile", **kw):
    kw.setdefault("api_key", GROQ_KEY)
    kw.setdefault("base_url", replica.base_url)
    return [item async for item in provider.create_async_generator(model, MESSAGES, stream=stream, **kw)]


# -- HTTP errors ------------------------------------------------------------------------------

@pytest.mark.parametrize(("fault", "error", "words"), [
    (Fault.unauthorized(), MissingAuthError, "Invalid API Key"),
    (Fault.forbidden(), MissingAuthError, "no access"),
    (Fault.model_not_found(), ModelNotFoundError, "does not exist"),
    (Fault.http(400, "messages: bad role"), BadRequestError, "bad role"),
    (Fault.http(413), BadRequestError, "Request Entity Too Large"),
    (Fault.http(422), BadRequestError, "Unprocessable Entity"),
    (Fault.server_error(500), ResponseStatusError, "Internal Server Error"),
    (Fault.bad_gateway(), ResponseStatusError, "502 Bad Gateway"),
    (Fault.rate_limit(retry_after=7), RateLimitError, "Rate limit reached"),
], ids=lambda v: getattr(v, "__name__", None) or getattr(v, "status", None) or str(v)[:12])
@pytest.mark.parametrize("stream", [True, False])
async def test_http_errors_map_to_typed_errors_with_the_upstreams_words(groq, fault, error, words, stream):
    groq.faults.append(fault)
    with pytest.raises(error, match=words) as info:
        await collect(groq, stream=stream, max_retries=0)
    assert str(info.value).startswith("FastGroq: HTTP ")
    assert info.value.status == fault.status
    if fault.status == 429:
        assert info.value.retry_after == 7
    assert len(groq.chat_requests) == 1  # (a 404 also asks GET /models, for the hint)


async def test_a_wrong_key_is_missing_auth_and_the_key_is_never_shown(groq, caplog):
    wrong = "gsk_wrongKeyThatMustNotLeak_42"
    groq.faults.append(Fault.unauthorized(message=f"Invalid API Key: {wrong}"))  # some upstreams echo it
    with caplog.at_level(logging.DEBUG, logger="g4f"), pytest.raises(MissingAuthError) as info:
        await collect(groq, api_key=wrong)
    assert groq.last_request.bearer == wrong
    for text in (str(info.value), repr(info.value), caplog.text, repr(FastGroq()), repr(FastGroq)):
        assert wrong not in text
    assert "***" in str(info.value)


async def test_the_real_key_check_of_the_replica(groq):
    with pytest.raises(MissingAuthError, match="Invalid API Key"):
        await collect(groq, api_key="gsk_notTheRightOne123")


async def test_unknown_model_is_sent_as_is_and_the_404_is_model_not_found(groq):
    with pytest.raises(ModelNotFoundError, match="model-of-tomorrow"):
        await collect(groq, model="model-of-tomorrow")
    assert groq.chat_requests[-1].body["model"] == "model-of-tomorrow"
    assert len(groq.chat_requests) == 1  # a 404 is not retried


async def test_a_model_released_today_works_without_a_g4f_update(groq):
    groq.models["brand-new-model"] = {"id": "brand-new-model"}
    items = await collect(groq, model="brand-new-model")
    assert "".join(i for i in items if is_text(i)) == "You said: hello big world"


async def test_aliases_are_resolved_before_sending(groq):
    with pytest.raises(ModelNotFoundError, match="decommissioned"):  # retired at Groq, still accepted here
        await collect(groq, model="mixtral-8x7b")
    assert groq.chat_requests[-1].body["model"] == "mixtral-8x7b-32768"
    await collect(groq, model="")
    assert groq.last_request.body["model"] == "openai/gpt-oss-120b"


# -- retries ----------------------------------------------------------------------------------

async def test_429_is_retried_after_the_upstreams_retry_after(groq, monkeypatch):
    waits = []

    async def recording_sleep(delay):
        waits.append(delay)

    monkeypatch.setattr(sys.modules["g4f.providers.attempts"], "_sleep", recording_sleep)
    groq.faults.append(Fault.rate_limit(retry_after=3))
    items = await collect(groq)
    assert waits == [3.0]
    assert "".join(i for i in items if is_text(i)) == "You said: hello big world"
    assert len(groq.requests) == 2


async def test_a_429_without_retry_after_uses_groqs_x_ratelimit_reset_header(groq):
    groq.faults.append(Fault.rate_limit(retry_after=None))
    with pytest.raises(RateLimitError) as info:
        await collect(groq, max_retries=0)
    assert info.value.retry_after == 6  # x-ratelimit-reset-requests: 6s


async def test_an_answer_that_does_not_start_within_the_read_timeout_is_retried(groq):
    groq.faults.append(Fault("stall", delay=30))  # non-streamed: silence before the response
    items = await collect(groq, stream=False, read_timeout=0.3)
    assert "".join(i for i in items if is_text(i)) == "You said: hello big world"
    assert len(groq.requests) == 2


async def test_a_retry_after_beyond_the_cap_is_raised_at_once(groq):
    groq.faults.append(Fault.rate_limit(retry_after=3600))
    with pytest.raises(RateLimitError) as info:
        await collect(groq)
    assert info.value.retry_after == 3600 and len(groq.requests) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_is_retried_with_backoff_then_succeeds(groq, status):
    fault = Fault.bad_gateway() if status == 502 else Fault.server_error(status)
    fault.times = 2
    groq.faults.append(fault)
    items = await collect(groq)
    assert "".join(i for i in items if is_text(i)) == "You said: hello big world"
    assert len(groq.requests) == 3
    assert sum(isinstance(i, ProviderInfo) for i in items) == 1


async def test_retries_stop_after_max_retries(groq):
    groq.faults.append(Fault.server_error(500, times=0))
    with pytest.raises(ResponseStatusError) as info:
        await collect(groq)
    assert info.value.status == 500 and len(groq.requests) == 3  # default max_retries=2
    groq.requests.clear()
    with pytest.raises(ResponseStatusError):
        await collect(groq, max_retries=0)
    assert len(groq.requests) == 1


async def test_a_reset_before_the_answer_is_retried(groq):
    groq.faults.append(Fault.reset())
    items = await collect(groq)
    assert "".join(i for i in items if is_text(i)) == "You said: hello big world"
    assert len(groq.requests) == 2


async def test_a_refused_connection_is_a_network_error_after_the_retries():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(NetworkError):
        await FastGroq.create_async_generator(
            "llama-3.3-70b-versatile", MESSAGES, api_key=GROQ_KEY, base_url=f"http://127.0.0.1:{port}/openai/v1"
        ).__anext__()


async def test_a_503_retry_after_is_honoured_and_without_one_backoff_is_used(groq, monkeypatch):
    waits = []

    async def recording_sleep(delay):
        waits.append(delay)

    monkeypatch.setattr(sys.modules["g4f.providers.attempts"], "_sleep", recording_sleep)
    groq.faults.append(Fault.server_error(503, retry_after=2))
    await collect(groq)
    groq.faults.append(Fault.server_error(503))
    await collect(groq)
    assert waits[0] == 2
    assert waits[1] < 0.011  # FastGroq's first backoff step, not the 6 s of x-ratelimit-reset-requests
    assert len(groq.requests) == 4


# -- faults in the middle of a stream ---------------------------------------------------------

@pytest.mark.parametrize("fault", [
    Fault.cut(after=3), Fault.cut_mid_chunk(after=3), Fault.malformed_line(after=3), Fault.reset(after=3),
], ids=["cut-without-done", "cut-mid-chunk", "malformed-line", "reset"])
async def test_a_stream_broken_after_output_raises_and_is_not_retried(groq, fault):
    groq.faults.append(fault)
    seen = []
    with pytest.raises(G4FError) as info:
        async for item in FastGroq.create_async_generator("llama-3.3-70b-versatile", MESSAGES, api_key=GROQ_KEY,
                                                          base_url=groq.base_url):
            seen.append(item)
    assert isinstance(info.value, (ResponseError, NetworkError))
    assert "".join(i for i in seen if is_text(i)) == "You said: "  # the part that came, never passed off as whole
    assert len(groq.requests) == 1


@pytest.mark.parametrize("kind", ["cut", "cut_mid_chunk", "malformed"])
async def test_a_cut_non_streamed_body_is_a_response_error(groq, kind):
    groq.faults.append(Fault(kind))
    with pytest.raises(ResponseError):
        await collect(groq, stream=False)


async def test_cut_without_done_before_any_text_is_still_an_error(groq):
    groq.faults.append(Fault.cut(after=1))
    with pytest.raises(ResponseError, match=r"\[DONE\]"):
        await collect(groq)


async def test_x_groq_error_in_a_chunk_is_a_response_error(groq):
    groq.faults.append(Fault.stream_error("Service overloaded, generation stopped", after=3))
    with pytest.raises(ResponseError, match="Service overloaded"):
        await collect(groq)


async def test_slow_chunks_still_give_the_whole_answer(groq):
    groq.faults.append(Fault.slow(delay=0.02))
    items = await collect(groq, read_timeout=5)
    assert "".join(i for i in items if is_text(i)) == "You said: hello big world"


async def test_a_stalled_stream_is_a_timeout(groq):
    groq.faults.append(Fault.stall(after=3, seconds=30))
    with pytest.raises(TimeoutError):
        await collect(groq, read_timeout=0.3)


async def test_the_total_timeout_bounds_a_slow_answer(groq):
    groq.replies.append(Reply(pieces=["x"] * 100, delay=0.05))
    with pytest.raises(TimeoutError):
        await collect(groq, timeout=0.3)


async def test_a_connection_that_is_never_accepted_hits_the_connect_timeout():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        fillers = []  # fill the accept queue: further SYNs are dropped, so connecting hangs
        try:
            for _ in range(3):
                filler = socket.socket()
                filler.setblocking(False)
                fillers.append(filler)
                try:
                    filler.connect(("127.0.0.1", port))
                except BlockingIOError:
                    pass
            with pytest.raises(TimeoutError, match="(?i)timeout"):
                await FastGroq.create_async_generator(
                    "llama-3.3-70b-versatile", MESSAGES, api_key=GROQ_KEY, max_retries=0, connect_timeout=0.2,
                    base_url=f"http://127.0.0.1:{port}/openai/v1",
                ).__anext__()
        finally:
            for filler in fillers:
                filler.close()


async def test_a_stream_that_breaks_before_any_output_is_retried_and_announced_once(groq):
    groq.faults.append(Fault.reset(after=1))  # headers and the role chunk, then a reset
    items = await collect(groq)
    assert "".join(i for i in items if is_text(i)) == "You said: hello big world"
    assert sum(isinstance(i, ProviderInfo) for i in items) == 1
