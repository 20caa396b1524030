"""The client's objects speak pydantic's dialect as gpt4free's stubs do (gpt4free's
``test_reasoning_standardization.py`` cases): ``model_construct`` with gpt4free's arguments,
``model_dump()``, ``model_dump_json()``; thinking text as ``reasoning`` and as
``reasoning_content``, the same text under both names, in Python and on the API server's wire."""

from __future__ import annotations

import json
import unittest

import openai
import pytest

from g4f.client import (
    AsyncClient,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionDelta,
    ChatCompletionMessage,
    Client,
    Usage,
)
from g4f.providers.response import Reasoning

from .mocks import ThinkingProviderMock

DEFAULT_MESSAGES = [{"role": "user", "content": "Hello"}]


class TestReasoningFieldStandardization(unittest.TestCase):
    def test_reasoning_object_structure(self):
        reasoning = Reasoning("thinking content", status="processing")
        self.assertEqual(reasoning.get_dict(), {"token": "thinking content", "status": "processing"})
        self.assertEqual(str(reasoning), "thinking content")

    def test_streaming_delta_with_reasoning(self):
        delta = ChatCompletionDelta.model_construct(Reasoning("I need to think about this...", status="thinking"))
        self.assertEqual(delta.role, "assistant")
        self.assertIsNone(delta.content)
        self.assertEqual(delta.reasoning, "I need to think about this...")
        self.assertEqual(delta.reasoning_content, "I need to think about this...")
        dumped = delta.model_dump()
        self.assertEqual(dumped["reasoning"], dumped["reasoning_content"])

    def test_streaming_delta_with_text(self):
        delta = ChatCompletionDelta.model_construct("Hello")
        self.assertEqual(delta.role, "assistant")
        self.assertEqual(delta.content, "Hello")
        self.assertIsNone(delta.reasoning)

    def test_chunk_construct_and_dump(self):
        chunk = ChatCompletionChunk.model_construct("Hel", None, "abc123", 1700000000)
        self.assertEqual(chunk.id, "chatcmpl-abc123")
        self.assertEqual(chunk.created, 1700000000)
        self.assertEqual(chunk.choices[0].delta.content, "Hel")
        self.assertIsNone(chunk.choices[0].finish_reason)
        dumped = chunk.model_dump()
        self.assertEqual(dumped["object"], "chat.completion.chunk")
        self.assertEqual(dumped["choices"][0]["delta"]["content"], "Hel")
        self.assertEqual(json.loads(chunk.model_dump_json()), dumped)

    def test_completion_construct_and_dump(self):
        completion = ChatCompletion.model_construct("Hello there", "stop", "abc123", 1700000000,
                                                    reasoning=[Reasoning("Greet "), Reasoning("back.")])
        message = completion.choices[0].message
        self.assertEqual(message.content, "Hello there")
        self.assertEqual(message.role, "assistant")
        self.assertEqual(message.reasoning, "Greet back.")
        self.assertEqual(message.reasoning_content, "Greet back.")
        self.assertEqual(completion.choices[0].finish_reason, "stop")
        dumped = completion.model_dump()
        self.assertEqual(dumped["object"], "chat.completion")
        self.assertEqual(dumped["id"], "chatcmpl-abc123")
        self.assertEqual(dumped["choices"][0]["message"]["reasoning_content"], "Greet back.")
        self.assertEqual(json.loads(completion.model_dump_json()), dumped)

    def test_message_construct(self):
        message = ChatCompletionMessage.model_construct("Hi", [Reasoning("a"), Reasoning("b")])
        self.assertEqual((message.role, message.content, message.reasoning), ("assistant", "Hi", "ab"))
        self.assertEqual(message.model_dump()["reasoning"], "ab")

    def test_usage_construct_and_dump(self):
        usage = Usage.model_construct(prompt_tokens=3, completion_tokens=4, total_tokens=7)
        dumped = usage.model_dump()
        self.assertEqual((dumped["prompt_tokens"], dumped["completion_tokens"], dumped["total_tokens"]), (3, 4, 7))
        self.assertEqual(json.loads(usage.model_dump_json())["total_tokens"], 7)


class TestReasoningThroughTheClient(unittest.IsolatedAsyncioTestCase):
    async def test_message_carries_reasoning_under_both_names(self):
        client = AsyncClient(provider=ThinkingProviderMock)
        response = await client.chat.completions.create(DEFAULT_MESSAGES, "")
        message = response.choices[0].message
        self.assertEqual(message.content, "Hi!")
        self.assertEqual(message.reasoning, "Hello means hi.")
        self.assertEqual(message.reasoning_content, "Hello means hi.")

    async def test_deltas_carry_reasoning_under_both_names(self):
        client = AsyncClient(provider=ThinkingProviderMock)
        chunks = [chunk async for chunk in client.chat.completions.create(DEFAULT_MESSAGES, "", stream=True)]
        deltas = [chunk.choices[0].delta for chunk in chunks]
        self.assertEqual("Hello means hi.", "".join(d.reasoning or "" for d in deltas))
        self.assertEqual("Hello means hi.", "".join(d.reasoning_content or "" for d in deltas))
        self.assertEqual("Hi!", "".join(d.content or "" for d in deltas))


class TestReasoningThroughTheSyncClient(unittest.TestCase):
    def test_message_carries_reasoning_under_both_names(self):
        response = Client(provider=ThinkingProviderMock).chat.completions.create(DEFAULT_MESSAGES, "")
        message = response.choices[0].message
        self.assertEqual((message.reasoning, message.reasoning_content), ("Hello means hi.", "Hello means hi."))


@pytest.fixture
async def api_client(serve):
    from g4f.api import create_app
    from g4f.providers.registry import registry

    registry.register(ThinkingProviderMock)  # undone after the test by the suite's isolated_state
    server = await serve(create_app())
    client = openai.AsyncOpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0, timeout=30)
    yield client
    await client.close()


async def test_the_api_server_sends_reasoning_under_both_names(api_client):
    extra = {"provider": "ThinkingProviderMock"}
    completion = await api_client.chat.completions.create(model="", messages=DEFAULT_MESSAGES, extra_body=extra)
    message = completion.choices[0].message.model_extra
    assert message["reasoning"] == message["reasoning_content"] == "Hello means hi."
    stream = await api_client.chat.completions.create(model="", messages=DEFAULT_MESSAGES, stream=True,
                                                      extra_body=extra)
    deltas = [chunk.choices[0].delta.model_extra async for chunk in stream if chunk.choices]
    assert "".join(d.get("reasoning") or "" for d in deltas) == "Hello means hi."
    assert "".join(d.get("reasoning_content") or "" for d in deltas) == "Hello means hi."


if __name__ == "__main__":
    unittest.main()
