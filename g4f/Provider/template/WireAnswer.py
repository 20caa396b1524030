"""``WireAnswer``: the I/O-free reader of one answer of a :class:`WireProvider`."""

from __future__ import annotations

from typing import Any

__all__ = ["WireAnswer"]


class WireAnswer:
    """Turns an upstream's decoded events into g4f's, one at a time, without I/O.

    ``feed(data)`` takes one decoded event (a JSON value: an NDJSON line, an SSE ``data:``) and
    returns the text deltas (``str``) and events it stands for. Set ``complete`` when the event
    that ends an answer arrives, and ``conversation_id`` when the upstream names the conversation.
    Raise ``ResponseError`` for an event that reports a failure.
    """

    def __init__(self, provider: str = "", model: str = "", conversation_id: str | None = None) -> None:
        self.provider = provider
        self.model = model
        self.conversation_id = conversation_id
        #: True once the answer's final event has arrived.
        self.complete = False

    def feed(self, data: Any) -> list[Any]:
        raise NotImplementedError
