"""Read the body of a response from either HTTP backend (aiohttp or curl_cffi).

One of the lowest modules of the HTTP layer: :mod:`.status` reads error bodies with it and
:mod:`.streams` reads event streams with it, so neither has to import the other. It imports no
backend (and nothing of g4f): a response is recognised by what it offers.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Any, cast

__all__ = ["iter_bytes"]


def iter_bytes(response: Any) -> AsyncIterable[bytes]:
    """The body of an aiohttp or curl_cffi response (or any async iterable of bytes)."""
    content = getattr(response, "content", None)
    if content is not None and hasattr(content, "iter_any"):  # aiohttp
        body = content.iter_any()
    elif hasattr(response, "aiter_content"):  # curl_cffi
        body = response.aiter_content()
    elif hasattr(response, "iter_bytes"):  # g4f's StreamResponse
        body = response.iter_bytes()
    else:
        body = response
    return cast("AsyncIterable[bytes]", body)

