"""``IterListProvider`` as gpt4free's users call it: through ``Client``/``AsyncClient``,
``ChatCompletion`` and the provider itself, with gpt4free-style mock providers.

Two rules gpt4free code relies on: a provider that raises a plain exception before its first
output is skipped (``RuntimeError`` from a sync ``create_completion`` or an async generator), and
a provider that produced nothing (only ``None``, ``""`` or events without an answer) has failed:
the next one answers, and no ``None`` ever reaches the caller as content.
"""

from __future__ import annotations

import unittest

import g4f
from g4f.client import AsyncClient, ChatCompletion, ChatCompletionChunk, Client
from g4f.errors import RetryProviderError
from g4f.providers.retry_provider import IterListProvider

from .mocks import (
    AsyncProviderRaiseMock,
    AsyncRaiseExceptionProviderMock,
    MissingAuthProviderMock,
    RaiseExceptionProviderMock,
    SyncYieldNoneProviderMock,
    YieldEmptyProviderMock,
    YieldEmptyReasoningProviderMock,
    YieldEventsOnlyProviderMock,
    YieldNoneProviderMock,
    YieldProviderMock,
)

DEFAULT_MESSAGES = [{"role": "user", "content": "Hello"}]
FAILING = (RaiseExceptionProviderMock, AsyncRaiseExceptionProviderMock, AsyncProviderRaiseMock)
EMPTY = (YieldNoneProviderMock, YieldEmptyProviderMock, YieldEventsOnlyProviderMock, SyncYieldNoneProviderMock)


class TestIterListProviderSkipsFailures(unittest.IsolatedAsyncioTestCase):
    async def test_skip_provider(self):
        for failing in FAILING:
            with self.subTest(failing=failing.__name__):
                client = AsyncClient(provider=IterListProvider([failing, YieldProviderMock], False))
                response = await client.chat.completions.create(DEFAULT_MESSAGES, "")
                self.assertIsInstance(response, ChatCompletion)
                self.assertEqual("Hello", response.choices[0].message.content)
                self.assertEqual("YieldProviderMock", response.provider)

    async def test_stream_skip_provider(self):
        for failing in FAILING:
            with self.subTest(failing=failing.__name__):
                client = AsyncClient(provider=IterListProvider([failing, YieldProviderMock], False))
                messages = [{"role": "user", "content": chunk} for chunk in ["How ", "are ", "you", "?"]]
                response = client.chat.completions.create(messages, "Hello", stream=True)
                chunks = [chunk async for chunk in response]
                for chunk in chunks:
                    self.assertIsInstance(chunk, ChatCompletionChunk)
                content = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
                self.assertEqual("How are you?", content)

    async def test_chat_completion_async_skips_the_failing_provider(self):
        for failing in FAILING:
            with self.subTest(failing=failing.__name__):
                provider = IterListProvider([failing, YieldProviderMock], False)
                result = await g4f.ChatCompletion.create_async("", DEFAULT_MESSAGES, provider)
                self.assertEqual("Hello", result)
                stream = await g4f.ChatCompletion.create_async("", DEFAULT_MESSAGES, provider, stream=True)
                self.assertEqual("Hello", "".join([str(chunk) async for chunk in stream]))

    async def test_the_provider_itself_skips_the_failing_provider(self):
        provider = IterListProvider([AsyncRaiseExceptionProviderMock, YieldProviderMock], False)
        self.assertEqual("Hello", await provider.create_async("", DEFAULT_MESSAGES))
        chunks = [chunk async for chunk in provider.create_async_generator("", DEFAULT_MESSAGES)]
        self.assertEqual(["Hello"], [chunk for chunk in chunks if type(chunk) is str])

    async def test_only_one_result(self):
        client = AsyncClient(provider=IterListProvider([YieldProviderMock, YieldProviderMock]))
        response = await client.chat.completions.create(DEFAULT_MESSAGES, "")
        self.assertEqual("Hello", response.choices[0].message.content)

    async def test_every_failure_is_listed_when_all_fail(self):
        client = AsyncClient(provider=IterListProvider(
            [RaiseExceptionProviderMock, AsyncRaiseExceptionProviderMock, MissingAuthProviderMock], False))
        with self.assertRaises(RetryProviderError) as caught:
            await client.chat.completions.create(DEFAULT_MESSAGES, "")
        self.assertEqual(
            ["RaiseExceptionProviderMock", "AsyncRaiseExceptionProviderMock", "MissingAuthProviderMock"],
            list(caught.exception.exceptions),
        )
        self.assertIsInstance(caught.exception.exceptions["RaiseExceptionProviderMock"], RuntimeError)


