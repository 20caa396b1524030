"""Check a ``POST /v1/chat/completions`` body before anything is sent upstream.

Every problem is a 400 that names the field and what is wrong with it. The messages themselves
(and ``n``'s "one answer per request") are checked by the call boundary, like every door's. Only known fields are
accepted: an unknown one is refused (as OpenAI does) rather than passed to a provider, so a
client can never reach provider options such as ``base_url``, ``proxy`` or ``cookies`` that
would send the server's credentials elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..providers.helper import ROLES
from ..secrets import register_secret
from .errors import ApiError

__all__ = ["ROLES", "ChatRequest", "parse_chat_request"]


def _bad(param: str, message: str) -> ApiError:
    return ApiError(400, f"{param}: {message}", "invalid_request_error", "invalid_value", param)


def _number(low: float | None = None, high: float | None = None) -> Callable[[str, Any], None]:
    def check(name: str, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _bad(name, f"must be a number, not {type(value).__name__}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise _bad(name, f"must be between {low} and {high}, not {value}")
    return check


def _integer(low: int | None = None) -> Callable[[str, Any], None]:
    def check(name: str, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad(name, f"must be an integer, not {type(value).__name__}")
        if low is not None and value < low:
            raise _bad(name, f"must be at least {low}, not {value}")
    return check


def _of(*types: type) -> Callable[[str, Any], None]:
    kinds = {bool: "a boolean", str: "a string", dict: "an object", list: "an array"}
    names = " or ".join(kinds[t] for t in types)

    def check(name: str, value: Any) -> None:
        if not isinstance(value, types) or (bool not in types and isinstance(value, bool)):
            raise _bad(name, f"must be {names}, not {type(value).__name__}")
    return check


def _stop(name: str, value: Any) -> None:
    if isinstance(value, str):
        return
    if not isinstance(value, list) or not all(isinstance(word, str) for word in value):
        raise _bad(name, "must be a string or an array of strings")


def _tools(name: str, value: Any) -> None:
    if not isinstance(value, list):
        raise _bad(name, "must be an array of tools")
    for index, tool in enumerate(value):
        function = tool.get("function") if isinstance(tool, dict) else None
        name_ok = isinstance(function, dict) and isinstance(function.get("name"), str) and function["name"]
        if not name_ok:
            raise _bad(f"{name}[{index}]", "must be {'type': 'function', 'function': {'name': ..., ...}}")


def _tool_choice(name: str, value: Any) -> None:
    if isinstance(value, str):
        if value not in ("none", "auto", "required"):
            raise _bad(name, "must be 'none', 'auto', 'required' or an object naming a function")
    elif not isinstance(value, dict):
        raise _bad(name, "must be a string or an object")


def _response_format(name: str, value: Any) -> None:
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        raise _bad(name, "must be an object with a 'type' (text, json_object or json_schema)")


#: The longest ``api_key`` a request may send (keys are tokens of tens of characters).
MAX_API_KEY_LENGTH = 512


def _api_key(name: str, value: Any) -> None:
    # A key is a token: refusing anything else keeps what a request adds to the secrets that
    # every later message is masked with small, and free of text such as ordinary words.
    _of(str)(name, value)
    if not 0 < len(value) <= MAX_API_KEY_LENGTH or not value.isprintable() or any(c.isspace() for c in value):
        raise _bad(name, f"must be a key: up to {MAX_API_KEY_LENGTH} printable characters without blanks")
    register_secret(value)


#: The fields a client may send to a provider, each with its check.
PASSED_THROUGH: dict[str, Callable[[str, Any], None]] = {
    "temperature": _number(0, 2),
    "top_p": _number(0, 1),
    "max_tokens": _integer(1),
    "max_completion_tokens": _integer(1),
    "n": _integer(1),  # more than one answer is refused by the call boundary, for every door
    "seed": _integer(),
    "presence_penalty": _number(-2, 2),
    "frequency_penalty": _number(-2, 2),
    "tools": _tools,
    "tool_choice": _tool_choice,
    "parallel_tool_calls": _of(bool),
    "response_format": _response_format,
    "reasoning_effort": _of(str),
    "reasoning_format": _of(str),
    "include_reasoning": _of(bool),
    "user": _of(str),
    "service_tier": _of(str),
    "logit_bias": _of(dict),
    "logprobs": _of(bool),
    "top_logprobs": _integer(0),
    "metadata": _of(dict),
    "store": _of(bool),
    "modalities": _of(list),
    "web_search": _of(bool),
    "api_key": _api_key,
}
#: Fields the server itself reads.
OWN_FIELDS = frozenset({"model", "messages", "stream", "stream_options", "provider", "stop", "conversation"})


@dataclass
class ChatRequest:
    """A validated chat request; ``options`` go to the provider as keyword arguments."""

    messages: list[dict[str, Any]]
    model: str = ""
    stream: bool = False
    provider: str | None = None
    stop: str | list[str] | None = None
    conversation: dict[str, Any] | None = None
    options: dict[str, Any] = field(default_factory=dict)


def parse_chat_request(body: Any) -> ChatRequest:
    """A :class:`ChatRequest` from a decoded JSON body; raises :class:`ApiError` (400)."""
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object", code="invalid_body")
    unknown = [name for name in body if name not in OWN_FIELDS and name not in PASSED_THROUGH]
    if unknown:
        raise ApiError(400, f"unrecognized request argument supplied: {', '.join(sorted(unknown))}",
                       code="unknown_parameter", param=min(unknown))
    model = body.get("model") or ""
    if not isinstance(model, str):
        raise _bad("model", "must be a string")
    provider = body.get("provider")
    if provider is not None and (not isinstance(provider, str) or not provider):
        raise _bad("provider", "must be a provider name")
    stream = body.get("stream", False)
    if stream is not None and not isinstance(stream, bool):
        raise _bad("stream", "must be a boolean")
    if body.get("stream_options") is not None:
        _of(dict)("stream_options", body["stream_options"])
    stop = body.get("stop")
    if stop is not None:
        _stop("stop", stop)
    conversation = body.get("conversation")
    if conversation is not None and not isinstance(conversation, dict):
        raise _bad("conversation", "must be the object returned with a previous answer")
    options: dict[str, Any] = {}
    for name, check in PASSED_THROUGH.items():
        value = body.get(name)
        if value is not None:
            check(name, value)
            options[name] = value
    return ChatRequest(
        # Checked once, where every door's requests are: the call boundary (``prepare``) names
        # the message and field at fault as this module does for the other fields.
        messages=body.get("messages"),  # type: ignore[arg-type]
        model=model,
        stream=bool(stream),
        provider=provider,
        stop=stop,
        conversation=conversation,
        options=options,
    )
