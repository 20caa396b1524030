"""Groq: a declaration on OpenaiTemplate; what Groq users rely on, against the Groq replica."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

import g4f
from g4f.errors import BadRequestError
from g4f.models import ModelUtils
from g4f.Provider.needs_auth.Groq import Groq
from g4f.Provider.template.OpenaiTemplate import OpenaiTemplate
from g4f.providers.registry import get_provider
from g4f.providers.response import Usage
from tests.replicas.groq import GROQ_KEY

MESSAGES = [{"role": "user", "content": "hello big world"}]
LISTED = ["llama-3.3-70b-versatile", "llama-3.1-70b-versatile", "llama-3.1-8b-instant", "mixtral-8x7b-32768",
          "gemma2-9b-it"]
NEWER = ["openai/gpt-oss-120b", "openai/gpt-oss-20b", "qwen/qwen3-32b", "deepseek-r1-distill-llama-70b",
         "moonshotai/kimi-k2-instruct", "meta-llama/llama-4-scout-17b-16e-instruct",
         "meta-llama/llama-4-maverick-17b-128e-instruct"]


def test_groq_is_a_declaration_of_class_attributes_only():
    assert issubclass(Groq, OpenaiTemplate)
    behaviour = [name for name, value in vars(Groq).items()
                 if callable(value) or isinstance(value, (classmethod, staticmethod, property))]
    assert behaviour == []
    assert Groq.url == "https://console.groq.com/playground"
    assert Groq.login_url == "https://console.groq.com/keys"
    assert Groq.api_base == "https://api.groq.com/openai/v1"
    assert Groq.api_key_env == "GROQ_API_KEY"
    assert Groq.working and Groq.needs_auth and not Groq.supports_vision
    assert Groq.default_model == "openai/gpt-oss-120b"
    assert set(LISTED + NEWER) <= set(Groq.fallback_models)
    assert Groq.model_aliases["mixtral-8x7b"] == "mixtral-8x7b-32768"
    assert Groq.model_aliases["llama2-70b"] == "llama2-70b-4096"


@pytest.mark.parametrize("model", LISTED + NEWER)
def test_the_catalogue_knows_context_length_and_prices_of_groqs_models(model):
    row = ModelUtils.get(model)
    assert row is not None and "Groq" in row.provider_names()
    assert row.context_length and row.context_length >= 8192
    assert row.input_price is not None and row.output_price is not None and row.input_price > 0
    assert Groq.serves(model)


def test_groq_is_found_by_name_everywhere():
    from g4f.Provider import Groq as from_namespace
    from g4f.Provider.needs_auth import Groq as from_package

    assert from_namespace is Groq and from_package is Groq and get_provider("groq") is Groq


def test_importing_groq_imports_no_http_library():
    code = ("import sys; from g4f.Provider import Groq; Groq.get_model('mixtral-8x7b');"
            "print(sorted(m for m in ('aiohttp', 'curl_cffi', 'openai') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


async def test_the_unified_interface_answers_through_groq(groq):
    answer = await g4f.ChatCompletion.create_async("llama-3.1-8b-instant", MESSAGES, provider=Groq,
                                                   api_key=GROQ_KEY, base_url=groq.base_url)
    assert answer == "You said: hello big world"
    assert answer.usage.cost == pytest.approx((answer.usage.prompt_tokens * 0.05
                                               + answer.usage.completion_tokens * 0.08) / 1e6)
    assert answer.provider.name == "Groq" and answer.finish_reason == "stop"
    chunks = await asyncio.to_thread(lambda: list(g4f.ChatCompletion.create(
        "llama-3.1-8b-instant", MESSAGES, provider="Groq", stream=True, api_key=GROQ_KEY, base_url=groq.base_url)))
    assert "".join(c for c in chunks if type(c) is str) == "You said: hello big world"


async def test_usage_has_no_cost_for_a_model_without_known_prices(groq):
    groq.models["new-model"] = {"id": "new-model"}
    items = [i async for i in Groq.create_async_generator("new-model", MESSAGES, api_key=GROQ_KEY,
                                                          base_url=groq.base_url)]
    usage = next(i for i in items if isinstance(i, Usage))
    assert usage.total_tokens > 0 and "cost" not in usage.to_dict()


@pytest.mark.parametrize("images", [
    {"messages": [{"role": "user", "content": [{"type": "text", "text": "what is this?"},
                                               {"type": "image_url", "image_url": {"url": "https://x/cat.png"}}]}]},
    {"media": [(b"\x89PNG fake", "cat.png")]},
], ids=["image_url-part", "media"])
async def test_groq_refuses_image_input_before_sending_anything(groq, images):
    messages = images.get("messages", MESSAGES)
    with pytest.raises(BadRequestError, match="does not accept image input"):
        async for _ in Groq.create_async_generator("meta-llama/llama-4-scout-17b-16e-instruct", messages,
                                                   api_key=GROQ_KEY, base_url=groq.base_url,
                                                   media=images.get("media")):
            pass
    assert groq.requests == []


async def test_groq_sends_no_stream_options_and_reads_usage_from_x_groq(groq):
    items = [i async for i in Groq.create_async_generator("llama-3.3-70b-versatile", MESSAGES, api_key=GROQ_KEY,
                                                          base_url=groq.base_url)]
    assert "stream_options" not in groq.last_request.body
    usage = next(i for i in items if isinstance(i, Usage))
    assert {"queue_time", "prompt_time", "completion_time", "total_time"} <= set(usage.to_dict())
