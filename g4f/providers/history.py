"""Conversations recovered from history: a client that resends the whole chat continues the
provider's own conversation.

Chat front-ends and agent frameworks speak plain OpenAI chat: every request carries the whole
history, and nothing else says which conversation it belongs to. A provider that keeps
conversations upstream (``supports_conversations``: grok.com) would start a new one each turn,
holding the whole history as one prompt. Here, after each answer, the exchange (the messages
sent and the answer as the client will send it back) is remembered under a hash of its
normalized content, with the provider's :class:`~g4f.providers.response.Conversation`; a later
request whose messages begin with that exchange continues the conversation with only what is
new. An edited message or a regenerated answer changes the hash: a new conversation starts.

* **Normalized**: the role (``developer`` as ``system``), the text with whitespace runs as one
  space, a digest of each image, and an assistant's tool calls (function and canonical
  arguments, not their ids); names, ids and other fields do not count.
* **Split**: the prefix is everything up to the last assistant message; what follows (user
  messages, tool results) is the new turn. A request without an assistant message, or whose new
  turn holds something else (a system message), starts a conversation.
* **Scoped**: the hash covers the scope (:func:`scoped`: the API key a server request presented,
  one ``anonymous`` scope for a server without keys, ``local`` for a program's own calls) and
  what else shaped the conversation (the tools offered), so one user never continues another's
  conversation.
* **Bounded**: at most ``max_entries`` entries, each kept ``ttl`` seconds (:func:`configure`;
  ``g4f api --history-entries/--history-ttl``). The default store is this process's memory; the
  API server hands in a :class:`g4f.shared.Store`, which lives in Redis under ``--redis``.

An explicit ``conversation=`` always wins over a recovered one.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

from ..typing import Message, Messages
from .helper import message_text
from .response import Conversation, JsonConversation

__all__ = ["DEFAULT_MAX_ENTRIES", "DEFAULT_TTL", "HistoryStore", "MemoryStore", "Recalled", "clear", "configure",
           "enabled", "forget", "normalize", "prefix_length", "recall", "remember", "scope", "scoped"]

logger = logging.getLogger("g4f")

DEFAULT_MAX_ENTRIES = 10_000
#: Seconds an exchange is remembered (a day).
DEFAULT_TTL = 86_400.0

_scope: ContextVar[str] = ContextVar("g4f_history_scope", default="local")


class HistoryStore(Protocol):
    """Where exchanges are remembered: JSON values under string keys (``g4f.shared.Store`` is one)."""

    async def get(self, key: str) -> Any | None: ...

    async def set(self, key: str, value: Any, ttl: float | None = None) -> None: ...

    async def delete(self, key: str) -> None: ...


class MemoryStore:
    """This process's memory: at most ``max_entries`` values (the oldest goes first), each
    kept ``ttl`` seconds. Safe across threads (the sync API runs calls on private loops)."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES, ttl: float = DEFAULT_TTL,
                 clock: Any = time.monotonic) -> None:
        self.max_entries = max_entries
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    async def get(self, key: str) -> Any | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if found[0] <= self._clock():
                del self._entries[key]
                return None
            return found[1]

    async def set(self, key: str, value: Any, ttl: float | None = None) -> None:
        with self._lock:
            self._entries.pop(key, None)
            self._entries[key] = (self._clock() + (self.ttl if ttl is None else ttl), value)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    async def delete(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)


class _State:
    store: HistoryStore | None = None
    max_entries: int = DEFAULT_MAX_ENTRIES
    ttl: float = DEFAULT_TTL
    generation = 0


