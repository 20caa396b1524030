"""``WireProvider``: a provider for an upstream's own protocol is a declaration; the base does the
session, statuses, completeness, timeouts, conversations and checked ids, on either backend."""

from __future__ import annotations

import asyncio
import json
import logging
from types import MappingProxyType
from typing import Any, ClassVar

import pytest
from aiohttp import web

from g4f.errors import (
    BadRequestError,
    MissingAuthError,
    ModelNotFoundError,
    NetworkError,
    RateLimitError,
    ResponseError,
    ResponseStatusError,
    TimeoutError,
)
from g4f.Provider.template import WireAnswer, WireProvider
from g4f.providers.helper import format_prompt
from g4f.providers.response import Conversation, FinishReason, ProviderInfo, Usage
from g4f.testing import ErrorCase, check_provider

KEY = "chirp-key-5d1e2f3a4b"
HELLO = [{"role": "user", "content": "Hello Chirp"}]


class ChirpReplica:
    """The Chirp API: ``POST /v1/chirp`` (``X-Chirp-Key``), SSE ``data: {"type": ...}`` events
    ending with ``end``; threads continue at ``/v1/threads/{id}/chirp``. ``fault`` (next request):
    401, 429, 500, html (a 200 web page), cut (no ``end``), error (an error event), stall, trickle,
    reset."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fault: str | None = None
        self.threads: dict[str, list[str]] = {}
        self.ports: list[int] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chirp", self.chirp)
        app.router.add_post("/v1/threads/{thread}/chirp", self.chirp)
        return app

    async def chirp(self, request: web.Request) -> web.StreamResponse:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.ports.append(peer[1] if peer else 0)
        if request.headers.get("X-Chirp-Key") != KEY:
            return web.json_response({"error": {"message": "bad key"}}, status=401)
        body = await request.json()
        self.requests.append({"path": request.path, "body": body, "headers": dict(request.headers)})
        fault, self.fault = self.fault, None
        if fault == "429":
            return web.json_response({"error": {"message": "slow down"}}, status=429, headers={"Retry-After": "3"})
        if fault == "500":
            return web.json_response({"error": {"message": "broken"}}, status=500)
        if fault == "html":
            return web.Response(text="<html><title>Sign in</title></html>", content_type="text/html")
        if body.get("model") != "chirp-1":
            return web.json_response({"error": {"message": f"unknown model {body.get('model')}"}}, status=404)
        thread = request.match_info.get("thread") or f"t-{len(self.threads) + 1}"
        earlier = self.threads.setdefault(thread, [])
        words = f"You said: {body['input']}".split(" ")
        if earlier:
            words += ["(after", f"{earlier[-1]})"]
        earlier.append(body["input"])
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(b'data: {"type": "thread", "id": "%s"}\n\n' % thread.encode())
        for index, word in enumerate(words):
            if fault == "reset" and index == 1:
                request.transport.abort()  # type: ignore[union-attr]
                return response
            if fault == "error" and index == 1:
                await response.write(b'data: {"type": "error", "message": "overloaded"}\n\n')
            if fault == "stall" and index == 1:
                await asyncio.sleep(5)
            text = word if index == 0 else " " + word
            await response.write(b"data: " + json.dumps({"type": "delta", "text": text}).encode() + b"\n\n")
            if fault == "trickle":
                await asyncio.sleep(0.3)
        if fault != "cut":
            await response.write(b'data: {"type": "end", "usage": {"in": 3, "out": %d}}\n\n' % len(words))
        await response.write_eof()
        return response


class ChirpAnswer(WireAnswer):
    def feed(self, data: Any) -> list[Any]:
        kind = data.get("type")
        if kind == "thread":
            self.conversation_id = self.conversation_id or data["id"]
        elif kind == "delta":
            return [data["text"]]
        elif kind == "error":
            raise ResponseError(f"the answer failed: {data['message']}", provider=self.provider)
        elif kind == "end":
            self.complete = True
            return [Usage(data["usage"]["in"], data["usage"]["out"]), FinishReason("stop")]
        return []


class Chirp(WireProvider):
    label = "Chirp"
    url = "https://chirp.example"
    login_url = "https://chirp.example/keys"
    api_base = "https://api.chirp.example/v1"
    endpoint = "/chirp"
    decoder = "sse"
    api_key_env = "CHIRP_API_KEY"
    api_key_header = "X-Chirp-Key"
    api_key_prefix = ""
    parameters = ("temperature",)
    answer_class = ChirpAnswer
    working = True
    needs_auth = True
    default_model = "chirp-1"
    models = ("chirp-1", "chirp-old")
    model_aliases = MappingProxyType({"chirp": "chirp-1"})

    @classmethod
    def build_payload(cls, model: str, messages: Any, **params: Any) -> dict[str, Any]:
        return {"model": model, "input": format_prompt(messages), **params}


class ChirpThreads(Chirp):
    """The same API with its threads: a conversation capability, declared."""

    supports_conversations = True
    continue_endpoint = "/threads/{conversation_id}/chirp"

    @classmethod
    def build_payload(cls, model: str, messages: Any, conversation_id: str | None = None,
                      **params: Any) -> dict[str, Any]:
        return {"model": model, "input": messages[-1]["content"], **params}


class ChirpLikeABrowser(Chirp):
    """The same API through curl_cffi with a browser's fingerprint."""

    impersonate = "chrome"


