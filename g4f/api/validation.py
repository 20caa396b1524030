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

__all__ = ["PASSED_THROUGH", "ROLES", "SAMPLING", "ChatRequest", "parse_chat_request"]


def _bad(param: str, message: str) -> ApiError:
    return ApiError(400, f"{param}: {message}", "invalid_request_error", "invalid_value", param)


def _number(low: float | None = None, high: float | None = None) -> Callable[[str, Any], None]:
    def check(name: str, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _bad(name, f"must be a number, not {type(value).__name__}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise _bad(name, f"must be between {low} and {high}, not {value}")
    return check


def _integer(low: int | None = None, high: int | None = None) -> Callable[[str, Any], None]:
    def check(name: str, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad(name, f"must be an integer, not {type(value).__name__}")
        if low is not None and value < low:
            raise _bad(name, f"must be at least {low}, not {value}")
        if high is not None and value > high:
            raise _bad(name, f"must be at most {high}, not {value}")
    return check


def _at_least(low: float) -> Callable[[str, Any], None]:
    def check(name: str, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _bad(name, f"must be a number, not {type(value).__name__}")
        if value < low:
            raise _bad(name, f"must be at least {low:g}, not {value}")
    return check


def _integers(name: str, value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise _bad(name, "must be an array of integers (token ids)")


def _strings(name: str, value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad(name, "must be an array of strings")


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

#: Sampling parameters of local and self-hosted servers, passed through as they are (an upstream
#: that does not know one answers 400, which the client sees): those llama.cpp's server documents
#: (its ``/completion`` options, read on ``/v1/chat/completions`` too), vLLM's extra sampling
#: parameters, and the ones Ollama's options share with them (``top_k``, ``min_p``, ``typical_p``,
#: ``repeat_penalty``, ``repeat_last_n``, ``mirostat*``, ``tfs_z``). Only sampling knobs: nothing
#: here names a URL, a file or a credential.
SAMPLING: dict[str, Callable[[str, Any], None]] = {
    # shared by llama.cpp, vLLM and Ollama
    "top_k": _integer(-1),
    "min_p": _number(0, 1),
    "typical_p": _number(0, 1),
    "repetition_penalty": _at_least(0),
    # llama.cpp and Ollama
    "repeat_penalty": _at_least(0),
    "repeat_last_n": _integer(-1),
    "penalize_nl": _of(bool),
    "mirostat": _integer(0, 2),
    "mirostat_tau": _at_least(0),
    "mirostat_eta": _at_least(0),
    "tfs_z": _at_least(0),
    # llama.cpp
    "n_probs": _integer(0),
    "n_predict": _integer(-1),
    "min_keep": _integer(0),
    "dynatemp_range": _at_least(0),
    "dynatemp_exponent": _at_least(0),
    "dry_multiplier": _at_least(0),
    "dry_base": _at_least(0),
    "dry_allowed_length": _integer(0),
    "dry_penalty_last_n": _integer(-1),
    "dry_sequence_breakers": _strings,
    "xtc_probability": _number(0, 1),
    "xtc_threshold": _number(0, 1),
    "ignore_eos": _of(bool),
    "samplers": _strings,
    # vLLM
    "min_tokens": _integer(0),
    "length_penalty": _number(-100, 100),
    "stop_token_ids": _integers,
    "bad_words": _strings,
    "include_stop_str_in_output": _of(bool),
    "skip_special_tokens": _of(bool),
    "spaces_between_special_tokens": _of(bool),
}
PASSED_THROUGH.update(SAMPLING)
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
    #: ``stream_options.include_usage``: OpenAI's usage chunk at the end of the stream (and no
    #: usage anywhere in the stream without it).
    include_usage: bool = False
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
    include_usage = False
    stream_options = body.get("stream_options")
    if stream_options is not None:
        _of(dict)("stream_options", stream_options)
        unknown_options = sorted(set(stream_options) - {"include_usage"})
        if unknown_options:
            raise _bad(f"stream_options.{unknown_options[0]}", "unknown option (known: include_usage)")
        if stream_options.get("include_usage") is not None:
            _of(bool)("stream_options.include_usage", stream_options["include_usage"])
            include_usage = stream_options["include_usage"]
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
        include_usage=include_usage,
        options=options,
    )
