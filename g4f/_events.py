"""The base of every event a provider yields: :class:`ResponseType`.

It sits below every layer (it imports nothing of g4f) because events are defined in two of
them: the answer's events in :mod:`g4f.providers.response`, and the credentials a login yields
(:class:`~g4f.auth.result.AuthResult`) in the auth layer, which must not import the providers
layer. Users import ``ResponseType`` from ``g4f.providers.response``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ResponseType", "extra_attribute"]


class ResponseType:
    """Base of every event. Prints as "" so streams can be printed as they come."""

    __slots__ = ()

    def __str__(self) -> str:
        return ""

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        """The event's fields as a plain dict (for JSON and comparisons)."""
        return {name: getattr(self, name) for name in _fields(type(self))}

    def get_dict(self) -> dict[str, Any]:
        """The fields that are set, as a JSON-able dict (gpt4free's name):
        ``Reasoning("t", status="s").get_dict() == {"token": "t", "status": "s"}``."""
        return {name: _jsonable(value) for name, value in self.to_dict().items() if value is not None}

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items() if v is not None)
        return f"{type(self).__name__}({fields})"


def _fields(cls: type) -> tuple[str, ...]:
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        for name in getattr(klass, "__slots__", ()):
            if name not in names and not name.startswith("_"):
                names.append(name)
    return tuple(names)


def _jsonable(value: Any) -> Any:
    """``value`` with nested events as their dicts, tuples as lists and other objects as text."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, ResponseType):
        return value.get_dict()
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(item) for item in value]
    return str(value)


def extra_attribute(event: Any, name: str) -> Any:
    """``event.extra[name]``, for the ``__getattr__`` of events that keep extra fields.

    Careful: copy and pickle look up dunder methods on an instance whose slots are not set yet,
    so neither may reach ``self.extra`` then.
    """
    if not name.startswith("__"):
        try:
            return object.__getattribute__(event, "extra")[name]
        except (AttributeError, KeyError):
            pass
    raise AttributeError(f"{type(event).__name__!r} object has no attribute {name!r}")
