"""Grok's and Groq's current models as gpt4free users reach them: ``g4f.models``, the client's
``get_model_and_provider``, ``Client``/``AsyncClient`` with ``provider=`` and ``IterListProvider``,
against local replicas of grok.com and of Groq's API (pointed at through base URLs only).

* Grok: grok.com's current models next to the seed's names (``grok-3``, ``grok-3-thinking``,
  ``grok-2``, alias ``grok-3-r1``); each sent with its ``modelName`` and ``modeId``; DeepSearch's
  status lines are thinking statuses, grok.com's tool-usage lines are debug log lines, never text.
* Groq: the default is a current production model; retired names stay accepted; Groq's answer for
  a retired model is ``ModelNotFoundError`` with Groq's message and the models it serves now, so
  fallback moves on and the user knows what to pick.
"""

from __future__ import annotations

import logging

import pytest

import g4f
from g4f.client import AsyncClient
from g4f.client.service import get_model_and_provider
from g4f.errors import ModelNotFoundError, RetryProviderError
from g4f.models import ModelUtils
from g4f.Provider import Grok, Groq
from g4f.providers.response import Reasoning
from g4f.providers.retry_provider import IterListProvider
from tests.replicas.grok import GrokReplica, serve_grok
from tests.replicas.groq import GROQ_KEY, GROQ_RETIRED, GroqReplica

from .mocks import YieldProviderMock

DEFAULT_MESSAGES = [{"role": "user", "content": "Hello"}]

#: grok.com's current models (the issue's list) and the seed's names, which keep working.
GROK_CURRENT = ["grok-4", "grok-4-heavy", "grok-4-reasoning", "grok-3-mini", "grok-3-reasoning",
                "grok-3-mini-reasoning", "grok-2-image", "grok-latest"]
GROK_SEED = ["grok-3", "grok-3-thinking", "grok-2", "grok-3-r1"]
#: model -> (modelName, modeId, isReasoning) as grok.com's web app sends them.
GROK_MODES = {
    "grok-3": ("grok-3", "fast", False),
    "grok-3-thinking": ("grok-3", "reasoning", True),
    "grok-3-reasoning": ("grok-3", "reasoning", True),
    "grok-3-r1": ("grok-3", "reasoning", True),
    "grok-3-mini": ("grok-3-mini", "fast", False),
    "grok-3-mini-reasoning": ("grok-3-mini", "reasoning", True),
    "grok-4": ("grok-4", "expert", False),
    "grok-4-heavy": ("grok-4-heavy", "heavy", False),
    "grok-4-reasoning": ("grok-4", "reasoning", True),
    "grok-4-deepsearch": ("grok-4", "deepsearch", False),
    "grok-latest": ("grok-latest", "auto", False),
    "grok-2": ("grok-latest", "fast", False),
    "grok-2-image": ("grok-latest", "fast", False),
}


@pytest.fixture
async def grok(serve, monkeypatch) -> GrokReplica:
    return await serve_grok(serve, monkeypatch)


@pytest.fixture
async def groq(monkeypatch):
    """Groq's API as Groq answers today: the retired models are answered 400 model_decommissioned."""
    async with GroqReplica(retired=GROQ_RETIRED) as replica:
        monkeypatch.setenv("GROQ_BASE_URL", replica.base_url)
        monkeypatch.setenv("GROQ_API_KEY", GROQ_KEY)
        yield replica


# -- Grok ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", GROK_CURRENT + GROK_SEED)
def test_every_grok_name_is_a_model_and_grok_serves_it(name):
    assert name in ModelUtils.convert
    assert "Grok" in ModelUtils.convert[name].provider_names()
    # With a provider given, the name comes back as given (as in gpt4free); Grok resolves it.
    assert get_model_and_provider(name, Grok, False) == (name, Grok)
    assert Grok.get_model(name) in Grok.models
    assert Grok.get_model("grok-3-r1") == "grok-3-thinking"


@pytest.mark.parametrize("name", sorted(GROK_MODES))
async def test_each_grok_model_is_sent_with_its_model_name_and_mode_id(grok, name):
    client = AsyncClient(provider=Grok)
    response = await client.chat.completions.create(DEFAULT_MESSAGES, name, cookies={"sso": grok.sso})
    # The replica refuses unknown modes; grok-2-image draws, and the images follow the text as markdown.
    assert response.choices[0].message.content.startswith("You said: Hello.")
    sent = grok.requests[-1].payload
    assert (sent["modelName"], sent["modeId"], sent["isReasoning"]) == GROK_MODES[name]


async def test_grok_3_thinking_means_the_same_as_grok_3_reasoning(grok):
    for name in ("grok-3-thinking", "grok-3-reasoning"):
        await g4f.ChatCompletion.create_async(name, DEFAULT_MESSAGES, Grok, cookies={"sso": grok.sso})
    first, second = (request.payload for request in grok.requests)
    assert {k: v for k, v in first.items() if k != "message"} == {k: v for k, v in second.items() if k != "message"}


async def test_deep_search_status_lines_are_reasoning_statuses_tool_usage_is_debug(grok, caplog):
    caplog.set_level(logging.DEBUG, logger="g4f")
    messages = [{"role": "user", "content": "Research lighthouses"}]
    stream = await g4f.ChatCompletion.create_async("grok-4-deepsearch", messages, Grok, stream=True,
                                                   cookies={"sso": grok.sso})
    chunks = [chunk async for chunk in stream]
    statuses = [chunk.status for chunk in chunks if isinstance(chunk, Reasoning) and chunk.status]
    assert statuses[0] == "Deep searching..." and statuses[-1] == "Deep search completed"
    assert "Deep search: Reading 2 sources" in statuses
    answer = "".join(chunk for chunk in chunks if type(chunk) is str)
    assert answer == "You said: Research lighthouses."
    printed = "".join(map(str, chunks))  # gpt4free's way of printing a stream: no tool card in it
    assert "tool_usage_card" not in printed and "example.org" not in printed
    assert "grok.com used a tool" in caplog.text
    assert grok.requests[-1].payload["modeId"] == "deepsearch"


