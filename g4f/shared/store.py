"""Bounded key-value stores with TTLs, and the backend they (and the rate limiter) use now.

::

    from g4f.shared import Store

    conversations = Store("conversations", max_entries=10_000, ttl=3600)
    await conversations.set(f"{key_id}:{history_hash}", {"provider": "Grok", "id": "..."})
    state = await conversations.get(f"{key_id}:{history_hash}")   # None when absent or expired

A store is a small object that names a namespace and its bounds; it can be made at import time.
Each call looks the current backend up: this process's memory by default, Redis once the API
server (``g4f api --redis URL``) has connected its worker, so the same store is shared by every
worker and instance. Values are JSON (dicts, lists, strings, numbers) and are copied in and out:
changing a value after ``set`` or after ``get`` changes nothing stored.
"""

from __future__ import annotations

import re
from typing import Any

from ..requests.jsonlib import dumps, loads
from .backend import Backend
from .local import LocalBackend

__all__ = ["DEFAULT_MAX_VALUE_SIZE", "Store", "current_backend", "use_backend"]

#: Largest encoded value a store accepts (bytes).
DEFAULT_MAX_VALUE_SIZE = 1024 * 1024
_MAX_KEY_LENGTH = 512
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")

_local = LocalBackend()
_current: Backend = _local


def current_backend() -> Backend:
    """The backend shared state goes to now (:class:`LocalBackend` unless a server connected Redis)."""
    return _current


def use_backend(backend: Backend | None) -> Backend:
    """Make ``backend`` current (None: this process's local backend again); returns the previous one."""
    global _current
    previous, _current = _current, backend or _local
    return previous


class Store:
    """A namespace of JSON values, at most ``max_entries`` of them, each kept ``ttl`` seconds.

    Past ``max_entries`` the entries closest to their expiry are dropped first (with one TTL for
    the whole store: the oldest), in memory and in Redis alike.
    """

    def __init__(self, name: str, *, max_entries: int = 10_000, ttl: float = 3600.0,
                 max_value_size: int = DEFAULT_MAX_VALUE_SIZE) -> None:
        if not _NAME.match(name):
            raise ValueError(f"a store name is 1-64 lowercase letters, digits, '_', '-' or '.', not {name!r}")
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        if not ttl > 0:
            raise ValueError("ttl must be a positive number of seconds")
        self.name = name
        self.max_entries = max_entries
        self.ttl = float(ttl)
        self.max_value_size = max_value_size

    @staticmethod
    def _check_key(key: str) -> None:
        if not isinstance(key, str) or not key or len(key) > _MAX_KEY_LENGTH:
            raise ValueError(f"a store key is a non-empty string of at most {_MAX_KEY_LENGTH} characters")

    async def get(self, key: str) -> Any | None:
        """The value stored under ``key``, or None."""
        self._check_key(key)
        raw = await current_backend().get(self.name, key)
        return None if raw is None else loads(raw)

    async def set(self, key: str, value: Any, ttl: float | None = None) -> None:
        """Store ``value`` (JSON) under ``key`` for ``ttl`` seconds (default: the store's)."""
        self._check_key(key)
        if value is None:
            raise ValueError("None cannot be stored (get returns None for a missing key); use delete")
        ttl = self.ttl if ttl is None else float(ttl)
        if not ttl > 0:
            raise ValueError("ttl must be a positive number of seconds")
        try:
            raw = dumps(value)
        except TypeError as exc:
            raise ValueError(f"store {self.name!r} takes JSON values: {exc}") from None
        if len(raw) > self.max_value_size:
            raise ValueError(f"a value of {len(raw)} bytes is larger than store {self.name!r}'s limit of "
                             f"{self.max_value_size} bytes")
        await current_backend().set(self.name, key, raw, ttl, self.max_entries)

    async def delete(self, key: str) -> None:
        """Forget ``key``."""
        self._check_key(key)
        await current_backend().delete(self.name, key)

    def __repr__(self) -> str:
        return f"Store({self.name!r}, max_entries={self.max_entries}, ttl={self.ttl:g})"