BACKENDS = [Chirp, ChirpLikeABrowser]


@pytest.fixture
async def chirp(serve) -> ChirpReplica:
    replica = ChirpReplica()
    server = await serve(replica.app())
    replica.base_url = f"{server.url}/v1"  # type: ignore[attr-defined]
    return replica


async def collect(provider: Any, replica: ChirpReplica, messages: Any = HELLO, **kwargs: Any) -> list[Any]:
    kwargs.setdefault("api_key", KEY)
    stream = provider.create_async_generator("chirp", messages, base_url=replica.base_url, **kwargs)
    return [item async for item in stream]


def text_of(items: list[Any]) -> str:
    return "".join(item for item in items if isinstance(item, str))


def test_a_provider_on_it_is_a_declaration_plus_build_payload():
    own = [name for name, value in vars(Chirp).items() if isinstance(value, classmethod)]
    assert own == ["build_payload"]
    assert {"feed"} == {name for name, value in vars(ChirpAnswer).items() if callable(value)}


@pytest.mark.parametrize("provider", BACKENDS, ids=lambda p: p.__name__)
async def test_meets_the_provider_contract(chirp, provider):
    def fault(name: str) -> Any:
        return lambda: setattr(chirp, "fault", name)

    await check_provider(
        provider, base_url=chirp.base_url, api_key=KEY, messages=HELLO, expected_text="You said: Hello Chirp",
        check_imports=False,  # defined in this test module
        error_cases=[
            ErrorCase("refused key", MissingAuthError, kwargs={"api_key": "chirp-wrong-key-000"}),
            ErrorCase("unknown model", ModelNotFoundError, model="chirp-nonexistent"),
            ErrorCase("rate limit", RateLimitError, arrange=fault("429")),
            ErrorCase("server error", ResponseStatusError, arrange=fault("500")),
            ErrorCase("web page", ResponseError, arrange=fault("html")),
            ErrorCase("cut short", ResponseError, arrange=fault("cut")),
            ErrorCase("error event", ResponseError, arrange=fault("error")),
            ErrorCase("reset", (ResponseError, NetworkError), arrange=fault("reset")),
        ])


@pytest.mark.parametrize("provider", BACKENDS, ids=lambda p: p.__name__)
async def test_key_parameters_and_events(chirp, provider, caplog):
    caplog.set_level(logging.DEBUG, logger="g4f")
    items = await collect(provider, chirp, temperature=0.2, top_k=5, seed=None)

    assert isinstance(items[0], ProviderInfo) and items[0].model == "chirp-1"
    assert text_of(items) == "You said: Hello Chirp"
    assert items[-2:] == [Usage(3, 4), FinishReason("stop")]
    sent = chirp.requests[0]
    assert sent["body"] == {"model": "chirp-1", "input": "Hello Chirp", "temperature": 0.2}
    assert sent["headers"]["X-Chirp-Key"] == KEY
    assert "takes no seed, top_k; not sent" in caplog.text and KEY not in caplog.text
    assert not [item for item in items if isinstance(item, Conversation)]  # not a declared capability


@pytest.mark.parametrize("provider", BACKENDS, ids=lambda p: p.__name__)
async def test_requests_reuse_one_pooled_connection(chirp, provider):
    for _ in range(3):
        assert text_of(await collect(provider, chirp)) == "You said: Hello Chirp"
    assert len(chirp.ports) == 3 and len(set(chirp.ports)) == 1


