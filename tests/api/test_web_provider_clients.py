"""Web providers behind ordinary clients (issue 16), as a chat front-end or an agent framework
sees them: the openai SDK → ``g4f api`` → the real Grok provider → the grok.com replica.

* a chat that resends its whole history each turn continues one grok.com conversation (one
  ``/new``, then ``/responses`` with only the new message); an edited message, a regenerated
  answer or another API key starts a new one;
* tools work through the prompt: call → result → answer, streamed and not, with every
  ``tool_choice``; an answer that is not a valid call is text; the loop guard stops a loop;
* a field the provider cannot honour is a 400 that names the provider and the field.
"""

from __future__ import annotations

import json

import anthropic
import openai
import pytest

from g4f.Provider import Groq
from g4f.Provider.template.WireProvider import WireProvider
from g4f.providers.registry import registry
from g4f.testing import Reply

from ..replicas.grok import tool_call_text
from ..replicas.groq import GROQ_KEY, GROQ_MODELS, GroqReplica

GROK = {"extra_body": {"provider": "Grok"}}
WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "The weather in a city now.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
TIME = {"type": "function", "function": {
    "name": "get_time", "description": "The time in a time zone.",
    "parameters": {"type": "object", "properties": {"zone": {"type": "string", "enum": ["UTC", "CET"]}},
                   "required": ["zone"]}}}
TOOLS = [WEATHER, TIME]


def calls_to(replica):
    """The grok.com endpoint of each chat request: ``new`` or ``responses``."""
    return [request.path.rsplit("/", 1)[-1] for request in replica.requests]


async def text_of(stream) -> str:
    return "".join([chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices])


# -- conversations recovered from the history ---------------------------------------------------
async def test_a_five_turn_chat_that_resends_its_history_continues_one_grok_conversation(api, grok_upstream):
    _, client = await api()
    chat = []
    for turn, words in enumerate(["Hello Grok", "My name is Ada", "I like lighthouses", "And boats", "Bye"], 1):
        chat.append({"role": "user", "content": words})
        if turn % 2:  # a front-end that streams, and one that does not
            answer = (await client.chat.completions.create(model="grok-3", messages=chat, **GROK)).choices[0]
            text = answer.message.content
        else:
            text = await text_of(await client.chat.completions.create(model="grok-3", messages=chat, stream=True,
                                                                      **GROK))
        expected = f"You said: {words}." + (f" Turn {turn}; before that you said: {chat[-3]['content']}."
                                            if turn > 1 else "")
        assert text == expected  # the replica answers from its own copy of the conversation
        chat.append({"role": "assistant", "content": text})
    assert calls_to(grok_upstream) == ["new", "responses", "responses", "responses", "responses"]
    conversation_id = next(iter(grok_upstream.conversations))
    assert len(grok_upstream.conversations) == 1
    for request, sent in zip(grok_upstream.requests[1:], chat[2::2]):
        assert request.path.endswith(f"/conversations/{conversation_id}/responses")
        assert request.payload["message"] == sent["content"]  # only the new message goes to grok.com


async def test_an_edited_message_or_a_regenerated_answer_starts_a_new_conversation(api, grok_upstream):
    _, client = await api()

    async def say(messages):
        answer = await client.chat.completions.create(model="grok-3", messages=messages, **GROK)
        return answer.choices[0].message.content

    chat = [{"role": "user", "content": "Hello Grok"}]
    chat += [{"role": "assistant", "content": await say(chat)}, {"role": "user", "content": "Tell me more"}]
    await say(chat)
    assert calls_to(grok_upstream) == ["new", "responses"]
    # Regenerating the second answer (the same history again): grok.com's conversation has moved
    # on past it, so a new conversation holds the whole history.
    await say(chat)
    assert calls_to(grok_upstream)[-1] == "new"
    assert grok_upstream.requests[-1].payload["message"].startswith("User: Hello Grok\nAssistant: You said")
    # An edited message: a new conversation.
    chat = [{"role": "user", "content": "Hi"}]
    hi = await say(chat)
    await say([{"role": "user", "content": "Hi, edited"}, {"role": "assistant", "content": hi},
               {"role": "user", "content": "Next"}])
    assert calls_to(grok_upstream)[-2:] == ["new", "new"]
    # Whitespace (a front-end that trims or re-wraps) does not make a message another one.
    chat = [{"role": "user", "content": "Hey there"}]
    hey = await say(chat)
    await say([{"role": "user", "content": " Hey\n there "}, {"role": "assistant", "content": hey + "\n"},
               {"role": "user", "content": "Spaced"}])
    assert calls_to(grok_upstream)[-2:] == ["new", "responses"]
    assert grok_upstream.requests[-1].payload["message"] == "Spaced"


