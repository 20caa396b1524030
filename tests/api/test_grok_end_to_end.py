"""openai SDK → g4f API server → the real Grok provider → the grok.com replica: a conversation
that lives on the server side continues across requests through the ``conversation`` field."""

from __future__ import annotations

import json

from ..replicas.grok import GrokReplica, serve_grok

MESSAGES = [{"role": "user", "content": "Hello Grok"}]


async def test_a_grok_conversation_continues_through_the_api(api, serve, monkeypatch, isolated_config):
    replica = await serve_grok(serve, monkeypatch, GrokReplica())
    # The server's own credentials (a request may not carry cookies): a cookie file in its config.
    (isolated_config / "cookies").mkdir(parents=True)
    (isolated_config / "cookies" / "grok.json").write_text(
        json.dumps([{"domain": ".grok.com", "name": "sso", "value": replica.sso}]))
    _, client = await api()

    first = await client.chat.completions.create(
        model="grok-3", messages=MESSAGES, extra_body={"provider": "Grok"})
    assert first.choices[0].message.content == "You said: Hello Grok."
    conversation_id = first.conversation["conversation_id"]
    assert conversation_id in replica.conversations

    second = await client.chat.completions.create(
        model="grok-3",
        messages=[*MESSAGES, {"role": "assistant", "content": "You said: Hello Grok."},
                  {"role": "user", "content": "And now?"}],
        stream=True, extra_body={"provider": "Grok", "conversation": first.conversation})
    text = "".join([chunk.choices[0].delta.content or "" async for chunk in second if chunk.choices])
    # The replica answers from the conversation's own history: only the new message was sent.
    assert text == "You said: And now?. Turn 2; before that you said: Hello Grok."
    assert [r.path.rsplit("/", 2)[-2:] for r in replica.requests][-1] == [conversation_id, "responses"]
    assert replica.requests[-1].payload["message"] == "And now?"