async def test_no_key_is_missing_auth_before_any_request(chirp):
    with pytest.raises(MissingAuthError, match="CHIRP_API_KEY"):
        await collect(Chirp, chirp, api_key=None)
    assert chirp.ports == []


@pytest.mark.parametrize("provider", BACKENDS, ids=lambda p: p.__name__)
async def test_rate_limit_carries_retry_after(chirp, provider):
    chirp.fault = "429"
    with pytest.raises(RateLimitError) as info:
        await collect(provider, chirp)
    assert info.value.retry_after == 3 and info.value.provider == provider.__name__


@pytest.mark.parametrize("provider", BACKENDS, ids=lambda p: p.__name__)
async def test_an_answer_without_its_final_event_is_incomplete(chirp, provider):
    chirp.fault = "cut"
    received: list[Any] = []
    with pytest.raises(ResponseError, match="ended before its final event: it is incomplete"):
        async for item in provider.create_async_generator("chirp", HELLO, api_key=KEY, base_url=chirp.base_url):
            received.append(item)
    assert text_of(received) == "You said: Hello Chirp"  # all the text came, yet it is an error


@pytest.mark.parametrize("provider", BACKENDS, ids=lambda p: p.__name__)
async def test_stall_and_whole_request_timeouts(chirp, provider):
    loop = asyncio.get_running_loop()
    chirp.fault = "stall"
    started = loop.time()
    with pytest.raises(TimeoutError):
        await collect(provider, chirp, read_timeout=0.5)
    assert loop.time() - started < 3

    chirp.fault = "trickle"  # a word every 0.3 s: never a stall, longer than the whole request may take
    started = loop.time()
    with pytest.raises(TimeoutError):
        await collect(provider, chirp, timeout=0.5, read_timeout=5)
    assert loop.time() - started < 3


@pytest.mark.parametrize("impersonate", [None, "chrome"])
async def test_conversations_are_a_declared_capability(chirp, impersonate, monkeypatch):
    monkeypatch.setattr(ChirpThreads, "impersonate", impersonate)
    first = await collect(ChirpThreads, chirp)
    conversation = first[-1]
    assert isinstance(conversation, Conversation) and conversation.conversation_id == "t-1"

    again = [{"role": "user", "content": "Hello Chirp"}, {"role": "assistant", "content": "..."},
             {"role": "user", "content": "more"}]
    second = await collect(ChirpThreads, chirp, again, conversation=conversation.to_dict(),
                           return_conversation=True)
    assert text_of(second) == "You said: more (after Hello Chirp)"
    assert chirp.requests[1]["path"] == "/v1/threads/t-1/chirp"
    assert second[-1] == Conversation("t-1")

    with pytest.raises(BadRequestError, match="conversation_id"):
        await collect(ChirpThreads, chirp, conversation={"conversation_id": "../../admin"})
    assert len(chirp.requests) == 2


class Unfinished(WireProvider):
    api_base = "https://x.example"
    default_model = "m"


async def test_a_provider_without_build_payload_says_so():
    with pytest.raises(NotImplementedError, match="Unfinished must define build_payload"):
        await Unfinished.create_async_generator("m", HELLO, api_key="k").__anext__()


def test_the_bases_are_exported():
    import g4f.Provider
    from g4f.Provider import template

    assert template.WireProvider is WireProvider and g4f.Provider.WireProvider is WireProvider
    assert template.WireAuthedProvider.__module__ == "g4f.Provider.template.WireAuthedProvider"
    assert g4f.Provider.WireAuthedProvider is template.WireAuthedProvider
    assert isinstance(Chirp.default_headers, MappingProxyType) and isinstance(Chirp.parameters, tuple)


class Plain(WireProvider):
    """No key needed; aliases and models declared once."""

    api_base = "http://127.0.0.1:9"
    endpoint = "/x"
    needs_auth = False
    working = True
    default_model = "p"
    models: ClassVar[tuple[str, ...]] = ("p",)


async def test_an_unreachable_upstream_is_a_network_error():
    Plain.build_payload = classmethod(lambda cls, model, messages, **params: {})  # type: ignore[method-assign]
    try:
        with pytest.raises(NetworkError):
            await Plain.create_async("p", HELLO)
    finally:
        del Plain.build_payload
