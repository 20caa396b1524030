"""JSON for the hot path: orjson when it is installed (several times faster), json otherwise."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["BACKEND", "JSONDecodeError", "dumps", "loads"]

JSONDecodeError = ValueError  # both backends raise subclasses of ValueError

loads: Callable[[bytes | str], Any]
dumps: Callable[[Any], bytes]

try:
    import orjson

    loads = orjson.loads

    def dumps(obj: Any) -> bytes:
        return orjson.dumps(obj)

    BACKEND = "orjson"
except ImportError:  # pragma: no cover - exercised when orjson is absent

    def loads(data: bytes | str) -> Any:
        try:
            return json.loads(data)
        except RecursionError:  # deeply nested input: malformed data like any other, as with orjson
            raise ValueError("JSON nested too deeply") from None

    def dumps(obj: Any) -> bytes:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()

    BACKEND = "json"