async def test_one_api_key_never_continues_the_conversation_of_another(api, grok_upstream):
    server, alice = await api(client_key="key-alice-0123456789", api_keys=("key-alice-0123456789",
                                                                           "key-bob-0123456789"))
    bob = openai.AsyncOpenAI(base_url=f"{server.url}/v1", api_key="key-bob-0123456789", max_retries=0)
    try:
        chat = [{"role": "user", "content": "My secret is 42"}]
        said = (await alice.chat.completions.create(model="grok-3", messages=chat, **GROK)).choices[0].message.content
        chat += [{"role": "assistant", "content": said}, {"role": "user", "content": "What is my secret?"}]
        # Bob sends the very same history: he gets a conversation of his own, not Alice's.
        await bob.chat.completions.create(model="grok-3", messages=chat, **GROK)
        assert calls_to(grok_upstream) == ["new", "new"]
        await alice.chat.completions.create(model="grok-3", messages=chat, **GROK)
        assert calls_to(grok_upstream) == ["new", "new", "responses"]
        alices = grok_upstream.requests[0]
        assert alices.path.endswith("/new")
        assert len(grok_upstream.conversations) == 2
    finally:
        await bob.close()


# -- tools through the prompt -------------------------------------------------------------------
async def test_an_agent_with_two_tools_completes_call_result_answer(api, grok_upstream):
    _, client = await api()
    grok_upstream.replies = [Reply(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}},
                                               {"name": "get_time", "arguments": {"zone": "CET"}}])]
    chat = [{"role": "system", "content": "You are a travel agent."},
            {"role": "user", "content": "Weather and time in Paris?"}]
    first = await client.chat.completions.create(model="grok-3", messages=chat, tools=TOOLS, **GROK)
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    calls = choice.message.tool_calls
    assert [(call.function.name, json.loads(call.function.arguments)) for call in calls] == [
        ("get_weather", {"city": "Paris"}), ("get_time", {"zone": "CET"})]
    assert all(call.type == "function" and call.id.startswith("call_") for call in calls)
    prompt = grok_upstream.requests[0].payload["message"]
    assert "<tools>" in prompt and '"name": "get_weather"' in prompt and '"name": "get_time"' in prompt
    # The agent runs the tools and sends their results back (the SDK's own types).
    chat.append(choice.message.model_dump(exclude_none=True))
    chat += [{"role": "tool", "tool_call_id": calls[0].id, "content": '{"temperature": 18}'},
             {"role": "tool", "tool_call_id": calls[1].id, "content": '"14:05"'}]
    final = await client.chat.completions.create(model="grok-3", messages=chat, tools=TOOLS, **GROK)
    assert final.choices[0].finish_reason == "stop"
    assert final.choices[0].message.content == (
        'The get_weather tool returned: {"temperature": 18}. The get_time tool returned: "14:05".')
    assert not final.choices[0].message.tool_calls
    # The results continued the same grok.com conversation: only they were sent.
    assert calls_to(grok_upstream) == ["new", "responses"]
    sent = grok_upstream.requests[1].payload["message"]
    assert sent.startswith('<tool_result name="get_weather"') and "Weather and time" not in sent


