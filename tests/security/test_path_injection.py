"""Ids that go into upstream URLs are checked where they are used (issue 14, point 3).

The attack: a conversation id such as ``../../../../account/delete?x=`` formatted into
``{conversation_url}/{conversation_id}/responses`` walks the request to another grok.com path
with the server owner's ``sso`` cookie. The defence: the id must look like grok.com's own
(letters, digits, ``-``; bounded length) or the call is a ``BadRequestError`` before anything is
sent, and every id put into a URL path is quoted as one segment.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

import pytest

from g4f.errors import BadRequestError
from g4f.Provider.needs_auth.Grok import Grok
from g4f.Provider.template.WireProvider import WireProvider
from g4f.providers.response import Conversation
from tests.replicas.grok import API, GrokReplica, serve_grok

HELLO = [{"role": "user", "content": "Hello Grok"}]
ATTACK = "../../../../account/delete?x="
HOSTILE = [
    ATTACK,
    "../responses",
    "a/b",
    "x?y=1",
    "x#fragment",
    "%2e%2e%2f",
    "a b",
    "line\nbreak",
    "ｘ" * 8,  # letters, but not grok.com's (fullwidth)
    "0" * 65,  # too long
    "",
    ["not", "a", "string"],
    {"conversation_id": "nested"},
]


@pytest.fixture
async def grok(serve, monkeypatch) -> GrokReplica:
    return await serve_grok(serve, monkeypatch, GrokReplica())


def outside_the_chat_api(replica: GrokReplica) -> list[str]:
    return [path for path in replica.paths if not path.startswith(f"{API}/")]


async def test_the_attack_is_refused_before_anything_is_sent(grok):
    for conversation in ({"conversation_id": ATTACK}, Conversation(ATTACK)):
        with pytest.raises(BadRequestError, match="conversation_id") as info:
            await Grok.create_async("grok-3", HELLO, cookies={"sso": grok.sso}, conversation=conversation)
        assert info.value.provider == "Grok"
        assert grok.sso not in str(info.value)
    assert grok.paths == [] and grok.requests == []


@pytest.mark.parametrize("conversation_id", HOSTILE, ids=repr)
async def test_ids_unlike_grok_coms_are_bad_requests(grok, conversation_id):
    with pytest.raises(BadRequestError):
        await Grok.create_async("grok-3", HELLO, cookies={"sso": grok.sso},
                                conversation={"conversation_id": conversation_id})
    assert grok.paths == []


async def test_a_real_conversation_id_still_continues(grok):
    first = await Grok.create_async("grok-3", HELLO, cookies={"sso": grok.sso})
    await Grok.create_async("grok-3", [{"role": "user", "content": "again"}], cookies={"sso": grok.sso},
                            conversation=first.conversation)
    conversation_id = first.conversation.conversation_id
    assert grok.paths == [f"{API}/new", f"{API}/{conversation_id}/responses"]
    assert outside_the_chat_api(grok) == []


async def test_through_the_api_server_the_attack_is_a_400_and_grok_com_never_sees_it(
        grok, serve, isolated_config):
    import openai

    from g4f.api import create_app

    (isolated_config / "cookies").mkdir(parents=True)
    (isolated_config / "cookies" / "grok.json").write_text(
        json.dumps([{"domain": ".grok.com", "name": "sso", "value": grok.sso}]))
    server = await serve(create_app())
    client = openai.AsyncOpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0, timeout=30)
    try:
        with pytest.raises(openai.BadRequestError) as info:
            await client.chat.completions.create(
                model="grok-3", messages=HELLO,
                extra_body={"provider": "Grok", "conversation": {"conversation_id": ATTACK}})
        assert "conversation_id" in info.value.message and grok.sso not in info.value.message
        answer = await client.chat.completions.create(model="grok-3", messages=HELLO, extra_body={"provider": "Grok"})
        assert answer.choices[0].message.content == "You said: Hello Grok."
    finally:
        await client.close()
    assert grok.paths == [f"{API}/new"]  # the attack sent nothing; the honest request went where it should


# -- the rule for every wire provider -------------------------------------------------------------------
class Permissive(WireProvider):
    """A provider whose ids may hold any character: quoting alone must keep them one segment."""

    api_base = "https://api.example/v1"
    id_pattern: ClassVar[re.Pattern[str]] = re.compile(r".{1,200}", re.DOTALL)


@pytest.mark.parametrize("value", [ATTACK, "a b", "x?y=1#z", "..", "%2e"], ids=repr)
def test_endpoint_url_quotes_each_id_as_one_segment(value: Any):
    url = Permissive.endpoint_url("/threads/{thread_id}/messages", thread_id=value)
    segment = url.removeprefix("https://api.example/v1/threads/").removesuffix("/messages")
    assert "/" not in segment and "?" not in segment and "#" not in segment and " " not in segment
    from urllib.parse import unquote

    assert unquote(segment) == value


def test_check_id_is_the_default_rule():
    assert WireProvider.check_id("c0ffee-42_x") == "c0ffee-42_x"
    assert WireProvider.check_id(12345) == "12345"
    for value in (ATTACK, "", "a" * 129, True, None, 1.5):
        with pytest.raises(BadRequestError):
            WireProvider.check_id(value, "thread_id")
