"""Checks of request fields for the Responses, Messages and images routes: a 400 naming the field.

Each route lists the fields it knows (``Fields``): an unknown field is refused, as OpenAI and
Anthropic refuse them, rather than passed to a provider (where ``base_url`` or ``proxy`` would
send the server's credentials elsewhere).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .errors import ApiError

__all__ = ["Check", "any_value", "array", "boolean", "checked", "integer", "number", "obj", "string",
           "string_or_array"]

#: A check of one field: raises ApiError (400), else returns the value to use.
Check = Callable[[str, Any], Any]


def bad(param: str, message: str) -> ApiError:
    return ApiError(400, f"{param}: {message}", "invalid_request_error", "invalid_value", param)


def number(low: float, high: float) -> Check:
    def check(name: str, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad(name, f"must be a number, not {type(value).__name__}")
        if not low <= value <= high:
            raise bad(name, f"must be between {low:g} and {high:g}, not {value}")
        return value
    return check


def integer(low: int = 0) -> Check:
    def check(name: str, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad(name, f"must be an integer, not {type(value).__name__}")
        if value < low:
            raise bad(name, f"must be at least {low}, not {value}")
        return value
    return check


def _kind(kind: type, label: str) -> Check:
    def check(name: str, value: Any) -> Any:
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise bad(name, f"must be {label}, not {type(value).__name__}")
        return value
    return check


boolean = _kind(bool, "a boolean")
string = _kind(str, "a string")
obj = _kind(dict, "an object")
array = _kind(list, "an array")


def string_or_array(name: str, value: Any) -> Any:
    if not isinstance(value, (str, list)):
        raise bad(name, f"must be a string or an array, not {type(value).__name__}")
    return value


def any_value(name: str, value: Any) -> Any:
    return value


def checked(body: Any, fields: Mapping[str, Check]) -> dict[str, Any]:
    """The fields of ``body`` that are set (not null), each checked; unknown fields refused."""
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object", code="invalid_body")
    unknown = sorted(name for name in body if name not in fields)
    if unknown:
        raise ApiError(400, f"unrecognized request argument supplied: {', '.join(unknown)}",
                       code="unknown_parameter", param=unknown[0])
    return {name: fields[name](name, value) for name, value in body.items() if value is not None}
