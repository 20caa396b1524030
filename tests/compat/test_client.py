"""``g4f.client`` as gpt4free's users call it (gpt4free's ``etc/unittest/client.py`` cases).

* ``max_tokens`` is a cap the client applies: a provider that ignores it (one word per chunk)
  is cut after ``max_tokens`` text chunks, with ``finish_reason="length"``.
* An unknown model without a provider is ``ModelNotFoundError`` naming it and close names: no
  request is made (and no "set GROQ_API_KEY").
* ``get_model_and_provider(name, None, False)``: a catalogue model, the default, and a
  provider's name used as the model (that provider, with its default model).
"""

from __future__ import annotations

import socket
import unittest

import pytest

import g4f
from g4f.client import AsyncClient, ChatCompletion, ChatCompletionChunk, Client
from g4f.client.service import get_model_and_provider
from g4f.errors import ModelNotFoundError
from g4f.models import ModelUtils
from g4f.providers.any_provider import AnyProvider
from g4f.providers.types import BaseProvider

from .mocks import AsyncGeneratorProviderMock, ModelProviderMock, YieldProviderMock

DEFAULT_MESSAGES = [{"role": "user", "content": "Hello"}]
WORDS = [{"role": "user", "content": chunk} for chunk in ["How ", "are ", "you", "?"]]
REPEATED = [{"role": "user", "content": chunk} for chunk in ["You ", "You ", "Other", "?"]]


