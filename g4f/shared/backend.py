"""The interface of a shared-state backend: a bounded key-value store with TTLs and sliding windows.

Two backends implement it: :class:`~g4f.shared.local.LocalBackend` (this process; the default)
and :class:`~g4f.shared.redis_backend.RedisBackend` (every worker and instance on one Redis,
with the local one as its fallback). Callers use it through :class:`~g4f.shared.store.Store`
and :class:`~g4f.shared.limits.RateLimiter`, which look the current backend up on each call.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

__all__ = ["Backend", "Decision"]


@dataclass(frozen=True)
class Decision:
    """The outcome of a window check: ``remaining`` after it, or how long to wait."""

    allowed: bool
    remaining: int = 0
    retry_after: float = 0.0


class Backend(ABC):
    """Shared state. Values are bytes; every entry has a TTL and every namespace a size bound."""

    #: ``"local"`` or ``"redis"``.
    name: str = ""

    @abstractmethod
    async def get(self, namespace: str, key: str) -> bytes | None:
        """The value stored under ``key``, or None (never stored, expired or evicted)."""

    @abstractmethod
    async def set(self, namespace: str, key: str, value: bytes, ttl: float, max_entries: int) -> None:
        """Store ``value`` for ``ttl`` seconds; past ``max_entries`` the soonest to expire are evicted."""

    @abstractmethod
    async def delete(self, namespace: str, key: str) -> None:
        """Forget ``key`` (nothing happens when it is not there)."""

    @abstractmethod
    async def acquire(self, bucket: str, limit: int, period: float) -> Decision:
        """Count one hit in ``bucket`` if fewer than ``limit`` were counted in the last ``period`` s."""

    @abstractmethod
    async def check_usage(self, bucket: str, limit: int, period: float) -> Decision:
        """Whether the amounts added to ``bucket`` in the last ``period`` s stay under ``limit``."""

    @abstractmethod
    async def add_usage(self, bucket: str, amount: int, period: float) -> None:
        """Add ``amount`` to ``bucket``; it leaves the window after ``period`` seconds."""
