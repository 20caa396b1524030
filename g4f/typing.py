"""Type aliases used across g4f's public API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from ._events import ResponseType

__all__ = ["AsyncResult", "Chunk", "Cookies", "CreateResult", "Headers", "Message", "Messages"]

#: One chat message in OpenAI's shape: ``{"role": "user", "content": "Hello"}``.
Message = dict[str, Any]
Messages = list[Message]
Cookies = dict[str, str]
Headers = dict[str, str]
#: An item of a provider's stream: a text delta or an event.
Chunk = Union[str, "ResponseType"]
AsyncResult = AsyncIterator[Chunk]
CreateResult = Iterator[Chunk]
