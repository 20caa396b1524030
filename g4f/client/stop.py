"""Cut an answer at the first stop word, also when the word is split across streamed chunks."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["StopCutter", "normalize_stop"]


def normalize_stop(stop: str | Sequence[str] | None) -> list[str]:
    """``stop=`` as OpenAI accepts it (a string or a list of strings) → a list without empty words."""
    if stop is None:
        return []
    if isinstance(stop, str):
        return [stop] if stop else []
    from ..errors import BadRequestError

    words = list(stop)
    if not all(isinstance(word, str) for word in words):
        raise BadRequestError("stop must be a string or a list of strings")
    return [word for word in words if word]


class StopCutter:
    """Feed text deltas; get back the text that is safe to show.

    Text that could be the start of a stop word is held back until the next delta settles it, so
    a stop word split over two chunks is still found. Once a stop word is seen, ``stopped`` is
    True and the text from the stop word on is dropped (as OpenAI does, the stop word itself is
    not part of the answer).
    """

    __slots__ = ("_pending", "stopped", "words")

    def __init__(self, words: Sequence[str]) -> None:
        self.words = [word for word in words if word]
        self.stopped = False
        self._pending = ""

    def feed(self, text: str) -> str:
        if self.stopped:
            return ""
        buffer = self._pending + text if self._pending else text
        cut = -1
        for word in self.words:
            index = buffer.find(word)
            if index >= 0 and (cut < 0 or index < cut):
                cut = index
        if cut >= 0:
            self.stopped = True
            self._pending = ""
            return buffer[:cut]
        hold = 0
        for word in self.words:
            for size in range(min(len(word) - 1, len(buffer)), hold, -1):
                if buffer.endswith(word[:size]):
                    hold = size
                    break
        if hold:
            self._pending = buffer[-hold:]
            return buffer[:-hold]
        self._pending = ""
        return buffer

    def flush(self) -> str:
        """The held-back text, once the stream has ended without completing a stop word."""
        pending, self._pending = self._pending, ""
        return pending