def configure(*, max_entries: int | None = None, ttl: float | None = None, store: HistoryStore | None = None) -> None:
    """Set the bounds (``0`` for either turns recovery off) or hand in the store to use.

    A new bound takes effect with a new memory store (what the old one held is forgotten); a
    ``store`` given applies its own bounds.
    """
    for name, value in (("max_entries", max_entries), ("ttl", ttl)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            raise ValueError(f"{name} must be a number of at least 0, not {value!r}")
    if max_entries is not None:
        _State.max_entries = int(max_entries)
    if ttl is not None:
        _State.ttl = float(ttl)
    _State.store = store


def enabled() -> bool:
    """Whether exchanges are remembered and recovered (both bounds above 0)."""
    return _State.max_entries > 0 and _State.ttl > 0


def _store() -> HistoryStore:
    if _State.store is None:
        _State.store = MemoryStore(_State.max_entries, _State.ttl)
    return _State.store


def clear() -> None:
    """Forget every exchange remembered so far (in the store used now, whatever it is: its
    entries are no longer looked up and expire by themselves)."""
    _State.generation += 1
    if isinstance(_State.store, MemoryStore):
        _State.store = None


def scope() -> str:
    """Whose conversations the calls of this context recover."""
    return _scope.get()


@contextmanager
def scoped(name: str) -> Iterator[None]:
    """Calls made inside recover the conversations of ``name`` only."""
    token = _scope.set(name)
    try:
        yield
    finally:
        _scope.reset(token)


# -- normalizing and hashing ---------------------------------------------------------------------
_ROLES = {"developer": "system", "function": "tool"}
_IMAGE_PARTS = ("image_url", "input_image", "image")


def _words(text: str) -> str:
    return " ".join(text.split())


def _arguments(value: Any) -> str:
    import json

    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return _words(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _images(content: Any) -> list[str]:
    found = []
    for part in content if isinstance(content, list) else []:
        if isinstance(part, Mapping) and part.get("type") in _IMAGE_PARTS:
            image = part.get("image_url", part.get("image"))
            url = image.get("url") if isinstance(image, Mapping) else image
            found.append(hashlib.sha256(str(url).encode()).hexdigest()[:16])
    return found


def normalize(messages: Messages) -> list[list[Any]]:
    """What of each message decides whether two histories are the same (module docstring)."""
    normalized = []
    for message in messages:
        role = message.get("role")
        role = _ROLES.get(role, role) if isinstance(role, str) else str(role)
        content = message.get("content")
        item: list[Any] = [role, _words(message_text(content))]
        images = _images(content)
        if images:
            item.append(images)
        calls = message.get("tool_calls") if role == "assistant" else None
        if calls:
            item.append([[str((call.get("function") or {}).get("name")), _arguments((call.get("function") or {}).get(
                "arguments"))] for call in calls if isinstance(call, Mapping)])
        normalized.append(item)
    return normalized


def prefix_length(messages: Messages) -> int | None:
    """How many messages are the earlier exchange (up to the last assistant message), or None
    when the request continues none (no assistant message, nothing new after it, or something
    other than user messages and tool results after it)."""
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].get("role") == "assistant":
            tail = messages[index + 1:]
            if tail and all(m.get("role") in ("user", "tool", "function") for m in tail):
                return index + 1
            return None
    return None


def _key(messages: Messages, salt: str, who: str | None) -> str:
    import json

    body = json.dumps(normalize(messages), ensure_ascii=False, separators=(",", ":"))
    who = _scope.get() if who is None else who
    digest = hashlib.sha256(f"{who}\x00{salt}\x00{body}".encode("utf-8", "surrogatepass")).hexdigest()
    return f"h{_State.generation}:{digest}"


# -- recall and remember -------------------------------------------------------------------------
@dataclass(frozen=True)
class Recalled:
    """A conversation found for a request's history."""

    key: str
    conversation: JsonConversation
    #: How many of the request's messages the conversation already holds.
    known: int


async def recall(provider: str, messages: Messages, salt: str = "", who: str | None = None) -> Recalled | None:
    """The conversation ``provider`` had for the exchange ``messages`` extend, if remembered
    (in the scope ``who``, default: this context's)."""
    if not enabled():
        return None
    known = prefix_length(messages)
    if known is None:
        return None
    key = _key(messages[:known], salt, who)
    found = await _store().get(key)
    if not isinstance(found, Mapping) or found.get("provider") != provider:
        return None
    state = found.get("conversation")
    if not isinstance(state, Mapping):
        return None
    cls = Conversation if "conversation_id" in state else JsonConversation
    return Recalled(key, cls.from_dict(state), known)


async def remember(provider: str, messages: Messages, answer: Message, conversation: JsonConversation,
                   salt: str = "", who: str | None = None) -> None:
    """Remember that ``messages`` followed by ``answer`` is ``conversation`` of ``provider``."""
    if not enabled():
        return
    key = _key([*messages, answer], salt, who)
    try:
        await _store().set(key, {"provider": provider, "conversation": conversation.to_dict()})
    except ValueError as exc:  # a conversation whose state is not JSON: it is not recovered
        logger.debug("%s: the conversation is not remembered: %s", provider, exc)


async def forget(key: str) -> None:
    """Forget one remembered exchange (its conversation is gone upstream)."""
    await _store().delete(key)
