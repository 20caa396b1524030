"""A per-provider cache of :class:`~g4f.auth.result.AuthResult`, shared across processes.

Logging in (a browser, a cookie store) is slow, so the result is kept in
``<config>/auth/<Provider>.json`` (mode 0600) and reused until the upstream rejects it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import auth_dir, check_private_file, write_private_file
from .result import AuthResult

if TYPE_CHECKING:
    from ..shared.credentials import SharedCredentials

__all__ = ["AuthCache", "shared"]

logger = logging.getLogger("g4f")

#: The shared layer, when the API server shares credentials between instances (``--redis`` and
#: ``G4F_SECRET_KEY``; set by :mod:`g4f.shared`): consulted before the file, told of every change.
shared: SharedCredentials | None = None


class AuthCache:
    """The cached credentials of one provider."""

    def __init__(self, provider_name: str, directory: Path | None = None) -> None:
        self.provider_name = provider_name
        self._directory = directory

    @property
    def path(self) -> Path:
        return (self._directory or auth_dir()) / f"{self.provider_name}.json"

    def exists(self) -> bool:
        return self.path.is_file() or (shared is not None and shared.has(self))

    def load(self) -> AuthResult | None:
        """The cached result, or None when there is none or it cannot be read."""
        if shared is not None and (found := shared.load(self)) is not None:
            return found
        path = self.path
        if not path.is_file():
            return None
        check_private_file(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return AuthResult.from_dict(data)
        except (OSError, ValueError, TypeError) as exc:
            logger.warning("Ignoring unreadable auth cache %s: %s", path, type(exc).__name__)
            return None

    def save(self, auth_result: AuthResult) -> None:
        write_private_file(self.path, json.dumps(auth_result.to_dict()))
        auth_result._dirty = False
        if shared is not None:
            shared.save(self, auth_result)

    def invalidate(self) -> None:
        self.path.unlink(missing_ok=True)
        if shared is not None:
            shared.invalidate(self)

    def __repr__(self) -> str:
        return f"AuthCache({self.provider_name!r})"
