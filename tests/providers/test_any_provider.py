"""AnyProvider: candidates from the catalogue and provider model lists, skipping without network
calls, ordering by health, and the errors a user sees when nothing can answer.

Each test selects among its own providers (a private registry and health record on a subclass),
so nothing here depends on which built-in providers exist.
"""

from __future__ import annotations

import socket
from typing import ClassVar

import pytest

import g4f
from g4f.errors import (
    MissingAuthError,
    ModelNotFoundError,
    NetworkError,
    ProviderNotWorkingError,
    RateLimitError,
    ResponseStatusError,
    RetryProviderError,
)
from g4f.models import Model, ModelUtils
from g4f.Provider.local._server import LocalServer
from g4f.providers.any_provider import AnyProvider
from g4f.providers.base_provider import AsyncGeneratorProvider, ProviderModelMixin
from g4f.providers.health import ProviderHealth
from g4f.providers.registry import ProviderRegistry
from g4f.providers.response import ProviderInfo

MESSAGES = [{"role": "user", "content": "hi"}]


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


class Fake(ProviderModelMixin, AsyncGeneratorProvider):
    """Answers "<name>:<model>" unless ``error`` is set; counts its calls."""

    working = True
    error: ClassVar[BaseException | None] = None
    calls: ClassVar[int] = 0

    @classmethod
    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        cls.calls += 1
        if cls.error is not None:
            raise cls.error
        yield f"{cls.__name__}:{cls.get_model(model)}"


def fake(name: str, models=(), **attrs) -> type[Fake]:
    attrs.setdefault("default_model", models[0] if models else "")
    return type(name, (Fake,), {"models": list(models), "calls": 0, **attrs})


@pytest.fixture
def auto(monkeypatch):
    """An AnyProvider subclass with its own registry, health record and clock."""
    clock = Clock()
    monkeypatch.setattr(ModelUtils, "convert", dict(ModelUtils.convert))

    class Auto(AnyProvider):
        registry = ProviderRegistry(builtins={})
        health = ProviderHealth(failure_threshold=2, cooldown=60, clock=clock)

    Auto.clock = clock

    def add(*providers):
        for provider in providers:
            Auto.registry.register(provider)

    Auto.add = staticmethod(add)
    return Auto


async def ask(provider, model="m1", **kwargs) -> list:
    return [c async for c in provider.create_async_generator(model, MESSAGES, **kwargs)]


def text(chunks) -> str:
    return "".join(c for c in chunks if type(c) is str)


async def test_candidates_come_from_the_catalogue_row_first_then_provider_model_lists(auto):
    listed = fake("Listed", ["m1"])
    preferred = fake("Preferred", ["other"])  # does not list m1, but the catalogue says it serves it
    unrelated = fake("Unrelated", ["zz"])
    auto.add(listed, preferred, unrelated)
    ModelUtils.register(Model("m1", "Org", providers=("Preferred",), aliases=("m-one",)))
    attempts = auto.candidates("m-one")
    assert [(a.provider.__name__, a.model) for a in attempts] == [("Preferred", "m1"), ("Listed", "m1")]


async def test_a_provider_gets_the_name_it_lists(auto):
    aliased = fake("Aliased", ["vendor-m1"], model_aliases={"m-one": "vendor-m1"})
    auto.add(aliased)
    ModelUtils.register(Model("m1", "Org", aliases=("m-one",)))
    chunks = await ask(auto, "m1")
    assert text(chunks) == "Aliased:vendor-m1"
    assert chunks[0] == ProviderInfo("Aliased", "vendor-m1", label="Aliased")


async def test_no_model_means_every_provider_with_its_default_model(auto):
    first = fake("First", ["a-default"], error=NetworkError("down", provider="First"))
    second = fake("Second", ["b-default"])
    auto.add(first, second)
    chunks = await ask(auto, "")
    assert text(chunks) == "Second:b-default"
    assert chunks[0].model == "b-default"


async def test_unknown_model_is_model_not_found_with_suggestions(auto):
    auto.add(fake("Only", ["m1"]))
    ModelUtils.register(Model("gpt-4o-mini-x", "Org"))
    with pytest.raises(ModelNotFoundError, match=r"no provider serves model 'gpt-4o-minii'.*did you mean"):
        await ask(auto, "gpt-4o-minii")


