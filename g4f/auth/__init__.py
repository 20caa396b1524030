"""Credentials: what a login produced (``AuthResult``) and its cache (``AuthCache``).

The browser login is in ``g4f.auth.nodriver``. This layer sits below the providers framework and
imports nothing from it; names load on first use, so ``g4f.auth.result`` costs only itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._lazy import load_lazy

if TYPE_CHECKING:  # what type checkers see; at run time the names load on first use
    from .cache import AuthCache
    from .result import AuthResult

__all__ = ["AuthCache", "AuthResult"]

_WHERE = {"AuthCache": ".cache", "AuthResult": ".result"}


def __getattr__(name: str) -> Any:
    return load_lazy(__name__, _WHERE, name)


def __dir__() -> list[str]:
    return sorted(__all__)
