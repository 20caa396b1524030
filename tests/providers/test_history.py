"""Conversations recovered from history (g4f.providers.history): what makes two histories the
same, where the earlier exchange ends, whose conversations a call recovers, and the bounds."""

from __future__ import annotations

import pytest

from g4f.providers import history
from g4f.providers.response import Conversation

HELLO = [{"role": "user", "content": "Hello"}]
ANSWER = {"role": "assistant", "content": "Hi there"}


@pytest.fixture(autouse=True)
def defaults():
    yield
    history.configure(max_entries=history.DEFAULT_MAX_ENTRIES, ttl=history.DEFAULT_TTL, store=None)


def conversation(name: str = "c-1") -> Conversation:
    return Conversation(name)


async def test_a_remembered_exchange_is_recovered_by_the_history_that_extends_it():
    await history.remember("Grok", HELLO, ANSWER, conversation())
    found = await history.recall("Grok", [*HELLO, ANSWER, {"role": "user", "content": "More"}])
    assert found is not None
    assert found.conversation.conversation_id == "c-1" and found.known == 2
    # another provider, or a history that does not extend it, finds nothing
    assert await history.recall("Groq", [*HELLO, ANSWER, {"role": "user", "content": "More"}]) is None
    assert await history.recall("Grok", [*HELLO, {"role": "assistant", "content": "Hi"},
                                         {"role": "user", "content": "More"}]) is None
    await history.forget(found.key)
    assert await history.recall("Grok", [*HELLO, ANSWER, {"role": "user", "content": "More"}]) is None


@pytest.mark.parametrize(("same", "other"), [
    # whitespace runs, and developer for system, do not change a message
    ([{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "Hello  there\n"}],
     [{"role": "system", "content": " Be brief. "}, {"role": "user", "content": "Hello there"}]),
    # text parts are the text; names and extra fields do not count
    ([{"role": "user", "content": [{"type": "text", "text": "Hello"}], "name": "ada"}],
     [{"role": "user", "content": "Hello"}]),
    # a tool call is its function and arguments, however they are spaced, whatever its id
    ([{"role": "user", "content": "Go"}, {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1, "b": 2}'}}]}],
     [{"role": "user", "content": "Go"}, {"role": "assistant", "content": "", "tool_calls": [
         {"id": "call_2", "type": "function", "function": {"name": "f", "arguments": {"b": 2, "a": 1}}}]}]),
])
def test_what_does_not_change_a_history(same, other):
    assert history.normalize(same) == history.normalize(other)


@pytest.mark.parametrize(("one", "another"), [
    ([{"role": "user", "content": "Hello"}], [{"role": "user", "content": "Hello!"}]),
    ([{"role": "user", "content": "Hello"}], [{"role": "system", "content": "Hello"}]),
    ([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}}]}],
     [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AB=="}}]}]),
    ([{"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "f", "arguments": '{"a": 1}'}}]}],
     [{"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "f", "arguments": '{"a": 2}'}}]}]),
])
def test_what_changes_a_history(one, another):
    assert history.normalize(one) != history.normalize(another)


@pytest.mark.parametrize(("messages", "known"), [
    (HELLO, None),  # nothing to continue
    ([*HELLO, ANSWER], None),  # nothing new after the answer
    ([*HELLO, ANSWER, {"role": "user", "content": "More"}], 2),
    ([*HELLO, ANSWER, {"role": "tool", "content": "42"}, {"role": "user", "content": "And?"}], 2),
    ([*HELLO, ANSWER, {"role": "system", "content": "New rules"}, {"role": "user", "content": "More"}], None),
])
def test_where_the_earlier_exchange_ends(messages, known):
    assert history.prefix_length(messages) == known


async def test_one_scope_never_recovers_the_conversation_of_another():
    with history.scoped("key-alice"):
        await history.remember("Grok", HELLO, ANSWER, conversation("alice's"))
    follow = [*HELLO, ANSWER, {"role": "user", "content": "More"}]
    with history.scoped("key-bob"):
        assert await history.recall("Grok", follow) is None
    assert await history.recall("Grok", follow) is None  # a program's own calls: scope "local"
    with history.scoped("key-alice"):
        found = await history.recall("Grok", follow)
    assert found is not None and found.conversation.conversation_id == "alice's"
    # what else shaped the conversation (the tools offered) is part of it too
    with history.scoped("key-alice"):
        assert await history.recall("Grok", follow, salt="other tools") is None


async def test_the_store_is_bounded_by_entries_and_age():
    now = [0.0]
    store = history.MemoryStore(max_entries=2, ttl=10, clock=lambda: now[0])
    history.configure(store=store)
    for index in range(3):
        await history.remember("Grok", [{"role": "user", "content": f"m{index}"}], ANSWER, conversation(f"c{index}"))
    assert len(store) == 2

    async def recalled(index: int) -> str | None:
        found = await history.recall("Grok", [{"role": "user", "content": f"m{index}"}, ANSWER,
                                              {"role": "user", "content": "next"}])
        return None if found is None else found.conversation.conversation_id

    assert [await recalled(i) for i in range(3)] == [None, "c1", "c2"]  # the oldest went first
    now[0] = 10.5
    assert await recalled(2) is None  # older than its ttl
    assert len(store) == 1


async def test_bounds_are_configured_and_zero_turns_recovery_off():
    history.configure(max_entries=0)
    assert not history.enabled()
    await history.remember("Grok", HELLO, ANSWER, conversation())
    assert await history.recall("Grok", [*HELLO, ANSWER, {"role": "user", "content": "More"}]) is None
    history.configure(max_entries=5, ttl=0)
    assert not history.enabled()
    history.configure(max_entries=5, ttl=60)
    assert history.enabled()
    for bad in (-1, True, "10"):
        with pytest.raises(ValueError, match="max_entries must be a number of at least 0"):
            history.configure(max_entries=bad)
