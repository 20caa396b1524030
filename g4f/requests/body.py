"""Read the body of a response from either HTTP backend (aiohttp or curl_cffi).

One of the lowest modules of the HTTP layer: :mod:`.status` reads error bodies with it and
:mod:`.streams` reads event streams with it, so neither has to import the other. It imports no
backend (and nothing of g4f): a response is recognised by what it offers.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import Any, cast

__all__ = ["SINGLE_CHUNKS", "iter_bytes"]


def iter_bytes(response: Any) -> AsyncIterable[bytes]:
    """The body of an aiohttp or curl_cffi response (or any async iterable of bytes)."""
    content = getattr(response, "content", None)
    if content is not None and hasattr(content, "iter_any"):  # aiohttp
        body = _aiohttp_chunks(content)
    elif hasattr(response, "aiter_content"):  # curl_cffi
        body = response.aiter_content()
    elif hasattr(response, "iter_bytes"):  # g4f's StreamResponse
        body = response.iter_bytes()
    else:
        body = response
    return cast("AsyncIterable[bytes]", body)



#: HTTP chunks of an aiohttp body read one at a time before reading in batches (:func:`_aiohttp_chunks`).
SINGLE_CHUNKS = 2


async def _aiohttp_chunks(content: Any) -> AsyncIterator[bytes]:
    """An aiohttp body: its first HTTP chunks one at a time, then all that was received at each read.

    aiohttp parses an HTTP chunk only once the one before it is taken, and reading "all that was
    received" (``readany``) takes them all, so a stream that arrived whole would be parsed to
    its end before its first event is handed on. An OpenAI-style stream's first event holds
    the role, the second the first token: these two come out as soon as they are in (the time
    to the first token), the rest in batches (fewer steps per chunk: reading every HTTP chunk on
    its own cost about 55% more per chunk of a long stream, a third one alone 2% more per short
    stream, ``bench/callgrind.py``).
    """
    readchunk, singles = content.readchunk, SINGLE_CHUNKS
    while singles:
        data, end_of_chunk = await readchunk()
        if data:
            singles -= 1
            yield data
        elif not end_of_chunk:  # (b"", True) is an HTTP chunk's end, (b"", False) the body's
            return
    readany = content.readany
    while True:
        data = await readany()
        if not data:
            return
        yield data