async def test_an_unknown_name_is_never_sent_to_providers_that_would_take_any_name(auto):
    """``accepts_unknown_models`` serves explicit ``provider=`` calls; auto-selection sends a
    provider only a name it lists, so a typo is never answered by some other model."""
    open_one = fake("Open", ["x"], accepts_unknown_models=True)
    auto.add(fake("Strict", ["m1"]), open_one)
    with pytest.raises(ModelNotFoundError, match="no provider serves model 'brand-new-model'"):
        await ask(auto, "brand-new-model")
    assert open_one.calls == 0
    assert text(await ask(auto, "x")) == "Open:x"


async def test_a_model_no_one_lists_and_nothing_close_says_where_the_known_ones_are(auto):
    auto.add(fake("Only", ["m1"]))
    with pytest.raises(ModelNotFoundError) as info:
        await ask(auto, "Hello")
    assert str(info.value) == "no provider serves model 'Hello'; client.models.list() lists the known ones"


async def test_every_upstream_answering_not_found_is_model_not_found(auto):
    """Providers whose lists name the model (a list fetched before it was retired) all answer 404."""
    from g4f.errors import ModelNotFoundError as NotFound

    def refusing(name):
        return fake(name, ["gpt-4o-old"], error=NotFound("The model `gpt-4o-old` does not exist", provider=name))

    auto.add(refusing("A"), refusing("B"))
    ModelUtils.register(Model("gpt-4o-mini", "OpenAI"))
    with pytest.raises(ModelNotFoundError) as info:
        await ask(auto, "gpt-4o-old")
    assert str(info.value).startswith("no provider serves model 'gpt-4o-old' (A, B answered: not found); did you mean")
    assert "gpt-4o-mini" in str(info.value)
    assert isinstance(info.value.__cause__, RetryProviderError)


async def test_not_working_and_credential_less_providers_are_skipped_without_a_call(auto):
    broken = fake("Broken", ["m1"], working=False)
    keyed = fake("Keyed", ["m1"], needs_auth=True, api_key_env="KEYED_API_KEY")
    free = fake("Free", ["m1"])
    auto.add(broken, keyed, free)
    assert text(await ask(auto)) == "Free:m1"
    assert broken.calls == 0 and keyed.calls == 0


async def test_a_key_in_the_environment_or_argument_enables_a_provider(auto, monkeypatch):
    keyed = fake("Keyed", ["m1"], needs_auth=True, api_key_env="KEYED_API_KEY")
    auto.add(keyed)
    with pytest.raises(MissingAuthError):
        await ask(auto)
    assert text(await ask(auto, api_key="sk-test")) == "Keyed:m1"
    monkeypatch.setenv("KEYED_API_KEY", "sk-env")
    assert text(await ask(auto)) == "Keyed:m1"


async def test_all_skipped_for_credentials_says_what_would_enable_each_in_one_line(auto):
    class Cookied(Fake):
        needs_auth = True
        models: ClassVar[list[str]] = ["m1"]

        @classmethod
        def has_credentials(cls, **kwargs):
            return bool(kwargs.get("cookies"))

        @classmethod
        def credential_hint(cls):
            return "run `g4f login cookied` or pass cookies="

    keyed = fake("Keyed", ["m1"], needs_auth=True, api_key_env="KEYED_API_KEY",
                 login_url="https://example.com/keys")
    auto.add(keyed, Cookied, fake("Broken", ["m1"], working=False))
    with pytest.raises(MissingAuthError) as info:
        await ask(auto)
    message = str(info.value)
    assert "\n" not in message
    assert message == (
        "no provider for model 'm1' has credentials; set KEYED_API_KEY; "
        "or Cookied: run `g4f login cookied` or pass cookies="
    )
    assert info.value.hints == {
        "Keyed": "set KEYED_API_KEY (get one at https://example.com/keys) or pass api_key=",
        "Cookied": "run `g4f login cookied` or pass cookies=",
    }
    assert text(await ask(auto, cookies={"sso": "x"})) == "Cookied:m1"


async def test_when_the_tried_ones_fail_the_error_also_lists_the_skipped_ones(auto):
    failing = fake("Failing", ["m1"], error=ResponseStatusError("Internal Server Error", provider="Failing",
                                                                status=500))
    keyed = fake("Keyed", ["m1"], needs_auth=True, api_key_env="KEYED_API_KEY")
    auto.add(failing, keyed)
    with pytest.raises(RetryProviderError) as info:
        await ask(auto)
    assert list(info.value.exceptions) == ["Failing", "Keyed"]
    assert isinstance(info.value.exceptions["Keyed"], MissingAuthError)
    first_line = str(info.value).splitlines()[0]
    assert first_line == (
        "no provider answered for model 'm1': Failing: ResponseStatusError 500, "
        "Keyed: skipped: set KEYED_API_KEY or pass api_key="
    )
    assert "  - Keyed: MissingAuthError: skipped: set KEYED_API_KEY" in str(info.value)


