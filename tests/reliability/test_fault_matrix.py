"""Every way an upstream fails, for both provider kinds: a typed error with a useful message, soon.

The table below is the promise documented in docs/reliability.md. Each case runs the provider as
a user does, against its replica playing one fault, bounded by ``asyncio.wait_for`` so a hang
fails the case instead of the suite.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from g4f.errors import (
    G4FError,
    MissingAuthError,
    ModelNotFoundError,
    NetworkError,
    RateLimitError,
    ResponseError,
    ResponseStatusError,
    TimeoutError,
)

from .upstreams import CASE_BOUND, FAULTS, READ_TIMEOUT, Upstream

#: fault -> (error for the OpenAI-compatible kind, error for Grok, words the message must hold;
#: "a|b" means either)
EXPECTED: dict[str, tuple[type[G4FError], type[G4FError], tuple[str, ...]]] = {
    "rate_limit": (RateLimitError, RateLimitError, ("429", "retry after 7")),
    "unauthorized": (MissingAuthError, MissingAuthError, ("401",)),
    "forbidden": (MissingAuthError, MissingAuthError, ("403",)),
    "not_found": (ModelNotFoundError, ResponseStatusError, ("404",)),
    "server_error": (ResponseStatusError, ResponseStatusError, ("500",)),
    "bad_gateway_html": (ResponseStatusError, ResponseStatusError, ("502", "HTML error page")),
    "malformed_line": (ResponseError, ResponseError, ("not JSON",)),
    "cut_mid_chunk": (ResponseError, ResponseError, ("incomplete|cut short",)),
    "no_terminator": (ResponseError, ResponseError, ("incomplete",)),
    "reset_before_answer": (NetworkError, NetworkError, ()),
    "reset_mid_stream": (ResponseError, ResponseError, ("cut short",)),
    "stall": (TimeoutError, TimeoutError, ()),
    "huge_line": (ResponseError, ResponseError, ("larger than 8 MiB",)),
    "invalid_utf8": (ResponseError, ResponseError, ("UTF-8",)),
    "wrong_content_type": (ResponseError, ResponseError, ("text/html",)),
}

_STATUS = {"rate_limit": 429, "unauthorized": 401, "forbidden": 403, "not_found": 404, "server_error": 500,
           "bad_gateway_html": 502}


async def run_case(upstream: Upstream, fault: str) -> tuple[BaseException | None, list, float]:
    """Play ``fault`` once: (the error raised or None, what was yielded before it, seconds taken)."""
    upstream.inject(fault)
    received: list = []

    async def consume() -> None:
        async for item in upstream.stream():
            received.append(item)

    started = time.monotonic()
    try:
        await asyncio.wait_for(consume(), CASE_BOUND)
    except asyncio.TimeoutError as exc:
        if not isinstance(exc, G4FError):
            pytest.fail(f"{upstream.kind}/{fault}: no answer and no error within {CASE_BOUND}s (a hang)")
        return exc, received, time.monotonic() - started
    except Exception as exc:  # noqa: BLE001 - the case is judged by the caller
        return exc, received, time.monotonic() - started
    finally:
        upstream.clear()
    return None, received, time.monotonic() - started


def check_error(upstream: Upstream, fault: str, error: BaseException | None, received: list) -> None:
    openai_error, grok_error, words = EXPECTED[fault]
    expected = openai_error if upstream.kind == "openai" else grok_error
    assert error is not None, f"{upstream.kind}/{fault}: the stream passed for a complete answer: {received!r}"
    assert type(error) is expected, f"{upstream.kind}/{fault}: {type(error).__name__}: {error}"
    message = str(error)
    name = upstream.provider.get_name()
    assert message.startswith(f"{name}: "), message  # says who failed
    for word in words:  # "a|b": either
        assert any(w in message for w in word.split("|")), f"{upstream.kind}/{fault}: {message!r} lacks {word!r}"
    assert "<html" not in message.lower() and "</" not in message, f"markup in the message: {message!r}"
    assert len(message) < 500, message
    if fault in _STATUS:
        assert error.status == _STATUS[fault]  # type: ignore[attr-defined]
    if fault == "rate_limit":
        assert error.retry_after == 7  # type: ignore[attr-defined]


@pytest.mark.parametrize("fault", FAULTS)
async def test_fault_is_a_typed_error(upstream: Upstream, fault: str) -> None:
    error, received, seconds = await run_case(upstream, fault)
    check_error(upstream, fault, error, received)
    if fault == "stall":
        # The read timeout, not the 30 s stall, ends it (the bound is loose: a shared machine).
        assert seconds < READ_TIMEOUT + 5, seconds


async def test_the_replica_still_answers_after_every_fault(upstream: Upstream) -> None:
    """Faults leave nothing behind: the same provider answers in full right after each one."""
    for fault in FAULTS:
        error, _, _ = await run_case(upstream, fault)
        assert error is not None, fault
        text = "".join([item async for item in upstream.stream() if isinstance(item, str)])
        assert "lighthouse keeper" in text, (fault, text)


# -- the same faults through the API server, with the openai SDK as the client --------------------
@pytest.fixture
async def api_client(upstream: Upstream, serve, monkeypatch, isolated_config):
    """(openai.AsyncOpenAI on the API server in front of ``upstream``, provider name, model)."""
    import json

    import openai

    from g4f.api import create_app
    from g4f.config import write_private_file
    from g4f.Provider.needs_auth.Grok import Grok

    from ..client.scripted import registered

    if upstream.kind == "openai":
        base = upstream.provider

        class GroqHere(base):  # type: ignore[valid-type, misc]
            @classmethod
            def create_async_generator(cls, model, messages, stream=True, **kwargs):
                return super().create_async_generator(model, messages, stream=stream,
                                                      read_timeout=READ_TIMEOUT, **kwargs)

        provider, model = GroqHere, GroqHere.default_model
    else:
        cookies = [{"domain": ".grok.com", "name": "sso", "value": upstream.replica.sso, "path": "/"}]
        write_private_file(isolated_config / "cookies" / "grok.json", json.dumps(cookies))
        monkeypatch.setattr(Grok, "read_timeout", READ_TIMEOUT)
        provider, model = Grok, "grok-3"
    with registered(provider):
        server = await serve(create_app())
        client = openai.AsyncOpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0, timeout=30)
        try:
            yield client, provider.get_name(), model
        finally:
            await client.close()


@pytest.mark.parametrize("fault", FAULTS)
async def test_fault_through_the_api_server_is_an_sdk_error(upstream: Upstream, api_client, fault: str) -> None:
    """A client of ``g4f api`` gets an error for every fault, never an answer cut short that
    passes for a whole one (the openai SDK ends quietly when a stream stops without ``[DONE]``)."""
    import openai

    client, provider, model = api_client
    upstream.inject(fault)
    text: list[str] = []

    async def ask() -> None:
        stream = await client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "Tell me a story"}], stream=True,
            extra_body={"provider": provider})
        async for chunk in stream:
            if chunk.choices:
                text.append(chunk.choices[0].delta.content or "")

    with pytest.raises(openai.APIError) as info:
        await asyncio.wait_for(ask(), CASE_BOUND)
    assert not isinstance(info.value, openai.APIConnectionError), info.value  # the server answered
    assert info.value.message, info.value
    if isinstance(info.value, openai.APIStatusError):
        assert info.value.status_code != 500, info.value  # a typed error, not a crash
