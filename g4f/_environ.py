"""Environment variables read on a hot path (every request).

``os.environ.get`` of a variable that is not set raises a ``KeyError`` inside and catches it: about
8,000 instructions, paid on every request by a setting that is usually absent (the body cap,
a provider's base-URL variable). :func:`getenv` asks the dict under ``os.environ`` instead, with
the same result; changes made through ``os.environ`` (``monkeypatch.setenv`` included) are seen at
once, as with ``os.environ.get``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

__all__ = ["getenv"]

_data: Mapping[Any, Any] | None = getattr(os.environ, "_data", None)
_keys: dict[str, Any] = {}  # a name as os.environ stores it (bytes on POSIX, upper case on Windows)


def getenv(name: str) -> str | None:
    """``os.environ.get(name)``, without an exception when ``name`` is not set."""
    if _data is None:  # pragma: no cover - CPython's os.environ always has it
        return os.environ.get(name)
    key = _keys.get(name)
    if key is None:
        key = _keys[name] = os.environ.encodekey(name)
    raw = _data.get(key)
    return None if raw is None else str(os.environ.decodevalue(raw))
