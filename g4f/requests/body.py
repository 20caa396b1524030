"""Read the body of a response from either HTTP backend (aiohttp or curl_cffi).

One of the lowest modules of the HTTP layer: :mod:`.status` reads error bodies with it and
:mod:`.streams` reads event streams with it, so neither has to import the other. It imports no
backend (and nothing of g4f): a response is recognised by what it offers.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import Any, cast

__all__ = ["iter_bytes"]


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



async def _aiohttp_chunks(content: Any) -> AsyncIterator[bytes]:
    """An aiohttp body: all that was received at each read.

    Not one HTTP chunk per read: reading every HTTP chunk on its own cost about 55% more per
    chunk of a long stream. Reading the first two alone (``readchunk``: an OpenAI-style stream's
    role and its first token out before the rest of a burst is decoded) took 5% off the time to
    the first token of a stream that arrives at once and put 4% on the whole stream (40,000
    instructions of a 20-chunk stream, ``bench/callgrind.py``); splitting the first read in two
    after its second event instead gave back half of the first and cost 27,000 instructions.
    Neither is here: a stream read whole is not to be slower than before either was added
    (issue 12), and an upstream that generates its tokens sends them apart anyway.
    """
    readany = content.readany
    while True:
        data = await readany()
        if not data:
            return
        yield data
