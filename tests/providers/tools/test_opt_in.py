"""Tool calling through the prompt is a declaration any provider can opt into: an
OpenAI-compatible server without function calling (a local model, say), declared with
``tool_calling = "prompt"``, gets the tools in its prompt and its answers read for calls, through
the call boundary every door uses (here ``AsyncClient``)."""

from __future__ import annotations

import json

from g4f.client import AsyncClient
from g4f.Provider.template import OpenaiTemplate
from g4f.testing import OpenAIReplica, Reply

WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}


class NoTools(OpenaiTemplate):
    """A server whose models have no function calling."""

    label = "NoTools"
    working = True
    needs_auth = False
    default_model = "small-model"
    tool_calling = "prompt"


async def test_a_provider_that_declares_prompt_tools_gets_them_through_the_prompt():
    async with OpenAIReplica(api_key=None, models=["small-model"]) as replica:
        replica.replies.append(Reply(content='Checking.\n<tool_call>\n{"name": "get_weather", "arguments": '
                                             '{"city": "Oslo"}}\n</tool_call>'))
        client = AsyncClient(provider=NoTools)
        answer = await client.chat.completions.create(
            model="small-model", messages=[{"role": "user", "content": "Weather in Oslo?"}], tools=[WEATHER],
            base_url=replica.base_url)
        body = replica.chat_requests[-1].body
        assert "tools" not in body and "tool_choice" not in body  # nothing the upstream cannot take
        system = body["messages"][0]
        assert system["role"] == "system" and '"name": "get_weather"' in system["content"]
        choice = answer.choices[0]
        assert choice.finish_reason == "tool_calls" and choice.message.content == "Checking."
        assert json.loads(choice.message.tool_calls[0].function.arguments) == {"city": "Oslo"}
