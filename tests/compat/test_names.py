"""gpt4free names that scripts and plugins use, working here as they do there.

* ``Client(image_provider=...)``: the provider ``images.generate`` asks when the call names none
  (and it is not passed to chat providers as a keyword).
* An ``OpenaiTemplate`` subclass that declares its API root as ``base_url = ...`` (gpt4free's
  attribute; here it is ``api_base``) finds it.
* gpt4free's error names (``except g4f.errors.StreamNotSupportedError`` must not itself fail).
* ``g4f.cookies.set_cookies_dir`` / ``get_cookies_dir``.
"""

from __future__ import annotations

import unittest
from typing import ClassVar

import pytest

import g4f.errors
from g4f.client import AsyncClient, Client
from g4f.cookies import get_cookies_dir, read_cookie_files, set_cookies_dir
from g4f.Provider.template import OpenaiTemplate
from g4f.providers.base_provider import AsyncGeneratorProvider
from g4f.providers.response import ImageResponse
from g4f.testing import OpenAIReplica

from .mocks import YieldProviderMock

DEFAULT_MESSAGES = [{"role": "user", "content": "Hello"}]


class YieldImageProviderMock(AsyncGeneratorProvider):
    working = True
    supports_images = True
    seen: ClassVar[dict] = {}

    @classmethod
    async def create_async_generator(cls, model, messages, stream, **kwargs):
        cls.seen = {"prompt": messages[-1]["content"], **kwargs}
        yield ImageResponse("https://images.example/cat.png", messages[-1]["content"])


class RecordingProviderMock(AsyncGeneratorProvider):
    working = True
    seen: ClassVar[dict] = {}

    @classmethod
    async def create_async_generator(cls, model, messages, stream, **kwargs):
        RecordingProviderMock.seen = dict(kwargs)
        yield "Hello"


class TestImageProvider(unittest.IsolatedAsyncioTestCase):
    async def test_the_clients_image_provider_makes_the_images(self):
        client = AsyncClient(provider=YieldProviderMock, image_provider=YieldImageProviderMock)
        response = await client.images.generate("a cat", model="", response_format="url")
        self.assertEqual("https://images.example/cat.png", response.data[0].url)
        self.assertEqual("a cat", YieldImageProviderMock.seen["prompt"])
        chat = await client.chat.completions.create(DEFAULT_MESSAGES, "")
        self.assertEqual("Hello", chat.choices[0].message.content)  # chat keeps its own provider

    async def test_a_call_that_names_a_provider_wins(self):
        client = AsyncClient(image_provider=YieldProviderMock)  # not an image provider
        response = await client.images.generate("a dog", model="", provider=YieldImageProviderMock)
        self.assertEqual("https://images.example/cat.png", response.data[0].url)

    async def test_image_provider_is_not_a_chat_keyword(self):
        client = AsyncClient(provider=RecordingProviderMock, image_provider=YieldImageProviderMock)
        await client.chat.completions.create(DEFAULT_MESSAGES, "")
        self.assertNotIn("image_provider", RecordingProviderMock.seen)

    def test_sync_client(self):
        client = Client(image_provider=YieldImageProviderMock)
        response = client.images.generate("a bird", model="")
        self.assertEqual("https://images.example/cat.png", response.data[0].url)
        client.close()


class GptFreeStyleTemplate(OpenaiTemplate):
    """An OpenAI-compatible provider as gpt4free plugins declare it."""

    working = True
    needs_auth = False
    default_model = "replica-model"


async def test_an_openai_template_declaring_base_url_uses_it():
    async with OpenAIReplica(api_key=None, models=["replica-model"]) as replica:

        class Declared(GptFreeStyleTemplate):
            base_url = replica.base_url

        assert Declared.get_api_base() == replica.base_url.rstrip("/")
        answer = "".join([chunk async for chunk in Declared.create_async_generator(
            "replica-model", DEFAULT_MESSAGES) if isinstance(chunk, str)])
        assert answer == "You said: Hello"
        assert len(replica.chat_requests) == 1
        # the call's own base_url still wins over the declaration
        assert Declared.get_api_base("http://127.0.0.1:9/v1/") == "http://127.0.0.1:9/v1"


GPT4FREE_ERRORS = {
    "StreamNotSupportedError": g4f.errors.BadRequestError,
    "ModelNotAllowedError": g4f.errors.BadRequestError,
    "CloudflareError": g4f.errors.ResponseStatusError,
    "ConversationLimitError": g4f.errors.ResponseError,
    "NoMediaResponseError": g4f.errors.ResponseError,
    "RetryNoProviderError": g4f.errors.RetryProviderError,
    "ProviderException": g4f.errors.G4FError,
}


@pytest.mark.parametrize(("name", "base"), GPT4FREE_ERRORS.items())
def test_gpt4free_error_names_exist_and_are_g4f_errors(name, base):
    kind = getattr(g4f.errors, name)
    assert issubclass(kind, base) and issubclass(kind, g4f.errors.G4FError)
    try:
        raise kind("upstream said no", provider="Mock")
    except kind as caught:  # the except clause of a gpt4free script
        assert str(caught) == "Mock: upstream said no"


def test_set_cookies_dir_is_where_cookie_files_are_read(tmp_path, monkeypatch):
    monkeypatch.setenv("G4F_COOKIES_DIR", str(tmp_path / "elsewhere"))  # restored after the test
    folder = tmp_path / "har_and_cookies"
    folder.mkdir(mode=0o700)
    (folder / "example.com.json").write_text('[{"domain": ".example.com", "name": "sid", "value": "v-123456"}]')
    (folder / "example.com.json").chmod(0o600)
    set_cookies_dir(folder)
    assert get_cookies_dir() == str(folder)
    assert read_cookie_files("example.com") == {"sid": "v-123456"}
