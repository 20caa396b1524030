"""Events are dicts too: every event of ``g4f.providers.response`` has gpt4free's ``get_dict()``,
its fields as a JSON-able dict, and prints as gpt4free's do (``Reasoning`` as its token, the
others as "" so a stream can be printed as it comes)."""

from __future__ import annotations

import json
import unittest

from g4f.providers import response
from g4f.providers.response import (
    AuthResult,
    CompletionInfo,
    Conversation,
    FinishReason,
    ImagePreview,
    ImageResponse,
    JsonConversation,
    Logprobs,
    ProviderInfo,
    Reasoning,
    RequestLogin,
    ResponseType,
    TitleGeneration,
    ToolCalls,
    Usage,
)

CALL = {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": '{"q": "g4f"}'}}

#: One event of each type, with the dict gpt4free code gets from ``get_dict()``.
EXAMPLES: list[tuple[ResponseType, dict]] = [
    (Reasoning("t", status="s"), {"token": "t", "status": "s"}),
    (Reasoning("only a token"), {"token": "only a token"}),
    (Reasoning(status="Searching..."), {"status": "Searching..."}),
    (ToolCalls([CALL]), {"calls": [CALL]}),
    (Usage(prompt_tokens=3, completion_tokens=4, queue_time=0.01),
     {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7, "queue_time": 0.01}),
    (FinishReason("length"), {"reason": "length"}),
    (ImagePreview("https://x/1.jpg", "a cat", {"progress": 50}),
     {"urls": ["https://x/1.jpg"], "alt": "a cat", "options": {"progress": 50}}),
    (ImageResponse(["https://x/1.jpg", "https://x/2.jpg"], "cats"),
     {"urls": ["https://x/1.jpg", "https://x/2.jpg"], "alt": "cats", "options": {}}),
    (TitleGeneration("Greetings"), {"title": "Greetings"}),
    (JsonConversation(conversation_id="c-1", parent_id="p-2"), {"conversation_id": "c-1", "parent_id": "p-2"}),
    (Conversation("c-1", response_id="r-9"), {"conversation_id": "c-1", "response_id": "r-9"}),
    (ProviderInfo("Groq", "openai/gpt-oss-120b", label="Groq"),
     {"name": "Groq", "model": "openai/gpt-oss-120b", "label": "Groq"}),
    (RequestLogin("Grok AI", "https://grok.com"), {"label": "Grok AI", "login_url": "https://grok.com"}),
    (Logprobs([{"token": "Hi", "logprob": -0.1, "bytes": [72, 105], "top_logprobs": []}]),
     {"content": [{"token": "Hi", "logprob": -0.1, "bytes": [72, 105], "top_logprobs": []}]}),
    (CompletionInfo("chatcmpl-1", "fp_1"), {"id": "chatcmpl-1", "system_fingerprint": "fp_1"}),
    (AuthResult(cookies={"sso": "cookie-value-x"}, user_agent="UA"),
     {"cookies": {"sso": "cookie-value-x"}, "headers": {}, "user_agent": "UA"}),
]


class TestEventsAreDicts(unittest.TestCase):
    def test_get_dict_gives_the_fields(self):
        for event, expected in EXAMPLES:
            with self.subTest(event=type(event).__name__):
                self.assertEqual(event.get_dict(), expected)

    def test_get_dict_is_json(self):
        for event, expected in EXAMPLES:
            with self.subTest(event=type(event).__name__):
                self.assertEqual(json.loads(json.dumps(event.get_dict())), expected)

    def test_every_event_type_has_an_example(self):
        exported = {name for name in response.__all__
                    if isinstance(getattr(response, name), type) and issubclass(getattr(response, name), ResponseType)}
        self.assertEqual(exported - {"ResponseType"}, {type(event).__name__ for event, _ in EXAMPLES})

    def test_nested_values_become_json(self):
        event = JsonConversation(state=(1, 2), inner=FinishReason("stop"), at=object)
        data = event.to_dict()
        self.assertEqual(data["state"], (1, 2))  # the event keeps what it was given
        self.assertEqual(json.loads(json.dumps(ResponseType.get_dict(event)))["inner"], {"reason": "stop"})


class TestEventsPrint(unittest.TestCase):
    def test_reasoning_prints_its_token(self):
        self.assertEqual(str(Reasoning("thinking...")), "thinking...")
        self.assertEqual(str(Reasoning(status="Searching")), "")

    def test_every_other_event_prints_nothing(self):
        for event, _ in EXAMPLES:
            if not isinstance(event, Reasoning):
                with self.subTest(event=type(event).__name__):
                    self.assertEqual(str(event), "")

    def test_a_stream_prints_as_its_answer(self):
        chunks = [ProviderInfo("Mock"), Reasoning("hmm "), "Hel", Usage(1, 1), "lo", FinishReason("stop")]
        self.assertEqual("".join(str(chunk) for chunk in chunks if not isinstance(chunk, Reasoning)), "Hello")


if __name__ == "__main__":
    unittest.main()
