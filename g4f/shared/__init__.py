"""State shared by every worker and instance of ``g4f api``: in this process, or in Redis.

Without ``--redis`` (and for every library user) everything here is local to the process, as it
always was, and the ``redis`` package is never imported. With ``g4f api --redis URL`` each worker
connects (:class:`~g4f.shared.state.SharedState`) and these are shared through Redis:

* **provider health**: failures, cooldowns and ``Retry-After`` (:mod:`g4f.shared.health_sync`);
* **rate limits** per API key (:class:`~g4f.shared.limits.RateLimiter`, sliding windows);
* **web-provider credentials**, encrypted with ``G4F_SECRET_KEY`` (:mod:`g4f.shared.credentials`);
* **bounded stores with TTLs** (:class:`~g4f.shared.store.Store`), for conversations and responses.

Redis trouble never fails a request: every call is bounded by a timeout, a worker that cannot
reach Redis carries on with local state (one warning), and sharing resumes when it answers again.
"""

from __future__ import annotations

from .backend import Backend, Decision
from .limits import RateLimit, RateLimiter, Refusal
from .local import LocalBackend
from .store import Store, current_backend, use_backend

__all__ = ["Backend", "Decision", "LocalBackend", "RateLimit", "RateLimiter", "Refusal", "Store",
           "current_backend", "use_backend"]
