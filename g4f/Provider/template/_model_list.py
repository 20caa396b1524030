"""The models an OpenAI-compatible upstream lists at ``GET /models``, cached per base URL.

A list fetched with one key serves every later call to the same base URL for ``ttl`` seconds; a
failed fetch is remembered for ``failure_ttl`` seconds so that a down upstream is not asked on
every call. The fetch uses the shared aiohttp session and never blocks the event loop.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from ...errors import G4FError, ResponseError

__all__ = ["ModelListCache", "cached_model_ids", "fetch_model_ids", "model_cache"]

logger = logging.getLogger("g4f")


class ModelListCache:
    """Model ids by base URL, with the time they were fetched."""

    def __init__(self, ttl: float = 3600.0, failure_ttl: float = 60.0) -> None:
        self.ttl = ttl
        self.failure_ttl = failure_ttl
        self._entries: dict[str, tuple[float, list[str] | None]] = {}

    def get(self, base_url: str) -> list[str] | None:
        """The cached ids, or None when there are none (or they are stale, or the fetch failed)."""
        entry = self._entries.get(base_url)
        if entry is None or entry[1] is None or time.monotonic() - entry[0] > self.ttl:
            return None
        return list(entry[1])

    def failed_recently(self, base_url: str) -> bool:
        entry = self._entries.get(base_url)
        return entry is not None and entry[1] is None and time.monotonic() - entry[0] <= self.failure_ttl

    def put(self, base_url: str, ids: list[str] | None) -> None:
        self._entries[base_url] = (time.monotonic(), None if ids is None else list(ids))

    def clear(self) -> None:
        self._entries.clear()


#: The cache every template provider shares (keys are base URLs, so providers never collide).
model_cache = ModelListCache()


def _ids(data: Any, provider: str) -> list[str]:
    items = data.get("data", data.get("models")) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ResponseError("the model list is not a list", provider=provider)
    ids = [item.get("id") or item.get("name") if isinstance(item, dict) else item for item in items]
    return [str(i) for i in ids if i]


async def fetch_model_ids(
    base_url: str, headers: dict[str, str], provider: str, proxy: str | None = None, timeout: float = 10.0
) -> list[str]:
    """``GET {base_url}/models``; raises a g4f error on failure."""
    from ...requests.aiohttp_session import get_session, make_timeout
    from ...requests.jsonlib import loads
    from ...requests.status import raise_for_status
    from ...requests.transport import map_transport_errors

    session = await get_session()
    async with map_transport_errors(provider), session.get(f"{base_url}/models", headers=headers, proxy=proxy,
                           timeout=make_timeout(timeout, read=timeout)) as response:
        await raise_for_status(response, provider)
        body = await response.read()
    try:
        return _ids(loads(body), provider)
    except ValueError:
        raise ResponseError("the model list is not JSON", provider=provider) from None


async def cached_model_ids(
    base_url: str, headers: dict[str, str], provider: str, *, refresh: bool = False, **kwargs: Any
) -> list[str] | None:
    """The ids for ``base_url``: cached, else fetched; None when the fetch fails (logged)."""
    if not refresh:
        cached = model_cache.get(base_url)
        if cached is not None or model_cache.failed_recently(base_url):
            return cached
    try:
        ids = await fetch_model_ids(base_url, headers, provider, **kwargs)
    except G4FError as error:
        logger.info("%s: could not list models (%s); using the built-in list", provider, error)
        model_cache.put(base_url, None)
        return None
    model_cache.put(base_url, ids)
    return ids
