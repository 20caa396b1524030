"""Fallback against real loopback replicas: two OpenAI-compatible upstreams (a Groq replica and a
plain OpenAI-style one), the real template providers pointed at them by ``api_base`` only.

Faults are the replicas' own (HTTP statuses with their error bodies, ``retry-after``, streams cut
after output, connection resets); the health clock is injected so cooldowns are checked without
sleeping.
"""

from __future__ import annotations

import asyncio
import gc
import random
import re
import socket
import warnings
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

import g4f
from g4f.cli import main as cli_main
from g4f.errors import (
    G4FError,
    MissingAuthError,
    NetworkError,
    ResponseError,
    ResponseStatusError,
    RetryProviderError,
)
from g4f.models import ModelUtils
from g4f.Provider.needs_auth.Groq import Groq
from g4f.Provider.template.OpenaiTemplate import OpenaiTemplate
from g4f.providers.any_provider import AnyProvider
from g4f.providers.health import ProviderHealth
from g4f.providers.health import health as shared_health
from g4f.providers.registry import ProviderRegistry
from g4f.providers.response import ProviderInfo
from g4f.providers.retry_provider import IterListProvider
from g4f.testing.openai_replica import FAULT_HEADER, Fault, OpenAIReplica
from tests.replicas.groq import GROQ_KEY, GroqReplica

MODEL = "llama-3.3-70b-versatile"
#: Served by both upstreams; its catalogue row has no best_provider, so auto-selection picks.
UNLISTED = "qwen/qwen3-32b"
OTHER_KEY = "sk-other-replica-key"


def ask(text: str = "Hello") -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


class Clock:
    now = 5000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def upstreams(monkeypatch) -> AsyncIterator[tuple[GroqReplica, OpenAIReplica]]:
    monkeypatch.setenv("GROQ_API_KEY", GROQ_KEY)
    monkeypatch.setenv("OTHER_API_KEY", OTHER_KEY)
    async with GroqReplica() as groq, OpenAIReplica(api_key=OTHER_KEY, models=[MODEL, UNLISTED]) as other:
        yield groq, other
    await g4f.aclose()


def point_at(groq: GroqReplica, other: OpenAIReplica) -> tuple[type[Groq], type[OpenaiTemplate]]:
    """The Groq provider and a second OpenAI-compatible one, pointed at the replicas."""

    class GroqReplicaProvider(Groq):
        api_base = groq.base_url
        max_retries = 0

    class OtherCompatible(OpenaiTemplate):
        label = "Other compatible API"
        url = other.url
        api_base = other.base_url
        api_key_env = "OTHER_API_KEY"
        needs_auth = True
        working = True
        max_retries = 0
        default_model = MODEL
        fallback_models = [MODEL, UNLISTED]  # noqa: RUF012 - a provider declares class attributes

    return GroqReplicaProvider, OtherCompatible


@pytest.fixture
def providers(upstreams):
    return point_at(*upstreams)


def auto_among(providers, health: ProviderHealth) -> type[AnyProvider]:
    """Auto-selection among ``providers`` only, with its own health record."""

    class Auto(AnyProvider):
        registry = ProviderRegistry(builtins={})

    Auto.health = health
    for provider in providers:
        Auto.registry.register(provider)
    return Auto


@pytest.fixture
def auto(providers):
    clock = Clock()
    selector = auto_among(providers, ProviderHealth(failure_threshold=3, cooldown=60, clock=clock))
    selector.clock = clock
    return selector


async def collect(provider, model: str = MODEL, text: str = "Hello", **kwargs) -> list:
    return [chunk async for chunk in provider.create_async_generator(model, ask(text), **kwargs)]


def text_of(chunks) -> str:
    return "".join(c for c in chunks if type(c) is str)


async def test_first_provider_500_second_answers_and_provider_info_names_it(upstreams, providers, auto):
    groq, other = upstreams
    groq.faults.append(Fault.server_error(500))
    chunks = await collect(auto)
    infos = [c for c in chunks if isinstance(c, ProviderInfo)]
    assert len(infos) == 1 and chunks[0] is infos[0]
    assert infos[0].name == "OtherCompatible" and infos[0].model == MODEL
    assert text_of(chunks) == "You said: Hello"
    assert len(groq.chat_requests) == 1 and len(other.chat_requests) == 1
    assert auto.health.state(providers[0]).last_error.startswith("ResponseStatusError")