async def test_grok_through_the_client_streamed(grok):
    client = AsyncClient(provider=Grok)
    stream = client.chat.completions.create(DEFAULT_MESSAGES, "grok-3-mini-reasoning", stream=True,
                                            cookies={"sso": grok.sso})
    chunks = [chunk async for chunk in stream]
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks) == "You said: Hello."
    assert "".join(chunk.choices[0].delta.reasoning or "" for chunk in chunks)  # it thought, apart from the text
    assert grok.requests[-1].payload["modeId"] == "reasoning"


# -- Groq ---------------------------------------------------------------------------------------

def test_groq_default_is_a_current_production_model():
    assert Groq.default_model == "openai/gpt-oss-120b"
    assert get_model_and_provider("Groq", None, False) == ("openai/gpt-oss-120b", Groq)
    assert get_model_and_provider("", Groq, False) == ("", Groq)  # as in gpt4free: Groq picks its default


async def test_groq_without_a_model_sends_its_default(groq):
    response = await AsyncClient(provider=Groq).chat.completions.create(DEFAULT_MESSAGES, "")
    assert response.choices[0].message.content.endswith("You said: Hello")  # after its raw <think> part
    assert groq.chat_requests[-1].body["model"] == "openai/gpt-oss-120b"


@pytest.mark.parametrize(("name", "sent"), [
    ("mixtral-8x7b-32768", "mixtral-8x7b-32768"),  # the seed's default
    ("mixtral-8x7b", "mixtral-8x7b-32768"),
    ("llama-3.3-70b-versatile", "llama-3.3-70b-versatile"),  # this project's former default
    ("llama-3.3-70b", "llama-3.3-70b-versatile"),
    ("llama2-70b", "llama2-70b-4096"),
])
async def test_a_retired_name_is_accepted_and_groqs_answer_names_current_models(groq, name, sent):
    assert name in ModelUtils.convert or name in Groq.model_aliases
    with pytest.raises(ModelNotFoundError) as caught:
        await AsyncClient(provider=Groq).chat.completions.create(DEFAULT_MESSAGES, name)
    message = str(caught.value)
    assert groq.chat_requests[-1].body["model"] == sent  # sent as Groq names it, not refused here
    assert "has been decommissioned" in message  # Groq's own message
    assert "models it serves now: openai/gpt-oss-120b, openai/gpt-oss-20b" in message  # the hint
    assert sent not in message.split("models it serves now:")[1]  # never the retired one itself
    assert GROQ_KEY not in message


async def test_a_retired_model_moves_fallback_on(groq):
    client = AsyncClient(provider=IterListProvider([Groq, YieldProviderMock], False))
    response = await client.chat.completions.create(DEFAULT_MESSAGES, "mixtral-8x7b")
    assert response.choices[0].message.content == "Hello"
    assert response.provider == "YieldProviderMock"


async def test_when_nothing_else_answers_the_hint_is_in_the_listed_failure(groq):
    client = AsyncClient(provider=IterListProvider([Groq], False))
    with pytest.raises((ModelNotFoundError, RetryProviderError)) as caught:
        await client.chat.completions.create(DEFAULT_MESSAGES, "llama-3.3-70b-versatile")
    assert "models it serves now" in str(caught.value)


async def test_the_hint_asks_groqs_model_list_once(groq):
    client = AsyncClient(provider=Groq)
    for _ in range(3):
        with pytest.raises(ModelNotFoundError):
            await client.chat.completions.create(DEFAULT_MESSAGES, "mixtral-8x7b")
    assert sum(1 for request in groq.requests if request.path.endswith("/models")) == 1


# -- the client's rules against real upstreams ---------------------------------------------------

async def test_max_tokens_is_still_sent_to_a_provider_that_honours_it(groq):
    client = AsyncClient(provider=Groq)
    await client.chat.completions.create(DEFAULT_MESSAGES, "llama-3.1-8b-instant", max_tokens=5)
    assert groq.chat_requests[-1].body["max_tokens"] == 5


@pytest.fixture
async def ollama(monkeypatch):
    """A local Ollama-style server that has pulled one model; LocalOpenAI points at it too."""
    from g4f.testing import OpenAIReplica

    async with OpenAIReplica(api_key=None, models=["llama3.2"]) as replica:
        monkeypatch.setenv("OLLAMA_API_BASE", replica.base_url)
        monkeypatch.setenv("G4F_LOCAL_API_BASE", replica.base_url)
        yield replica


async def test_an_unknown_model_is_sent_nowhere_even_with_upstreams_running(groq, ollama):
    client = AsyncClient()  # no provider: auto-selection, with Groq's key and a local server at hand
    with pytest.raises(ModelNotFoundError) as caught:
        await client.chat.completions.create(DEFAULT_MESSAGES, "Hello")
    assert "'Hello'" in str(caught.value)
    assert groq.chat_requests == [] and ollama.chat_requests == []  # asked for their lists at most
    response = await client.chat.completions.create(DEFAULT_MESSAGES, "llama3.2")  # one it lists
    assert response.choices[0].message.content == "You said: Hello"
    assert [request.body["model"] for request in ollama.chat_requests] == ["llama3.2"]
