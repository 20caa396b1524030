"""A per-provider cache of :class:`~g4f.auth.result.AuthResult`, shared across processes.

Logging in (a browser, a cookie store) is slow, so the result is kept in
``<config>/auth/<Provider>.json`` (mode 0600) and reused until the upstream rejects it. The file
is written and removed as :mod:`g4f.config` does for every credential file (atomically, under a
lock, never through a symlink). A file that cannot be read as credentials (broken, of the wrong
shape, a symlink) is discarded with one warning, so the next run logs in again rather than
failing the same way every time.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import UnusableFile, auth_dir, read_private_file, remove_private_file, write_private_file
from .result import AuthResult

if TYPE_CHECKING:
    from ..shared.credentials import SharedCredentials

__all__ = ["AuthCache", "shared"]

logger = logging.getLogger("g4f")

#: The shared layer, when the API server shares credentials between instances (``--redis`` and
#: ``G4F_SECRET_KEY``; set by :mod:`g4f.shared`): consulted before the file, told of every change.
shared: SharedCredentials | None = None

#: Names a cached result may not use for its extra values (``AuthResult``'s own arguments).
_RESERVED = frozenset({"self", "cookies", "headers", "api_key", "extra"})
_SCALARS = (str, int, float, bool, type(None))


class AuthCache:
    """The cached credentials of one provider."""

    def __init__(self, provider_name: str, directory: Path | None = None) -> None:
        self.provider_name = provider_name
        self._directory = directory

    @property
    def path(self) -> Path:
        return (self._directory or auth_dir()) / f"{self.provider_name}.json"

    def exists(self) -> bool:
        """Whether there are cached credentials (a regular file: a symlink there does not count)."""
        path = self.path
        return (path.is_file() and not path.is_symlink()) or (shared is not None and shared.has(self))

    def load(self) -> AuthResult | None:
        """The cached result, or None when there is none or it cannot be used (then discarded)."""
        if shared is not None and (found := shared.load(self)) is not None:
            return found
        path = self.path
        try:
            read = read_private_file(path)
        except UnusableFile as exc:
            self._discard(exc.identity, exc.reason, symlink=path.is_symlink())
            return None
        except OSError as exc:  # the folder cannot be read (permissions): nothing to discard
            logger.warning("Cannot read the auth cache %s: %s", path, exc.strerror or type(exc).__name__)
            return None
        if read is None:
            return None
        try:
            return _auth_result(json.loads(read.text))
        except _Shape as exc:
            self._discard(read.identity, str(exc))
        except (ValueError, TypeError, RecursionError) as exc:
            self._discard(read.identity, f"not JSON ({type(exc).__name__})")
        return None

    def save(self, auth_result: AuthResult) -> None:
        """Keep ``auth_result``; a cache that cannot be written is logged, never raised: the
        credentials work for this run and the next run logs in again."""
        try:
            write_private_file(self.path, json.dumps(auth_result.to_dict()))
        except (OSError, TypeError, ValueError) as exc:
            logger.warning("Could not cache the credentials of %s in %s: %s", self.provider_name, self.path,
                           getattr(exc, "strerror", None) or type(exc).__name__)
        else:
            auth_result._dirty = False
        if shared is not None:
            shared.save(self, auth_result)

    def invalidate(self) -> None:
        """Forget the credentials (logout): the file, and any temporary file a killed writer left."""
        remove_private_file(self.path)
        if shared is not None:
            shared.invalidate(self)

    def _discard(self, identity: tuple[int, int] | None, reason: str, symlink: bool = False) -> None:
        logger.warning("Discarded the auth cache %s: %s; the next login replaces it", self.path, reason)
        if identity is not None or symlink:  # only the very file read, or the link (never its target)
            remove_private_file(self.path, identity)

    def __repr__(self) -> str:
        return f"AuthCache({self.provider_name!r})"


class _Shape(ValueError):
    """A cached file that parses but is not an AuthResult."""


def _strings(data: Mapping[str, Any], name: str) -> dict[str, str]:
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise _Shape(f"{name} is not a mapping of strings")
    return value


def _auth_result(data: Any) -> AuthResult:
    """An AuthResult from what ``to_dict`` wrote, or ``_Shape`` for anything else."""
    if not isinstance(data, dict):
        raise _Shape(f"not an object but {type(data).__name__}")
    api_key = data.get("api_key")
    if api_key is not None and not isinstance(api_key, str):
        raise _Shape("api_key is not a string")
    extra = {k: v for k, v in data.items() if k not in ("cookies", "headers", "api_key")}
    for name, value in extra.items():
        if not name.isidentifier() or name in _RESERVED or name.startswith("_"):
            raise _Shape(f"{name!r} is not a name a cached value may have")
        if not isinstance(value, (*_SCALARS, list, dict)):
            raise _Shape(f"{name} is not a JSON value")
    return AuthResult(cookies=_strings(data, "cookies"), headers=_strings(data, "headers"), api_key=api_key,
                      **extra)
