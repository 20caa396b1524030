"""The models an OpenAI-compatible upstream lists at ``GET /models``, cached per base URL.

A list fetched with one key serves every later call to the same base URL for ``ttl`` seconds; a
failed fetch is remembered for ``failure_ttl`` seconds so that a down upstream is not asked on
every call. The fetch uses the shared aiohttp session and never blocks the event loop.
"""

from __future__ import annotations

import difflib
import logging
import time
from collections.abc import Sequence
from typing import Any

from ...errors import G4FError, ResponseError

__all__ = ["ModelListCache", "cached_model_ids", "current_models_hint", "fetch_model_ids", "model_cache"]

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
    from ...requests.limits import read_body
    from ...requests.status import raise_for_status
    from ...requests.transport import map_transport_errors

    session = await get_session()
    async with map_transport_errors(provider), session.get(f"{base_url}/models", headers=headers, proxy=proxy,
                           timeout=make_timeout(timeout, read=timeout)) as response:
        await raise_for_status(response, provider)
        body = await read_body(response, provider=provider)  # capped as it is decoded, like an answer
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


async def current_models_hint(response: Any, provider: str, model: str, preferred: Sequence[str] = (),
                              timeout: float = 10.0, shown: int = 6) -> str:
    """``"models it serves now: a, b, ..."`` for the 404 (or "decommissioned") of ``response``.

    The ids are the cached list of the request's base URL, else ``GET /models`` with the request's
    own ``Authorization`` (a failed fetch is remembered, so a run of errors asks once); ``preferred``
    names (the provider's default and built-in list) come first, then names close to ``model``.
    "" when the upstream lists nothing.
    """
    base, found, _ = str(getattr(response, "url", "")).rpartition("/chat/completions")
    if not found:
        return ""
    request_info = getattr(response, "request_info", None)
    auth = request_info.headers.get("Authorization") if request_info is not None else None
    listed = await cached_model_ids(base, {"Authorization": auth} if auth else {}, provider, timeout=timeout)
    ids = [name for name in listed or () if name != model]
    if not ids:
        return ""
    close = difflib.get_close_matches(model, ids, n=3, cutoff=0.5)
    ordered = list(dict.fromkeys([*(name for name in preferred if name in ids), *close, *ids]))
    more = f", ... ({len(ordered)} in all)" if len(ordered) > shown else ""
    return f"models it serves now: {', '.join(ordered[:shown])}{more}"
