"""Credentials: the auth cache (and, in ``g4f.auth.nodriver``, the browser login)."""

from .cache import AuthCache

__all__ = ["AuthCache"]