async def test_first_429_with_retry_after_30_is_skipped_for_30_seconds(upstreams, auto):
    groq, _ = upstreams
    groq.faults.append(Fault.rate_limit(retry_after=30))
    answer = await auto.create_async(MODEL, ask())
    assert answer.provider.name == "OtherCompatible"
    auto.clock.now += 29
    for _ in range(3):
        answer = await auto.create_async(MODEL, ask())
        assert answer == "You said: Hello" and answer.provider.name == "OtherCompatible"
    assert len(groq.chat_requests) == 1  # not asked again while rate limited
    auto.clock.now += 1
    answer = await auto.create_async(MODEL, ask())
    assert answer.provider.name == "GroqReplicaProvider"
    assert len(groq.chat_requests) == 2


@pytest.mark.parametrize("fault", ["cut after=3", "reset after=3", "cut_mid_chunk after=3"])
async def test_a_stream_cut_after_output_raises_and_no_second_answer_is_appended(upstreams, auto, fault):
    groq, other = upstreams
    groq.faults.append(Fault.parse(fault))
    received = []
    with pytest.raises(G4FError) as info:
        async for chunk in auto.create_async_generator(MODEL, ask("one two three four five")):
            received.append(chunk)
    assert isinstance(info.value, (ResponseError, NetworkError)), info.value
    text = text_of(received)
    assert text and "You said: one two three four five".startswith(text) and text != "You said: one two three four five"
    assert other.chat_requests == []


async def test_all_fail_raises_retry_provider_error_with_every_error(upstreams, auto):
    groq, other = upstreams
    groq.faults.append(Fault.server_error(503))
    other.faults.append(Fault.unauthorized())
    with pytest.raises(RetryProviderError) as info:
        await collect(auto)
    error = info.value
    assert list(error.exceptions) == ["GroqReplicaProvider", "OtherCompatible"]
    assert isinstance(error.exceptions["GroqReplicaProvider"], ResponseStatusError)
    assert error.exceptions["GroqReplicaProvider"].status == 503
    assert isinstance(error.exceptions["OtherCompatible"], MissingAuthError)
    message = str(error)
    assert message.splitlines()[0] == (
        f"no provider answered for model '{MODEL}': "
        "GroqReplicaProvider: ResponseStatusError 503, OtherCompatible: MissingAuthError 401"
    )
    assert "Service Unavailable" in message
    assert OTHER_KEY not in message and GROQ_KEY not in message


async def test_shuffle_off_keeps_the_order_and_on_spreads_the_load(upstreams, providers):
    _, other = upstreams
    ordered = IterListProvider(providers, shuffle=False, health=ProviderHealth())
    for _ in range(4):
        assert (await ordered.create_async(MODEL, ask())).provider.name == "GroqReplicaProvider"
    assert len(other.chat_requests) == 0
    shuffled = IterListProvider(providers, shuffle=True, health=ProviderHealth())
    names = {(await shuffled.create_async(MODEL, ask())).provider.name for _ in range(40)}
    assert names == {"GroqReplicaProvider", "OtherCompatible"}


def test_no_credentials_anywhere_names_groq_api_key_and_the_grok_login(monkeypatch, capsys):
    """A fresh machine: no keys, no cookies, no login, no local server running."""
    with socket.socket() as sock:  # a loopback port nobody listens on stands for "not running"
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    monkeypatch.setenv("OLLAMA_API_BASE", closed)
    monkeypatch.setenv("G4F_LOCAL_API_BASE", closed)
    # Only what a fresh install has: the built-ins (other tests may have registered their own).
    monkeypatch.setattr(AnyProvider, "registry", ProviderRegistry())
    try:
        with pytest.raises(MissingAuthError) as info:
            g4f.ChatCompletion.create("", ask())
        message = str(info.value)
        assert "\n" not in message
        assert "GROQ_API_KEY" in message and "Grok" in message and re.search(r"log ?in", message)
        assert {"Groq", "Grok"} <= set(info.value.hints)
        assert cli_main(["chat", "Hello"]) != 0
        printed = capsys.readouterr().err.strip().splitlines()
        assert len(printed) == 1 and "GROQ_API_KEY" in printed[0] and "Grok" in printed[0]
    finally:
        shared_health.reset()


