"""Request validation: a malformed body is always a 400 naming what is wrong, never a crash."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from g4f.api.errors import ApiError
from g4f.api.validation import OWN_FIELDS, PASSED_THROUGH, parse_chat_request
from g4f.errors import BadRequestError
from g4f.providers.helper import validate_messages

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
field_names = st.sampled_from(sorted(OWN_FIELDS | set(PASSED_THROUGH))) | st.text(max_size=12)
messages = st.lists(st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant", "system", "robot"]) | json_values,
     "content": st.text(max_size=20) | json_values}), max_size=3)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(field_names, json_values, max_size=6), messages)
def test_any_body_is_accepted_or_refused_with_a_400(body, message_list):
    for candidate in (body, {**body, "messages": message_list}):
        try:
            request = parse_chat_request(candidate)
        except ApiError as error:
            assert error.status == 400 and error.message
            assert set(error.body()["error"]) == {"message", "type", "param", "code"}
        else:  # the messages are checked by the call boundary, which every door uses
            assert set(request.options) <= set(PASSED_THROUGH)
            try:
                validate_messages(request.messages)
            except BadRequestError as error:
                assert error.param and str(error)
            else:
                assert request.messages


@given(json_values)
def test_a_body_that_is_not_an_object_is_a_400(body):
    if isinstance(body, dict):
        return
    try:
        parse_chat_request(body)
    except ApiError as error:
        assert error.status == 400 and error.code == "invalid_body"
    else:
        raise AssertionError("accepted a body that is not an object")


def test_a_valid_request_keeps_what_the_provider_needs():
    request = parse_chat_request({
        "model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]},
                                   {"role": "assistant", "content": None, "tool_calls": []}],
        "stream": True, "provider": "Groq", "stop": ["\n"], "temperature": 0.5, "max_tokens": 10,
        "conversation": {"conversation_id": "c"}, "stream_options": {"include_usage": True}, "api_key": "gsk_x12345",
    })
    assert (request.model, request.stream, request.provider, request.stop) == ("m", True, "Groq", ["\n"])
    assert request.options == {"temperature": 0.5, "max_tokens": 10, "api_key": "gsk_x12345"}
    assert request.conversation == {"conversation_id": "c"}


@pytest.fixture(scope="module")
def running_api():
    """The API server on its own loop in a thread, with an in-test provider, for sync fuzzing."""
    import asyncio
    import threading

    from g4f.api import create_app
    from g4f.testing.server import LocalServer

    from ..client.scripted import registered, scripted

    started, stop = threading.Event(), threading.Event()
    box: dict = {}

    async def serve():
        async with LocalServer(create_app()) as server:
            box["url"] = server.url
            started.set()
            while not stop.is_set():
                await asyncio.sleep(0.02)

    echo = scripted("FuzzEcho", ["fine"])
    with registered(echo):
        thread = threading.Thread(target=lambda: asyncio.run(serve()))
        thread.start()
        assert started.wait(20)
        yield box["url"]
        stop.set()
        thread.join(20)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(field_names, json_values, max_size=6), messages)
def test_the_server_answers_malformed_requests_with_4xx_never_500(running_api, body, message_list):
    import json
    import urllib.error
    import urllib.request

    payload = json.dumps({**body, "messages": message_list, "provider": "FuzzEcho"}).encode()
    request = urllib.request.Request(f"{running_api}/v1/chat/completions", data=payload,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            status = response.status
            response.read()
    except urllib.error.HTTPError as error:
        status = error.code
        assert "error" in json.loads(error.read())
    assert status == 200 or 400 <= status < 500