async def test_a_streamed_tool_call_comes_out_once_complete_and_text_streams_as_usual(api, grok_upstream):
    _, client = await api()
    grok_upstream.replies = [tool_call_text("get_weather", {"city": "Rome"}, "prompt")]
    chat = [{"role": "user", "content": "Weather in Rome?"}]
    stream = await client.chat.completions.create(model="grok-3", messages=chat, tools=TOOLS, stream=True, **GROK)
    chunks = [chunk async for chunk in stream]
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text == "I will look that up."  # the text before the call, streamed; no markup
    deltas = [call for chunk in chunks if chunk.choices for call in chunk.choices[0].delta.tool_calls or []]
    assert len(deltas) == 1  # one complete call, not fragments
    assert deltas[0].index == 0 and deltas[0].function.name == "get_weather"
    assert json.loads(deltas[0].function.arguments) == {"city": "Rome"}
    assert [chunk.choices[0].finish_reason for chunk in chunks if chunk.choices][-1] == "tool_calls"
    chat += [{"role": "assistant", "content": text, "tool_calls": [{
        "id": deltas[0].id, "type": "function", "function": {"name": "get_weather",
                                                              "arguments": deltas[0].function.arguments}}]},
             {"role": "tool", "tool_call_id": deltas[0].id, "content": "sunny"}]
    answer = await text_of(await client.chat.completions.create(model="grok-3", messages=chat, tools=TOOLS,
                                                                stream=True, **GROK))
    assert answer == "The get_weather tool returned: sunny."
    assert calls_to(grok_upstream) == ["new", "responses"]


@pytest.mark.parametrize("style", ["prompt", "fence", "prose"])
async def test_a_call_in_a_fence_or_in_prose_is_read_too(api, grok_upstream, style):
    _, client = await api()
    grok_upstream.replies = [tool_call_text("get_time", {"zone": "UTC"}, style)]
    answer = await client.chat.completions.create(model="grok-3", messages=[{"role": "user", "content": "Time?"}],
                                                  tools=TOOLS, **GROK)
    call, = answer.choices[0].message.tool_calls
    assert (call.function.name, json.loads(call.function.arguments)) == ("get_time", {"zone": "UTC"})
    assert answer.choices[0].finish_reason == "tool_calls"


@pytest.mark.parametrize("style", ["malformed", "unknown"])
@pytest.mark.parametrize("stream", [False, True])
async def test_an_answer_that_is_not_a_valid_call_is_returned_as_text(api, grok_upstream, style, stream):
    _, client = await api()
    reply = tool_call_text("get_weather", {"city": "Oslo"}, style)
    grok_upstream.replies = [reply]
    options = {"model": "grok-3", "messages": [{"role": "user", "content": "Oslo?"}], "tools": TOOLS, **GROK}
    if stream:
        chunks = [chunk async for chunk in await client.chat.completions.create(stream=True, **options)]
        text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
        assert not any(chunk.choices[0].delta.tool_calls for chunk in chunks if chunk.choices)
        finish = [chunk.choices[0].finish_reason for chunk in chunks if chunk.choices][-1]
    else:
        choice = (await client.chat.completions.create(**options)).choices[0]
        text, finish = choice.message.content, choice.finish_reason
        assert not choice.message.tool_calls
    assert text == reply  # exactly as the model wrote it, not a broken call
    assert finish == "stop"