async def test_500_concurrent_requests_with_random_faults_end_with_an_answer_or_a_typed_error(monkeypatch):
    """Every request ends with its own complete answer or a g4f error; nothing leaks."""
    monkeypatch.setenv("GROQ_API_KEY", GROQ_KEY)
    monkeypatch.setenv("OTHER_API_KEY", OTHER_KEY)
    rng = random.Random(20261121)
    faults = [None] * 6 + ["500", "503", "429 retry_after=0.5", "cut after=2", "reset", "reset after=2",
                           "malformed after=2", "http status=502"]

    @web.middleware
    async def random_fault(request: web.Request, handler):
        fault = rng.choice(faults)
        if fault and request.path.endswith("/chat/completions"):
            request = request.clone(headers={**request.headers, FAULT_HEADER: fault})
        return await handler(request)

    groq, other = GroqReplica(), OpenAIReplica(api_key=OTHER_KEY, models=[MODEL])
    for replica in (groq, other):
        replica.app.middlewares.append(random_fault)
    async with groq, other:
        auto = auto_among(point_at(groq, other), ProviderHealth(failure_threshold=10**6, cooldown=0))

        async def one(index: int) -> object:
            question = f"question number {index}"
            try:
                chunks = await collect(auto, text=question)
            except G4FError as error:
                return error
            answer = text_of(chunks)
            assert answer == f"You said: {question}", answer
            assert isinstance(chunks[0], ProviderInfo)
            return answer

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results = await asyncio.gather(*(one(i) for i in range(500)))
            await g4f.aclose()
            gc.collect()
    answers = [r for r in results if isinstance(r, str)]
    errors = [r for r in results if isinstance(r, G4FError)]
    assert len(answers) + len(errors) == 500
    assert len(answers) > 250 and errors  # both outcomes happened: the faults were real
    assert groq.chat_requests and other.chat_requests  # Groq first, the other one when Groq failed
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


async def test_the_client_without_a_provider_falls_back_and_reports_who_answered(upstreams, auto, monkeypatch):
    from g4f.client import AsyncClient

    groq, other = upstreams
    monkeypatch.setattr(AnyProvider, "registry", auto.registry)
    monkeypatch.setattr(AnyProvider, "health", auto.health)
    groq.faults.append(Fault.bad_gateway())
    assert ModelUtils.get(UNLISTED).best_provider is None
    completion = await AsyncClient().chat.completions.create(model=UNLISTED, messages=ask())
    assert completion.choices[0].message.content == "You said: Hello"
    assert completion.provider == "OtherCompatible"
    assert len(groq.chat_requests) == 1 and len(other.chat_requests) == 1


async def test_groq_failing_falls_back_to_a_logged_in_grok(upstreams, serve):
    """Two different wire protocols: Groq's replica answers 500, grok.com's replica answers."""
    from g4f.Provider.needs_auth.Grok import Grok
    from g4f.providers.response import AuthResult
    from tests.replicas.grok import GrokReplica

    groq, _ = upstreams
    grok = GrokReplica()
    server = await serve(grok.app())

    class GrokAtReplica(Grok):
        url = server.url
        conversation_url = f"{server.url}/rest/app-chat/conversations"
        assets_url = f"{server.url}/assets"

    GrokAtReplica.auth_cache().save(AuthResult(cookies={"sso": grok.sso}))  # a login done earlier
    groq_provider, _ = point_at(*upstreams)
    auto = auto_among([groq_provider, GrokAtReplica], ProviderHealth())
    groq.faults.append(Fault.server_error(500))
    answer = await auto.create_async("", ask("Hello Grok"))
    assert answer.provider.name == "GrokAtReplica" and answer.provider.model == "grok-3"
    assert answer == "You said: Hello Grok."
    assert len(groq.chat_requests) == 1 and len(grok.requests) >= 1
