"""xAI, OpenAI, OpenRouter, Ollama and LocalOpenAI: a few lines each on OpenaiTemplate, each proven
against the replica in the flavour of its upstream."""

from __future__ import annotations

import pytest

from g4f.errors import MissingAuthError
from g4f.Provider.local.LocalOpenAI import LocalOpenAI
from g4f.Provider.local.Ollama import Ollama
from g4f.Provider.needs_auth.OpenAI import OpenAI
from g4f.Provider.needs_auth.OpenRouter import OpenRouter
from g4f.Provider.needs_auth.xAI import xAI
from g4f.Provider.template.OpenaiTemplate import OpenaiTemplate
from g4f.providers.registry import get_provider
from g4f.providers.response import Reasoning, Usage, is_text
from g4f.testing.openai_replica import OPENAI, OpenAIReplica, Reply

MESSAGES = [{"role": "user", "content": "hello"}]
KEY = "sk-declarations-test-key-123"
DECLARED = [xAI, OpenAI, OpenRouter, Ollama, LocalOpenAI]


async def run(provider, replica, model, stream=True, **kw):
    kw.setdefault("base_url", replica.base_url)
    return [i async for i in provider.create_async_generator(model, MESSAGES, stream=stream, **kw)]


@pytest.mark.parametrize("provider", DECLARED, ids=lambda p: p.__name__)
def test_each_is_a_short_declaration_found_by_name(provider):
    assert issubclass(provider, OpenaiTemplate) and provider.working
    assert [n for n, v in vars(provider).items() if callable(v) or isinstance(v, classmethod)] == []
    assert get_provider(provider.__name__) is provider
    assert provider.default_model and provider.api_base.startswith("http")


@pytest.mark.parametrize("stream", [True, False])
async def test_xai_reads_reasoning_content(stream):
    async with OpenAIReplica(flavour=OPENAI, api_key=KEY, models=[{"id": "grok-3-mini", "reasoning": True}]) as api:
        api.replies.append(Reply(content="Hi!", reasoning="Greeting back."))
        items = await run(xAI, api, "grok-3-mini", stream=stream, api_key=KEY)
    assert "".join(i.token for i in items if isinstance(i, Reasoning)) == "Greeting back."
    assert "".join(i for i in items if is_text(i)) == "Hi!"
    usage = next(i for i in items if isinstance(i, Usage))  # from the include_usage chunk when streamed
    assert usage.total_tokens > 0 and usage.cost > 0  # grok-3-mini has prices in the catalogue
    if stream:
        assert api.last_request.body["stream_options"] == {"include_usage": True}


async def test_xai_needs_its_key(monkeypatch):
    with pytest.raises(MissingAuthError, match="XAI_API_KEY"):
        await xAI.create_async_generator("grok-3", MESSAGES).__anext__()
    monkeypatch.setenv("XAI_API_KEY", KEY)
    assert xAI.get_api_key() == KEY


async def test_openai_passes_images_to_a_vision_model():
    async with OpenAIReplica(flavour=OPENAI, api_key=KEY, models=[{"id": "gpt-4o", "vision": True}]) as api:
        items = await run(OpenAI, api, "gpt-4o", api_key=KEY, media=[(b"\x89PNG", "cat.png"), "https://x/dog.jpg"])
        parts = api.last_request.body["messages"][-1]["content"]
    assert "".join(i for i in items if is_text(i)) == "You said: hello"
    assert parts[0] == {"type": "text", "text": "hello"}
    assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert parts[2]["image_url"]["url"] == "https://x/dog.jpg"


async def test_openrouter_sends_its_attribution_headers_and_resolves_aliases():
    async with OpenAIReplica(flavour=OPENAI, api_key=KEY, models=["openai/gpt-4o-mini"]) as api:
        await run(OpenRouter, api, "gpt-4o-mini", api_key=KEY)
        request = api.last_request
    assert request.body["model"] == "openai/gpt-4o-mini"
    assert request.headers["X-Title"] == "g4f" and request.headers["HTTP-Referer"].startswith("https://")


async def test_ollama_needs_no_key_and_reports_no_cost():
    async with OpenAIReplica(flavour=OPENAI, api_key=None, models=["llama3.2", "gpt-4o"]) as api:
        items = await run(Ollama, api, "")
        assert api.last_request.body["model"] == "llama3.2"
        assert "Authorization" not in api.last_request.headers
        items += await run(Ollama, api, "gpt-4o")  # a local model named like a priced one costs nothing
    assert all("cost" not in i.to_dict() for i in items if isinstance(i, Usage))
    assert Ollama.api_base == "http://localhost:11434/v1"


async def test_local_openai_takes_its_base_url_and_optional_key_from_the_environment(monkeypatch):
    async with OpenAIReplica(flavour=OPENAI, api_key=None, models=["local-model"]) as api:
        monkeypatch.setenv("G4F_LOCAL_API_BASE", api.base_url)
        items = await run(LocalOpenAI, api, "", base_url=None)
        assert "".join(i for i in items if is_text(i)) == "You said: hello"
        assert "Authorization" not in api.last_request.headers
        monkeypatch.setenv("G4F_LOCAL_API_KEY", KEY)
        await run(LocalOpenAI, api, "", base_url=None)
        assert api.last_request.bearer == KEY
    assert LocalOpenAI.get_api_base() == api.base_url
