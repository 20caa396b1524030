"""The local backend: shared state kept in this process, as g4f keeps it without ``--redis``.

Every worker of ``g4f api --workers N`` has its own; the Redis backend also writes through to
one, so that it can carry on alone while Redis is unreachable. A lock guards each update (the
sync API runs calls on several threads); nothing awaits while holding it.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections import deque
from collections.abc import Callable

from .backend import Backend, Decision

__all__ = ["LocalBackend"]


class LocalBackend(Backend):
    """Shared state of this process alone; ``clock`` is injectable so tests move time."""

    name = "local"

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, dict[str, tuple[float, int, bytes]]] = {}
        self._expiries: dict[str, list[tuple[float, int, str]]] = {}
        self._sequence = 0
        self._hits: dict[str, deque[float]] = {}
        self._usage: dict[str, deque[tuple[float, int]]] = {}

    # -- key-value ---------------------------------------------------------------------------
    # Per namespace: key -> (expires, sequence, value), and a heap of (expires, sequence, key) to
    # find the entry closest to its end (stale heap items, whose sequence no longer matches, are
    # skipped). Past the bound, or when expired, that entry goes first, as in Redis.
    def get_now(self, namespace: str, key: str) -> bytes | None:
        with self._lock:
            entries = self._entries.get(namespace)
            found = entries.get(key) if entries else None
            if found is None:
                return None
            if found[0] <= self.clock():
                del entries[key]  # type: ignore[union-attr]
                return None
            return found[2]

    def set_now(self, namespace: str, key: str, value: bytes, ttl: float, max_entries: int) -> None:
        now = self.clock()
        with self._lock:
            entries = self._entries.setdefault(namespace, {})
            heap = self._expiries.setdefault(namespace, [])
            self._sequence += 1
            entries[key] = (now + ttl, self._sequence, value)
            heapq.heappush(heap, (now + ttl, self._sequence, key))
            while heap and (len(entries) > max_entries or heap[0][0] <= now):
                _, sequence, oldest = heapq.heappop(heap)
                if oldest in entries and entries[oldest][1] == sequence:
                    del entries[oldest]
            if len(heap) > 2 * len(entries) + 64:  # overwritten keys left stale items behind
                heap[:] = [(expires, sequence, name) for name, (expires, sequence, _) in entries.items()]
                heapq.heapify(heap)

    def delete_now(self, namespace: str, key: str) -> None:
        with self._lock:
            entries = self._entries.get(namespace)
            if entries is not None:
                entries.pop(key, None)

    async def get(self, namespace: str, key: str) -> bytes | None:
        return self.get_now(namespace, key)

    async def set(self, namespace: str, key: str, value: bytes, ttl: float, max_entries: int) -> None:
        self.set_now(namespace, key, value, ttl, max_entries)

    async def delete(self, namespace: str, key: str) -> None:
        self.delete_now(namespace, key)

    # -- sliding windows ---------------------------------------------------------------------
    def acquire_now(self, bucket: str, limit: int, period: float, force: bool = False) -> Decision:
        """``force``: count the hit whatever the window holds (another backend already decided)."""
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(bucket, deque())
            while hits and hits[0] <= now - period:
                hits.popleft()
            if len(hits) < limit or force:
                hits.append(now)
                while len(hits) > limit:  # a forced hit never grows the window past its limit
                    hits.popleft()
                return Decision(True, max(0, limit - len(hits)))
            return Decision(False, 0, hits[0] + period - now)

    def check_usage_now(self, bucket: str, limit: int, period: float) -> Decision:
        now = self.clock()
        with self._lock:
            usage = self._usage.get(bucket)
            if not usage:
                return Decision(True, limit)
            while usage and usage[0][0] <= now - period:
                usage.popleft()
            total = sum(amount for _, amount in usage)
            if total < limit:
                return Decision(True, limit - total)
            # Wait until enough of the oldest amounts leave the window to bring it under the limit.
            for at, amount in usage:
                total -= amount
                if total < limit:
                    return Decision(False, 0, at + period - now)
            return Decision(False, 0, period)  # pragma: no cover - the loop always ends under the limit

    def add_usage_now(self, bucket: str, amount: int, period: float) -> None:
        now = self.clock()
        with self._lock:
            usage = self._usage.setdefault(bucket, deque())
            while usage and usage[0][0] <= now - period:
                usage.popleft()
            usage.append((now, amount))

    async def acquire(self, bucket: str, limit: int, period: float) -> Decision:
        return self.acquire_now(bucket, limit, period)

    async def check_usage(self, bucket: str, limit: int, period: float) -> Decision:
        return self.check_usage_now(bucket, limit, period)

    async def add_usage(self, bucket: str, amount: int, period: float) -> None:
        self.add_usage_now(bucket, amount, period)

    def __repr__(self) -> str:
        return "LocalBackend()"