@pytest.fixture(autouse=True)
def local_servers_not_running(monkeypatch):
    """Ollama and LocalOpenAI point at a loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    monkeypatch.setenv("OLLAMA_API_BASE", closed)
    monkeypatch.setenv("G4F_LOCAL_API_BASE", closed)


class AsyncTestPassModel(unittest.IsolatedAsyncioTestCase):
    async def test_response(self):
        client = AsyncClient(provider=AsyncGeneratorProviderMock)
        response = await client.chat.completions.create(DEFAULT_MESSAGES, "")
        self.assertIsInstance(response, ChatCompletion)
        self.assertEqual("Mock", response.choices[0].message.content)

    async def test_pass_model(self):
        client = AsyncClient(provider=ModelProviderMock)
        response = await client.chat.completions.create(DEFAULT_MESSAGES, "Hello")
        self.assertEqual("Hello", response.choices[0].message.content)

    async def test_max_tokens(self):
        client = AsyncClient(provider=YieldProviderMock)
        response = await client.chat.completions.create(WORDS, "Hello", max_tokens=1)
        self.assertEqual("How ", response.choices[0].message.content)
        self.assertEqual("length", response.choices[0].finish_reason)
        response = await client.chat.completions.create(WORDS, "Hello", max_tokens=2)
        self.assertEqual("How are ", response.choices[0].message.content)
        response = await client.chat.completions.create(WORDS, "Hello", max_tokens=10)
        self.assertEqual("How are you?", response.choices[0].message.content)
        self.assertEqual("stop", response.choices[0].finish_reason)

    async def test_max_stream(self):
        client = AsyncClient(provider=YieldProviderMock)
        response = client.chat.completions.create(WORDS, "Hello", stream=True)
        async for chunk in response:
            self.assertIsInstance(chunk, ChatCompletionChunk)
            if chunk.choices[0].delta.content is not None:
                self.assertIsInstance(chunk.choices[0].delta.content, str)
        response = client.chat.completions.create(REPEATED, "Hello", stream=True, max_tokens=2)
        response_list = [chunk async for chunk in response]
        self.assertEqual(len(response_list), 3)  # two text chunks and the final one
        for chunk in response_list:
            if chunk.choices[0].delta.content is not None:
                self.assertEqual(chunk.choices[0].delta.content, "You ")
        self.assertEqual("length", response_list[-1].choices[0].finish_reason)

    async def test_max_completion_tokens_is_the_same_cap(self):
        client = AsyncClient(provider=YieldProviderMock)
        response = await client.chat.completions.create(WORDS, "Hello", max_completion_tokens=3)
        self.assertEqual("How are you", response.choices[0].message.content)

    async def test_stop(self):
        client = AsyncClient(provider=YieldProviderMock)
        response = await client.chat.completions.create(WORDS, "Hello", stop=["and"])
        self.assertEqual("How are you?", response.choices[0].message.content)
        response = await client.chat.completions.create(WORDS, "Hello", stop=["are"])
        self.assertEqual("How ", response.choices[0].message.content)


class TestPassModel(unittest.TestCase):
    def test_response(self):
        client = Client(provider=AsyncGeneratorProviderMock)
        response = client.chat.completions.create(DEFAULT_MESSAGES, "")
        self.assertIsInstance(response, ChatCompletion)
        if not response.choices or response.choices[0].message is None:
            self.fail("LLM returned empty or filtered response")
        self.assertEqual("Mock", response.choices[0].message.content)

    def test_pass_model(self):
        client = Client(provider=ModelProviderMock)
        response = client.chat.completions.create(DEFAULT_MESSAGES, "Hello")
        self.assertEqual("Hello", response.choices[0].message.content)

    def test_max_tokens(self):
        client = Client(provider=YieldProviderMock)
        response = client.chat.completions.create(WORDS, "Hello", max_tokens=1)
        self.assertEqual("How ", response.choices[0].message.content)
        response = client.chat.completions.create(WORDS, "Hello", max_tokens=2)
        self.assertEqual("How are ", response.choices[0].message.content)

    def test_max_stream(self):
        client = Client(provider=YieldProviderMock)
        response_list = list(client.chat.completions.create(REPEATED, "Hello", stream=True, max_tokens=2))
        self.assertEqual(len(response_list), 3)
        for chunk in response_list:
            if chunk.choices[0].delta.content is not None:
                self.assertEqual(chunk.choices[0].delta.content, "You ")

    def test_stop(self):
        client = Client(provider=YieldProviderMock)
        response = client.chat.completions.create(WORDS, "Hello", stop=["and"])
        self.assertEqual("How are you?", response.choices[0].message.content)

    def test_model_not_found(self):
        def run_exception():
            client = Client()
            client.chat.completions.create(DEFAULT_MESSAGES, "Hello")

        # gpt4free's own test accepts ModelNotFoundError, ResponseError or PaymentRequiredError; it
        # is exactly the first here, and it names the model.
        with self.assertRaises(ModelNotFoundError) as caught:
            run_exception()
        self.assertIn("'Hello'", str(caught.exception))

    def test_model_not_found_names_close_models(self):
        with self.assertRaises(ModelNotFoundError) as caught:
            Client().chat.completions.create(DEFAULT_MESSAGES, "gpt-4o-minii")
        self.assertIn("did you mean gpt-4o-mini", str(caught.exception))
        with self.assertRaises(ModelNotFoundError):
            list(Client().chat.completions.create(DEFAULT_MESSAGES, "gpt-4o-minii", stream=True))
        with self.assertRaises(ModelNotFoundError):
            g4f.ChatCompletion.create("gpt-4o-minii", DEFAULT_MESSAGES)

    def test_best_provider(self):
        not_default_model = "gpt-4o"
        model, provider = get_model_and_provider(not_default_model, None, False)
        self.assertIsInstance(model, str)
        self.assertIsInstance(provider, (type, BaseProvider))
        self.assertEqual(model, not_default_model)
        self.assertIs(provider, AnyProvider)  # auto-selection among the catalogue row's providers

    def test_default_model(self):
        default_model = ""
        model, provider = get_model_and_provider(default_model, None, False)
        self.assertIsInstance(model, str)
        self.assertIsInstance(provider, (type, BaseProvider))
        self.assertEqual(model, default_model)

    def test_provider_as_model(self):
        from g4f.Provider import Groq

        provider_as_model = Groq.__name__
        model, provider = get_model_and_provider(provider_as_model, None, False)
        self.assertIsInstance(model, str)
        self.assertIs(provider, Groq)
        self.assertEqual(model, Groq.default_model)

    def test_get_model(self):
        gpt_4o = ModelUtils.convert["gpt-4o"]
        model, provider = get_model_and_provider(gpt_4o, None, False)
        self.assertIsInstance(model, str)
        self.assertIsInstance(provider, (type, BaseProvider))
        self.assertEqual(model, gpt_4o.name)

    def test_a_model_with_its_best_provider(self):
        row = g4f.models.Model(name="test/test_model", base_provider="", best_provider=ModelProviderMock)
        ModelUtils.convert["test_model"] = row
        try:
            model, provider = get_model_and_provider("test_model", None, False)
            self.assertEqual((model, provider), ("test/test_model", ModelProviderMock))
            self.assertEqual("test/test_model", g4f.ChatCompletion.create("test_model", DEFAULT_MESSAGES))
            self.assertEqual("test/test_model", g4f.ChatCompletion.create(row, DEFAULT_MESSAGES))
        finally:
            del ModelUtils.convert["test_model"]


if __name__ == "__main__":
    unittest.main()
