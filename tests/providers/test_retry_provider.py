"""IterListProvider and RetryProvider: ordered fallback rules, with in-process providers.

The providers here are tiny AsyncGeneratorProviders whose behaviour each test declares; the
same rules are exercised against loopback replicas of real upstreams in test_fallback_replicas.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

import pytest

import g4f
from g4f.errors import (
    MissingAuthError,
    NetworkError,
    RateLimitError,
    ResponseError,
    ResponseStatusError,
    RetryProviderError,
)
from g4f.providers.base_provider import AbstractProvider, AsyncGeneratorProvider, ProviderModelMixin
from g4f.providers.health import ProviderHealth
from g4f.providers.response import FinishReason, ProviderInfo, Reasoning, Usage
from g4f.providers.retry_provider import IterListProvider, RetryProvider

MESSAGES = [{"role": "user", "content": "hi"}]


class Scripted(AsyncGeneratorProvider):
    """Yields ``script`` items in order; an exception instance in it is raised there."""

    working = True
    script: ClassVar[list] = []
    calls: ClassVar[int] = 0
    closed: ClassVar[int] = 0

    @classmethod
    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        cls.calls += 1
        try:
            for item in cls.script:
                if isinstance(item, BaseException):
                    raise item
                await asyncio.sleep(0)
                yield item
        finally:
            cls.closed += 1


def scripted(name: str, *script, **attrs) -> type[Scripted]:
    return type(name, (Scripted,), {"script": list(script), "calls": 0, "closed": 0, **attrs})


async def collect(provider, model="m", **kwargs) -> list:
    return [chunk async for chunk in provider.create_async_generator(model, MESSAGES, **kwargs)]


def text_of(chunks) -> str:
    return "".join(c for c in chunks if type(c) is str)


async def test_error_before_output_moves_on_and_provider_info_names_the_answerer():
    first = scripted("First", ResponseStatusError("boom", provider="First", status=500))
    second = scripted("Second", "Hel", "lo", Usage(1, 2))
    chunks = await collect(IterListProvider([first, second], shuffle=False, health=ProviderHealth()))
    assert isinstance(chunks[0], ProviderInfo)
    assert (chunks[0].name, chunks[0].model) == ("Second", "m")
    assert [c for c in chunks if isinstance(c, ProviderInfo)] == [chunks[0]]
    assert text_of(chunks) == "Hello"
    assert first.calls == second.calls == 1


async def test_providers_own_info_is_passed_once_and_a_failed_providers_info_never_leaks():
    first = scripted("First", ProviderInfo("First", "x"), NetworkError("reset", provider="First"))
    second = scripted("Second", ProviderInfo("Second", "real-model", label="Second!"), "ok")
    chunks = await collect(IterListProvider([first, second], shuffle=False, health=ProviderHealth()))
    infos = [c for c in chunks if isinstance(c, ProviderInfo)]
    assert infos == [ProviderInfo("Second", "real-model", label="Second!")]
    assert chunks.index(infos[0]) == 0
    assert text_of(chunks) == "ok"


async def test_error_after_output_is_raised_and_no_second_answer_is_appended():
    first = scripted("First", "partial ", ResponseError("cut short", provider="First"))
    second = scripted("Second", "another answer")
    seen = []
    with pytest.raises(ResponseError, match="cut short"):
        async for chunk in IterListProvider([first, second], shuffle=False,
                                            health=ProviderHealth()).create_async_generator("m", MESSAGES):
            seen.append(chunk)
    assert text_of(seen) == "partial "
    assert second.calls == 0


async def test_an_event_other_than_provider_info_counts_as_output():
    first = scripted("First", Reasoning("thinking"), NetworkError("reset", provider="First"))
    second = scripted("Second", "answer")
    with pytest.raises(NetworkError):
        await collect(IterListProvider([first, second], shuffle=False, health=ProviderHealth()))
    assert second.calls == 0


async def test_a_provider_yielding_nothing_counts_as_failed():
    empty = scripted("Empty", ProviderInfo("Empty", "m"), "")
    second = scripted("Second", "answer", FinishReason("stop"))
    chunks = await collect(IterListProvider([empty, second], shuffle=False, health=ProviderHealth()))
    assert text_of(chunks) == "answer"
    assert chunks[0].name == "Second"
    with pytest.raises(RetryProviderError) as info:
        await collect(IterListProvider([empty], shuffle=False, health=ProviderHealth()))
    assert isinstance(info.value.exceptions["Empty"], ResponseError)
    assert "empty answer" in str(info.value)


@pytest.mark.parametrize("error", [TypeError("bad arg"), AttributeError("no attr"), NameError("x"),
                                   UnboundLocalError("y"), SyntaxError("z"), AssertionError("a"),
                                   RecursionError("deep")])
async def test_programming_errors_are_raised_at_once(error):
    broken = scripted("Broken", error)
    second = scripted("Second", "answer")
    with pytest.raises(type(error)):
        await collect(IterListProvider([broken, second], shuffle=False, health=ProviderHealth()))
    assert second.calls == 0


@pytest.mark.parametrize("error", [RuntimeError("upstream said no"), ValueError("bad json"), KeyError("choices"),
                                   Exception("whatever")])
async def test_plain_exceptions_of_third_party_providers_move_on_and_are_listed(error):
    broken = scripted("Broken", error)
    second = scripted("Second", "answer")
    assert text_of(await collect(IterListProvider([broken, second], shuffle=False,
                                                  health=ProviderHealth()))) == "answer"
    with pytest.raises(RetryProviderError) as info:
        await collect(IterListProvider([scripted("Only", error)], shuffle=False, health=ProviderHealth()))
    assert info.value.exceptions["Only"] is error
    assert f"Only: {type(error).__name__}" in str(info.value)


@pytest.mark.parametrize("error", [OSError("connection refused"), asyncio.TimeoutError(), ConnectionResetError()])
async def test_os_and_timeout_errors_of_third_party_providers_move_on(error):
    broken = scripted("Broken", error)
    second = scripted("Second", "answer")
    assert text_of(await collect(IterListProvider([broken, second], shuffle=False,
                                                  health=ProviderHealth()))) == "answer"


async def test_a_synchronous_raise_from_create_async_generator_moves_on_too():
    class Raises(AsyncGeneratorProvider):
        working = True

        @classmethod
        def create_async_generator(cls, model, messages, stream=True, **kwargs):
            raise MissingAuthError("no key", provider="Raises")

    second = scripted("Second", "answer")
    assert text_of(await collect(IterListProvider([Raises, second], shuffle=False,
                                                  health=ProviderHealth()))) == "answer"


async def test_all_fail_raises_retry_provider_error_listing_every_error_in_order():
    a = scripted("A", ResponseStatusError("Internal Server Error", provider="A", status=500))
    b = scripted("B", RateLimitError("slow down", provider="B", retry_after=3))
    c = scripted("C", MissingAuthError("invalid API key", provider="C"))
    with pytest.raises(RetryProviderError) as info:
        await collect(IterListProvider([a, b, c], shuffle=False, health=ProviderHealth()))
    error = info.value
    assert list(error.exceptions) == ["A", "B", "C"]
    assert isinstance(error.exceptions["B"], RateLimitError)
    first_line, *details = str(error).splitlines()
    assert "A: ResponseStatusError 500" in first_line and "C: MissingAuthError" in first_line
    assert details == [
        "  - A: ResponseStatusError: Internal Server Error",
        "  - B: RateLimitError: slow down",
        "  - C: MissingAuthError: invalid API key",
    ]


async def test_shuffle_off_keeps_the_order_and_shuffle_on_varies_it():
    order: list[str] = []

    def recorder(name: str):
        class Recorder(AsyncGeneratorProvider):
            working = True

            @classmethod
            async def create_async_generator(cls, model, messages, stream=True, **kwargs):
                order.append(name)
                raise NetworkError("down", provider=name)
                yield  # pragma: no cover

        Recorder.__name__ = name
        return Recorder

    providers = [recorder(n) for n in "ABC"]
    for _ in range(5):
        with pytest.raises(RetryProviderError):
            await collect(IterListProvider(providers, shuffle=False, health=ProviderHealth()))
    assert order == list("ABC") * 5
    firsts = set()
    orders = set()
    for _ in range(60):
        order.clear()
        with pytest.raises(RetryProviderError):
            await collect(IterListProvider(providers, shuffle=True, health=ProviderHealth()))
        assert sorted(order) == list("ABC")  # each tried exactly once
        firsts.add(order[0])
        orders.add("".join(order))
    assert firsts == set("ABC")
    assert len(orders) > 1


async def test_closing_the_stream_early_closes_the_providers_generator():
    long = scripted("Long", *[f"{i} " for i in range(100)])
    stream = IterListProvider([long], shuffle=False, health=ProviderHealth()).create_async_generator("m", MESSAGES)
    assert isinstance(await stream.__anext__(), ProviderInfo)
    assert await stream.__anext__() == "0 "
    await stream.aclose()
    assert long.closed == 1


async def test_outcomes_are_recorded_in_health():
    health = ProviderHealth(failure_threshold=2, cooldown=50, clock=lambda: 1000.0)
    bad = scripted("Bad", NetworkError("reset", provider="Bad"))
    good = scripted("Good", "ok")
    for _ in range(2):
        await collect(IterListProvider([bad, good], shuffle=False, health=health))
    assert health.state(bad).consecutive_failures == 2
    assert health.cooldown_remaining(bad) == 50
    assert health.state(good).consecutive_failures == 0


class Aliased(ProviderModelMixin, AsyncGeneratorProvider):
    working = True
    default_model = "big-model-v2"
    model_aliases: ClassVar[dict[str, str]] = {"big": "big-model-v2"}

    @classmethod
    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        yield f"model={cls.get_model(model)}"


async def test_added_provider_info_names_the_resolved_model_and_label():
    chunks = await collect(IterListProvider([Aliased], shuffle=False, health=ProviderHealth()), model="big")
    assert chunks[0] == ProviderInfo("Aliased", "big-model-v2", label="Aliased")
    chunks = await collect(IterListProvider([Aliased], shuffle=False, health=ProviderHealth()), model="")
    assert chunks[0].model == "big-model-v2"


class SyncWords(AbstractProvider):
    working = True

    @classmethod
    def create_completion(cls, model, messages, stream=False, **kwargs):
        yield "sync "
        yield "answer"


def test_works_wherever_a_provider_does_sync_and_through_chat_completion():
    failing = scripted("Failing", NetworkError("down", provider="Failing"))
    provider = IterListProvider([failing, SyncWords], shuffle=False, health=ProviderHealth())
    assert provider.working is True
    assert text_of(provider.create_completion("m", MESSAGES)) == "sync answer"
    answer = g4f.ChatCompletion.create("m", MESSAGES, provider=provider)
    assert answer == "sync answer"
    assert answer.provider.name == "SyncWords"
    streamed = list(g4f.ChatCompletion.create("m", MESSAGES, provider=[failing, SyncWords], stream=True))
    assert isinstance(streamed[0], ProviderInfo)
    assert text_of(streamed) == "sync answer"


async def test_create_async_and_chat_completion_create_async():
    failing = scripted("Failing", NetworkError("down", provider="Failing"))
    provider = IterListProvider([failing, SyncWords], shuffle=False, health=ProviderHealth())
    answer = await provider.create_async("m", MESSAGES)
    assert answer == "sync answer"
    assert answer.provider.name == "SyncWords"
    assert await g4f.ChatCompletion.create_async("m", MESSAGES, provider=[failing, SyncWords]) == "sync answer"


def test_an_empty_list_is_refused():
    with pytest.raises(ValueError, match="at least one provider"):
        IterListProvider([])


# -- RetryProvider -------------------------------------------------------------------------------

def flaky(name: str, failures: list[BaseException], answer: str = "ok") -> type[AsyncGeneratorProvider]:
    """Raises the given errors on its first calls, then answers."""
    state = {"calls": 0}

    class Flaky(AsyncGeneratorProvider):
        working = True
        calls = state

        @classmethod
        async def create_async_generator(cls, model, messages, stream=True, **kwargs):
            state["calls"] += 1
            if state["calls"] <= len(failures):
                raise failures[state["calls"] - 1]
            yield answer

    Flaky.__name__ = name
    return Flaky


async def test_retry_provider_retries_transient_errors_on_the_same_provider():
    first = flaky("First", [ResponseStatusError("bad gateway", status=502), NetworkError("reset")], "first")
    second = flaky("Second", [], "second")
    provider = RetryProvider([first, second], shuffle=False, max_retries=2, backoff=0, health=ProviderHealth())
    chunks = await collect(provider)
    assert text_of(chunks) == "first"
    assert chunks[0].name == "First"
    assert first.calls["calls"] == 3 and second.calls["calls"] == 0


async def test_retry_provider_moves_on_when_retries_run_out_or_cannot_help():
    first = flaky("First", [NetworkError("reset")] * 5, "first")
    second = flaky("Second", [MissingAuthError("invalid key")] * 5, "second")
    third = flaky("Third", [], "third")
    provider = RetryProvider([first, second, third], shuffle=False, max_retries=2, backoff=0,
                             health=ProviderHealth())
    assert text_of(await collect(provider)) == "third"
    assert first.calls["calls"] == 3  # one try and two retries
    assert second.calls["calls"] == 1  # credentials will not fix themselves


async def test_retry_provider_waits_a_short_retry_after_but_moves_on_from_a_long_one():
    short = flaky("Short", [RateLimitError("slow", retry_after=0.01)], "short")
    assert text_of(await collect(RetryProvider([short], shuffle=False, health=ProviderHealth()))) == "short"
    long = flaky("Long", [RateLimitError("slow", retry_after=3600)], "long")
    other = flaky("Other", [], "other")
    provider = RetryProvider([long, other], shuffle=False, max_delay=10, health=ProviderHealth())
    assert text_of(await collect(provider)) == "other"
    assert long.calls["calls"] == 1


async def test_retry_provider_all_fail_lists_the_last_error_of_each():
    first = flaky("First", [NetworkError("reset 1"), NetworkError("reset 2")], "never")
    provider = RetryProvider([first], shuffle=False, max_retries=1, backoff=0, health=ProviderHealth())
    with pytest.raises(RetryProviderError, match="reset 2") as info:
        await collect(provider)
    assert list(info.value.exceptions) == ["First"]


def test_sync_calls_from_many_threads_share_one_health_record_safely():
    """The sync API runs each call on its own loop in its own thread; health must keep count."""
    from concurrent.futures import ThreadPoolExecutor

    health = ProviderHealth(failure_threshold=10**6)
    down = scripted("Down", NetworkError("down", provider="Down"))
    provider = IterListProvider([down, SyncWords], shuffle=False, health=health)

    def ask(_: int) -> str:
        return g4f.ChatCompletion.create("m", MESSAGES, provider=provider)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(ask, range(80)))
    assert answers == ["sync answer"] * 80
    assert health.state(down).consecutive_failures == 80
    assert health.state(SyncWords).consecutive_failures == 0


async def test_providers_may_be_given_by_name(monkeypatch):
    from g4f.errors import ProviderNotFoundError
    from g4f.providers.registry import ProviderRegistry

    private = ProviderRegistry(builtins={})
    private.register(SyncWords)
    monkeypatch.setattr("g4f.providers.registry.registry", private)
    provider = IterListProvider(["SyncWords"], shuffle=False, health=ProviderHealth())
    assert text_of(await collect(provider)) == "sync answer"
    with pytest.raises(ProviderNotFoundError, match="Nope"):
        await collect(IterListProvider(["Nope"], shuffle=False, health=ProviderHealth()))