async def test_tool_choice_none_required_and_a_named_function(api, grok_upstream):
    _, client = await api()
    chat = [{"role": "user", "content": "Paris?"}]
    call = tool_call_text("get_weather", {"city": "Paris"}, "prompt")
    # none: the model is told not to call, and whatever it writes is text
    grok_upstream.replies = [call]
    none = await client.chat.completions.create(model="grok-3", messages=chat, tools=TOOLS, tool_choice="none", **GROK)
    assert none.choices[0].message.content == call and not none.choices[0].message.tool_calls
    assert "[tools: do not call any tool now; answer in plain text]" in grok_upstream.requests[-1].payload["message"]
    # required: the model is told it must call
    grok_upstream.replies = [call]
    required = await client.chat.completions.create(model="grok-3", messages=chat, tools=TOOLS,
                                                    tool_choice="required", **GROK)
    assert required.choices[0].message.tool_calls[0].function.name == "get_weather"
    assert "[tools: you must call at least one tool now]" in grok_upstream.requests[-1].payload["message"]
    # a named function: only that one is a call; a call to another stays text
    named = {"type": "function", "function": {"name": "get_time"}}
    grok_upstream.replies = [call]
    other = await client.chat.completions.create(model="grok-3", messages=chat, tools=TOOLS, tool_choice=named, **GROK)
    assert other.choices[0].message.content == call and not other.choices[0].message.tool_calls
    assert "[tools: you must call get_time now]" in grok_upstream.requests[-1].payload["message"]
    grok_upstream.replies = [tool_call_text("get_time", {"zone": "UTC"}, "prompt")]
    forced = await client.chat.completions.create(model="grok-3", messages=chat, tools=TOOLS, tool_choice=named, **GROK)
    assert forced.choices[0].message.tool_calls[0].function.name == "get_time"
    # a name that is not offered: refused before anything is sent
    sent = len(grok_upstream.requests)
    with pytest.raises(openai.BadRequestError) as caught:
        await client.chat.completions.create(model="grok-3", messages=chat, tools=TOOLS, tool_choice={
            "type": "function", "function": {"name": "launch"}}, **GROK)
    assert "tool_choice" in caught.value.message and len(grok_upstream.requests) == sent


async def test_the_loop_guard_stops_the_same_call_repeated(api, grok_upstream):
    _, client = await api(tool_call_repeats=2)
    same = {"name": "get_weather", "arguments": {"city": "Paris"}}
    chat = [{"role": "user", "content": "Weather in Paris?"}]
    for turn in range(2):
        grok_upstream.replies = [Reply(tool_calls=[same])]
        answer = await client.chat.completions.create(model="grok-3", messages=chat, tools=TOOLS, **GROK)
        call = answer.choices[0].message.tool_calls[0]
        chat += [answer.choices[0].message.model_dump(exclude_none=True),
                 {"role": "tool", "tool_call_id": call.id, "content": f"unknown ({turn})"}]
    grok_upstream.replies = [Reply(tool_calls=[same])]  # the third time: the model is looping
    with pytest.raises(openai.APIStatusError) as caught:
        await client.chat.completions.create(model="grok-3", messages=chat, tools=TOOLS, **GROK)
    assert caught.value.status_code == 502  # the upstream's answer (a loop) is the failure, as ResponseError
    message = str(caught.value.message)
    assert "get_weather" in message and "2 times already" in message and "--tool-call-repeats" in message
    # the same function with other arguments is another call
    grok_upstream.replies = [Reply(tool_calls=[{"name": "get_weather", "arguments": {"city": "Lyon"}}])]
    other = await client.chat.completions.create(model="grok-3", messages=chat, tools=TOOLS, **GROK)
    assert json.loads(other.choices[0].message.tool_calls[0].function.arguments) == {"city": "Lyon"}


# -- no silent drops ----------------------------------------------------------------------------
class Plain(WireProvider):
    """A web provider that declares no tool calling, search or vision (a plugin's default)."""

    label = "Plain"
    url = "http://127.0.0.1:9"
    endpoint = "http://127.0.0.1:9/chat"
    working = True
    default_model = "plain-1"
    models = ("plain-1",)


