"""Conversations recovered from history in a real Redis: the store the API server hands to
g4f.providers.history under ``--redis`` (a g4f.shared.Store named ``conversations``) is shared by
every worker and instance, bounded, scoped per API key, and never a failure when Redis is gone."""

from __future__ import annotations

from g4f.providers import history
from g4f.providers.health import ProviderHealth
from g4f.providers.response import Conversation
from g4f.shared import Store, use_backend
from g4f.shared.state import SharedState

HELLO = [{"role": "user", "content": "Hello"}]
ANSWER = {"role": "assistant", "content": "Hi there"}


def follow(words: str = "More") -> list[dict[str, str]]:
    return [*HELLO, ANSWER, {"role": "user", "content": words}]


async def test_an_exchange_remembered_by_one_worker_is_continued_by_another(redis_server):
    a, b = (SharedState(redis_server.url, health=ProviderHealth(), install=False, retry_interval=0.2) for _ in "ab")
    await a.start()
    await b.start()
    history.configure(max_entries=2, ttl=30, store=Store("conversations", max_entries=2, ttl=30))
    try:
        use_backend(a.backend)
        with history.scoped("key-alice"):
            await history.remember("Grok", HELLO, ANSWER, Conversation("conv-1"))
        use_backend(b.backend)
        with history.scoped("key-bob"):
            assert await history.recall("Grok", follow()) is None  # another key's
        with history.scoped("key-alice"):
            found = await history.recall("Grok", follow())
        assert found is not None and found.conversation.conversation_id == "conv-1"
        keys = await b.link.client.keys("g4f:kv:conversations:*")
        assert len(keys) == 1
        assert b"Hello" not in keys[0] and b"key-alice" not in keys[0]  # a digest: no text, no key
        assert 29 < await b.link.client.pttl(keys[0]) / 1000 <= 30
        # bounded: the oldest goes first, in Redis too
        with history.scoped("key-alice"):
            for index in range(3):
                await history.remember("Grok", [{"role": "user", "content": f"m{index}"}], ANSWER,
                                       Conversation(f"c{index}"))
        assert await b.link.client.zcard("g4f:kvi:conversations") == 2
        # Redis gone: no failure, nothing recovered (a new conversation starts)
        redis_server.close()
        with history.scoped("key-alice"):
            assert await history.recall("Grok", follow()) is None
            await history.remember("Grok", HELLO, ANSWER, Conversation("conv-2"))
    finally:
        use_backend(None)
        history.configure(max_entries=history.DEFAULT_MAX_ENTRIES, ttl=history.DEFAULT_TTL, store=None)
        await a.close()
        await b.close()