class TestIterListProviderSkipsFailuresSync(unittest.TestCase):
    def test_skip_provider(self):
        for failing in FAILING:
            with self.subTest(failing=failing.__name__):
                client = Client(provider=IterListProvider([failing, YieldProviderMock], False))
                response = client.chat.completions.create(DEFAULT_MESSAGES, "")
                self.assertEqual("Hello", response.choices[0].message.content)

    def test_stream_skip_provider(self):
        client = Client(provider=IterListProvider([RaiseExceptionProviderMock, YieldProviderMock], False))
        chunks = list(client.chat.completions.create(DEFAULT_MESSAGES, "", stream=True))
        self.assertEqual("Hello", "".join(chunk.choices[0].delta.content or "" for chunk in chunks))

    def test_chat_completion_skips_the_failing_provider(self):
        provider = IterListProvider([RaiseExceptionProviderMock, YieldProviderMock], False)
        self.assertEqual("Hello", g4f.ChatCompletion.create("", DEFAULT_MESSAGES, provider))
        streamed = g4f.ChatCompletion.create("", DEFAULT_MESSAGES, provider, stream=True)
        self.assertEqual("Hello", "".join(map(str, streamed)))

    def test_sync_create_completion_of_the_list(self):
        provider = IterListProvider([RaiseExceptionProviderMock, YieldProviderMock], False)
        chunks = list(provider.create_completion("", DEFAULT_MESSAGES, stream=True))
        self.assertEqual(["Hello"], [chunk for chunk in chunks if type(chunk) is str])


class TestEmptyOutputIsNoOutput(unittest.IsolatedAsyncioTestCase):
    async def test_skip_none(self):
        for empty in EMPTY:
            with self.subTest(empty=empty.__name__):
                client = AsyncClient(provider=IterListProvider([empty, YieldProviderMock], False))
                response = await client.chat.completions.create(DEFAULT_MESSAGES, "")
                self.assertIsInstance(response, ChatCompletion)
                self.assertEqual("Hello", response.choices[0].message.content)
                self.assertEqual("YieldProviderMock", response.provider)

    async def test_stream_skip_none(self):
        for empty in EMPTY:
            with self.subTest(empty=empty.__name__):
                client = AsyncClient(provider=IterListProvider([empty, YieldProviderMock], False))
                response = client.chat.completions.create(DEFAULT_MESSAGES, "", stream=True)
                chunks = [chunk async for chunk in response]
                # The chunks come from YieldProviderMock alone: its text, then the final chunk.
                self.assertEqual(["Hello", None], [chunk.choices[0].delta.content for chunk in chunks])
                self.assertEqual({"YieldProviderMock"}, {chunk.provider for chunk in chunks})
                self.assertEqual("stop", chunks[-1].choices[0].finish_reason)

    async def test_none_is_never_content(self):
        provider = IterListProvider([YieldNoneProviderMock, YieldProviderMock], False)
        chunks = [chunk async for chunk in provider.create_async_generator("", DEFAULT_MESSAGES)]
        self.assertNotIn(None, chunks)
        self.assertNotIn("", chunks)
        stream = await g4f.ChatCompletion.create_async("", DEFAULT_MESSAGES, provider, stream=True)
        self.assertEqual(["Hello"], [chunk async for chunk in stream if type(chunk) is str])

    async def test_an_empty_reasoning_is_no_output_either(self):
        client = AsyncClient(provider=IterListProvider([YieldEmptyReasoningProviderMock, YieldProviderMock], False))
        response = await client.chat.completions.create(DEFAULT_MESSAGES, "")
        self.assertEqual("Hello", response.choices[0].message.content)
        self.assertEqual("YieldProviderMock", response.provider)

    async def test_only_empty_providers_is_an_error_not_an_empty_answer(self):
        client = AsyncClient(provider=IterListProvider([YieldNoneProviderMock, YieldEmptyProviderMock], False))
        with self.assertRaises(RetryProviderError) as caught:
            await client.chat.completions.create(DEFAULT_MESSAGES, "")
        self.assertIn("empty answer", str(caught.exception))


class TestEmptyOutputIsNoOutputSync(unittest.TestCase):
    def test_skip_none(self):
        client = Client(provider=IterListProvider([SyncYieldNoneProviderMock, YieldProviderMock], False))
        self.assertEqual("Hello", client.chat.completions.create(DEFAULT_MESSAGES, "").choices[0].message.content)
        self.assertEqual("Hello", g4f.ChatCompletion.create("", DEFAULT_MESSAGES,
                                                            IterListProvider([YieldNoneProviderMock,
                                                                              YieldProviderMock], False)))


if __name__ == "__main__":
    unittest.main()