IMAGE = {"role": "user", "content": [{"type": "text", "text": "What is it?"},
                                     {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}


@pytest.mark.parametrize(("provider", "model", "fields", "param", "says"), [
    ("Plain", "plain-1", {"tools": TOOLS}, "tools", "Plain cannot call tools (tools)"),
    ("Groq", "openai/gpt-oss-120b", {"extra_body": {"web_search": True}}, "web_search",
     "Groq has no web search for openai/gpt-oss-120b (web_search); its models that search are groq/compound"),
    ("Grok", "grok-3", {"response_format": {"type": "json_schema", "json_schema": {
        "name": "answer", "schema": {"type": "object"}}}}, "response_format",
     "Grok AI cannot enforce response_format 'json_schema' (response_format)"),
    ("Groq", "openai/gpt-oss-120b", {"messages": [IMAGE]}, "messages[0].content[1]",
     "Groq does not accept image input (messages[0].content[1])"),
])
@pytest.mark.parametrize("stream", [False, True])
async def test_a_field_the_provider_cannot_honour_is_a_400_naming_provider_and_field(
        api, grok_upstream, groq_upstream, provider, model, fields, param, says, stream):
    registry.register(Plain)
    _, client = await api()
    options = {"messages": [{"role": "user", "content": "Hello"}], **fields}
    extra = options.pop("extra_body", {})
    with pytest.raises(openai.BadRequestError) as caught:
        await client.chat.completions.create(model=model, stream=stream, extra_body={"provider": provider, **extra},
                                             **options)
    assert caught.value.status_code == 400
    assert says in caught.value.message
    body = caught.value.body
    assert body["param"] == param and body.get("provider", provider) == provider
    assert not grok_upstream.requests and not groq_upstream.chat_requests  # nothing was sent anywhere


async def test_web_search_maps_to_what_the_provider_has(api, grok_upstream, monkeypatch):
    _, client = await api()
    hello = [{"role": "user", "content": "Hello"}]
    await client.chat.completions.create(model="grok-3", messages=hello, extra_body={"provider": "Grok",
                                                                                     "web_search": False})
    assert grok_upstream.requests[-1].payload["disableSearch"] is True
    await client.chat.completions.create(model="grok-3", messages=hello, extra_body={"provider": "Grok",
                                                                                     "web_search": True})
    assert grok_upstream.requests[-1].payload["disableSearch"] is False
    # Groq's compound models search by themselves: honoured, and nothing unknown is sent to Groq.
    compound = [*GROQ_MODELS, {"id": "groq/compound", "owned_by": "Groq", "context_window": 131072}]
    async with GroqReplica(models=compound) as groq:
        monkeypatch.setenv("GROQ_API_KEY", GROQ_KEY)
        monkeypatch.setattr(Groq, "api_base", groq.base_url)
        answer = await client.chat.completions.create(model="groq/compound", messages=hello, extra_body={
            "provider": "Groq", "web_search": True})
        assert answer.choices[0].message.content == "You said: Hello"
        assert groq.chat_requests[-1].body["model"] == "groq/compound"
        assert "web_search" not in groq.chat_requests[-1].body


async def test_the_responses_and_messages_routes_call_tools_through_grok_too(api, grok_upstream):
    server, client = await api()
    grok_upstream.replies = [tool_call_text("get_weather", {"city": "Paris"}, "prompt"),
                             tool_call_text("get_weather", {"city": "Oslo"}, "prompt")]
    tool = {"type": "function", "name": "get_weather", "parameters": WEATHER["function"]["parameters"]}
    response = await client.responses.create(model="grok-3", input="Weather in Paris?", tools=[tool],
                                             extra_body={"provider": "Grok"})
    calls = [item for item in response.output if item.type == "function_call"]
    assert [(call.name, json.loads(call.arguments)) for call in calls] == [("get_weather", {"city": "Paris"})]
    async with anthropic.AsyncAnthropic(base_url=server.url, api_key="unused", max_retries=0) as claude:
        message = await claude.messages.create(
            model="grok-3", max_tokens=256, messages=[{"role": "user", "content": "Weather in Oslo?"}],
            tools=[{"name": "get_weather", "input_schema": WEATHER["function"]["parameters"]}],
            extra_body={"provider": "Grok"})
    assert message.stop_reason == "tool_use"
    assert [(block.name, block.input) for block in message.content if block.type == "tool_use"] == [
        ("get_weather", {"city": "Oslo"})]