# -- local servers: asked what they serve (GET /models), sent only what they list ------------------

def closed_url() -> str:
    """A loopback base URL nobody listens on: a local server that is not running."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


def local_server(name: str, base_url: str, **attrs) -> type[LocalServer]:
    return type(name, (LocalServer,), {"api_base": base_url, "default_model": "local-model", **attrs})


@pytest.fixture
async def server(openai_replica_factory):
    """A keyless OpenAI-compatible server that has loaded ``qwen2.5:7b`` and ``llama3.2:latest``."""
    return await openai_replica_factory(api_key=None, models=["qwen2.5:7b", "llama3.2:latest"])


async def test_a_local_server_answers_the_models_it_lists_and_only_those(auto, server):
    local = local_server("Local", server.base_url)
    keyed = fake("Keyed", ["m1"], needs_auth=True, api_key_env="KEYED_API_KEY")
    auto.add(local, keyed)
    chunks = await ask(auto, "qwen2.5:7b")
    assert text(chunks) == "You said: hi" and chunks[0].name == "Local"
    assert server.chat_requests[-1].body["model"] == "qwen2.5:7b"
    with pytest.raises(ModelNotFoundError, match="no provider serves model 'Hello'"):
        await ask(auto, "Hello")
    with pytest.raises(MissingAuthError, match="KEYED_API_KEY"):  # m1: the keyed one, never the local one
        await ask(auto, "m1")
    assert len(server.chat_requests) == 1


async def test_a_bare_name_finds_its_tag_as_ollama_lists_it(auto, server):
    auto.add(local_server("Tagged", server.base_url, default_tag="latest"))
    assert text(await ask(auto, "llama3.2")) == "You said: hi"
    assert server.chat_requests[-1].body["model"] == "llama3.2:latest"  # the name as it lists it


async def test_the_model_list_is_asked_once_and_again_for_a_name_it_lacks(auto, server):
    auto.add(local_server("Local", server.base_url))
    for _ in range(3):
        await ask(auto, "qwen2.5:7b")
    assert len([r for r in server.requests if r.path.endswith("/models")]) == 1
    server.models["just-pulled"] = {"id": "just-pulled"}
    assert text(await ask(auto, "just-pulled")) == "You said: hi"
    assert len([r for r in server.requests if r.path.endswith("/models")]) == 2


async def test_no_model_means_a_model_the_local_server_lists(auto, server):
    auto.add(local_server("Local", server.base_url))
    await ask(auto, "")
    assert server.chat_requests[-1].body["model"] == "qwen2.5:7b"  # its default "local-model" is not loaded


async def test_a_down_local_server_with_a_model_it_lists_is_a_network_error_naming_its_address(auto):
    down = closed_url()
    auto.add(local_server("Local", down), fake("Keyed", ["m1"], needs_auth=True, api_key_env="KEYED_API_KEY"))
    with pytest.raises(NetworkError) as info:
        await ask(auto, "local-model")  # its declared model: it would serve it
    message = str(info.value)
    assert message.startswith(f"no provider for model 'local-model' is reachable: Local at {down}: ")
    assert "\n" not in message


async def test_a_down_local_server_and_an_unknown_model_is_model_not_found(auto):
    auto.add(local_server("Local", closed_url()), fake("Keyed", ["m1"], needs_auth=True, api_key_env="KEYED_API_KEY"))
    ModelUtils.register(Model("llama-3.3-70b", "Meta", providers=("Keyed",)))
    with pytest.raises(ModelNotFoundError) as info:
        await ask(auto, "llama-3.3-70")
    message = str(info.value)
    assert message.startswith("no provider serves model 'llama-3.3-70'; did you mean llama-3.3-70b")
    assert message.endswith("? (could not ask Local: not reachable)")


async def test_a_fresh_machine_with_no_model_hears_what_to_set(auto):
    """No keys, local servers not running: what would enable the others, and who is down."""
    auto.add(local_server("Local", closed_url()), fake("Keyed", ["m1"], needs_auth=True, api_key_env="KEYED_API_KEY"))
    with pytest.raises(MissingAuthError) as info:
        await ask(auto, "")
    assert str(info.value) == "no provider has credentials; set KEYED_API_KEY (not reachable: Local)"


async def test_a_local_server_that_went_down_after_listing_fails_over_then_names_its_address(auto, server):
    local = local_server("Local", server.base_url)
    auto.add(local)
    await ask(auto, "qwen2.5:7b")  # listed and cached
    await server.close()
    with pytest.raises(NetworkError) as info:
        await ask(auto, "qwen2.5:7b")
    assert str(info.value).startswith(f"no provider for model 'qwen2.5:7b' is reachable: Local at {server.base_url}: ")
    assert isinstance(info.value.__cause__, RetryProviderError)


async def test_healthy_providers_go_first_and_failing_ones_cool_down(auto):
    flaky = fake("Flaky", ["m1"], error=NetworkError("reset", provider="Flaky"))
    steady = fake("Steady", ["m1"])
    auto.add(flaky, steady)
    for _ in range(2):  # threshold 2: Flaky is tried first twice, then cools down
        assert text(await ask(auto)) == "Steady:m1"
    assert flaky.calls == 2
    await ask(auto)
    assert flaky.calls == 2  # Steady answered first, Flaky was not needed
    auto.clock.now += 61
    flaky.error = None
    assert text(await ask(auto)) == "Flaky:m1"  # healthy again, back in catalogue order


async def test_a_cooling_provider_is_still_the_last_resort(auto):
    only = fake("Only", ["m1"], error=NetworkError("reset", provider="Only"))
    auto.add(only)
    for _ in range(2):
        with pytest.raises(RetryProviderError):
            await ask(auto)
    only.error = None
    assert text(await ask(auto)) == "Only:m1"  # a flaky provider never locks its only user out


async def test_rate_limited_provider_is_skipped_until_retry_after_passes(auto):
    limited = fake("Limited", ["m1"], error=RateLimitError("slow down", provider="Limited", retry_after=30))
    other = fake("Other", ["m1"])
    auto.add(limited, other)
    assert text(await ask(auto)) == "Other:m1"
    auto.clock.now += 29
    limited.error = None
    assert text(await ask(auto)) == "Other:m1"
    assert limited.calls == 1
    auto.clock.now += 1
    assert text(await ask(auto)) == "Limited:m1"


async def test_every_candidate_rate_limited_raises_rate_limit_error_with_the_wait(auto):
    limited = fake("Limited", ["m1"], error=RateLimitError("slow down", provider="Limited", retry_after=30))
    auto.add(limited)
    with pytest.raises(RetryProviderError):
        await ask(auto)
    auto.clock.now += 10
    with pytest.raises(RateLimitError, match="every usable provider for model 'm1' is rate limited") as info:
        await ask(auto)
    assert info.value.retry_after == 20
    assert limited.calls == 1


async def test_rate_limited_wins_over_missing_credentials_when_nothing_can_be_tried(auto):
    limited = fake("Limited", ["m1"], error=RateLimitError("slow down", provider="Limited", retry_after=30))
    auto.add(limited, fake("Keyed", ["m1"], needs_auth=True, api_key_env="KEYED_API_KEY"))
    with pytest.raises(RetryProviderError):
        await ask(auto)
    with pytest.raises(RateLimitError, match=r"Limited: rate limited, 30 s left"):
        await ask(auto)


async def test_only_not_working_providers_is_a_clear_error(auto):
    auto.add(fake("Broken", ["m1"], working=False))
    with pytest.raises(ProviderNotWorkingError,
                       match="no working provider serves model 'm1'; marked as not working: Broken"):
        await ask(auto)


def test_chat_completion_uses_auto_selection_for_a_row_without_best_provider(auto, monkeypatch):
    from g4f.providers import any_provider

    monkeypatch.setattr(any_provider.AnyProvider, "registry", auto.registry)
    monkeypatch.setattr(any_provider.AnyProvider, "health", auto.health)
    auto.add(fake("First", ["their-model"], error=NetworkError("down", provider="First")),
             fake("Second", ["x"], accepts_unknown_models=True))
    ModelUtils.register(Model("their-model", "Them", providers=("Second",)))
    answer = g4f.ChatCompletion.create("their-model", MESSAGES)
    assert answer == "Second:their-model"
    assert answer.provider.name == "Second"
