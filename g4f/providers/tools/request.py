"""What a request asks of tools: the functions offered, ``tool_choice``, ``parallel_tool_calls``.

Read once per request from OpenAI's chat fields (the form every door passes on: the Responses
and Anthropic routes convert theirs to it) and checked: a malformed tool or a ``tool_choice``
naming no offered function is a ``BadRequestError`` naming the field, before anything is sent.
:meth:`ToolRequest.check_call` says whether one parsed call may be made; the loop guard's
setting lives here too (:func:`configure`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from ...errors import BadRequestError
from .schema import schema_error

__all__ = ["DEFAULT_MAX_REPEATS", "Choice", "Tool", "ToolRequest", "configure", "max_repeats"]

#: How many times one call (the same function, the same arguments) may be made in a
#: conversation before the loop guard stops it.
DEFAULT_MAX_REPEATS = 3
_max_repeats = DEFAULT_MAX_REPEATS

#: OpenAI's rule for a function's name.
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_EMPTY_PARAMETERS: Mapping[str, Any] = MappingProxyType({"type": "object", "properties": {}})

Choice = Literal["auto", "none", "required", "function"]


def configure(*, max_repeats: int | None = None) -> None:
    """Set the loop guard: the same call at most ``max_repeats`` times in a conversation
    (``g4f api --tool-call-repeats``)."""
    global _max_repeats
    if max_repeats is not None:
        if isinstance(max_repeats, bool) or not isinstance(max_repeats, int) or max_repeats < 1:
            raise ValueError(f"max_repeats must be a positive integer, not {max_repeats!r}")
        _max_repeats = max_repeats


def max_repeats() -> int:
    """The loop guard's current limit."""
    return _max_repeats


@dataclass(frozen=True)
class Tool:
    """One function the model may call."""

    name: str
    description: str
    parameters: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The tool as the prompt lists it."""
        data: dict[str, Any] = {"name": self.name}
        if self.description:
            data["description"] = self.description
        data["parameters"] = dict(self.parameters)
        return data


def _bad(param: str, message: str, provider: str | None) -> BadRequestError:
    return BadRequestError(f"{param}: {message}", provider=provider, param=param)


def _tool(index: int, item: Any, provider: str | None) -> Tool:
    where = f"tools[{index}]"
    if not isinstance(item, Mapping):
        raise _bad(where, "must be {'type': 'function', 'function': {'name': ..., 'parameters': {...}}}", provider)
    if item.get("type", "function") != "function":
        raise _bad(f"{where}.type", f"only function tools can be called through the prompt, not {item.get('type')!r}",
                   provider)
    function = item.get("function")
    if not isinstance(function, Mapping):
        raise _bad(f"{where}.function", "must be an object with a 'name'", provider)
    name = function.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise _bad(f"{where}.function.name", f"must be 1-64 letters, digits, '_' or '-', not {name!r}", provider)
    description = function.get("description") or ""
    if not isinstance(description, str):
        raise _bad(f"{where}.function.description", "must be a string", provider)
    parameters = function.get("parameters")
    if parameters is None:
        parameters = _EMPTY_PARAMETERS
    elif not isinstance(parameters, Mapping) or parameters.get("type", "object") != "object":
        raise _bad(f"{where}.function.parameters", "must be a JSON Schema of type 'object'", provider)
    return Tool(name, description, parameters)


@dataclass(frozen=True)
class ToolRequest:
    """The tools of one request, checked (see the module docstring)."""

    tools: Mapping[str, Tool]
    choice: Choice = "auto"
    #: The function ``tool_choice`` names (``choice == "function"``).
    forced: str | None = None
    #: False: at most one call per answer (``parallel_tool_calls: false``).
    parallel: bool = True

    @classmethod
    def of(cls, tools: Any, tool_choice: Any = None, parallel_tool_calls: Any = None,
           provider: str | None = None) -> ToolRequest | None:
        """The request's tools, or None when it offers none (``tools`` absent or empty)."""
        if tools is None or tools == []:
            return None
        if not isinstance(tools, list):
            raise _bad("tools", "must be an array of tools", provider)
        found: dict[str, Tool] = {}
        for index, item in enumerate(tools):
            tool = _tool(index, item, provider)
            if tool.name in found:
                raise _bad(f"tools[{index}].function.name", f"{tool.name!r} is offered twice", provider)
            found[tool.name] = tool
        choice, forced = _choice(tool_choice, found, provider)
        if parallel_tool_calls is not None and not isinstance(parallel_tool_calls, bool):
            raise _bad("parallel_tool_calls", "must be a boolean", provider)
        return cls(MappingProxyType(found), choice, forced, parallel_tool_calls is not False)

    def fingerprint(self) -> str:
        """A short digest of the offered functions: a conversation that was offered others is
        not the same conversation (its prompt listed other tools)."""
        listed = json.dumps([tool.to_dict() for tool in self.tools.values()], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(listed.encode()).hexdigest()[:16]

    def check_call(self, name: str, arguments: Any) -> str | None:
        """Why a call may not be made (an unknown or unwanted function, arguments that do not
        match its schema), or None when it may."""
        tool = self.tools.get(name)
        if tool is None:
            return f"{name!r} is not one of the offered tools ({', '.join(self.tools)})"
        if self.choice == "function" and name != self.forced:
            return f"tool_choice asks for {self.forced!r}, not {name!r}"
        if not isinstance(arguments, dict):
            return f"the arguments of {name!r} must be a JSON object, not {type(arguments).__name__}"
        return schema_error(arguments, tool.parameters, f"{name}.arguments")


def _choice(value: Any, tools: Mapping[str, Tool], provider: str | None) -> tuple[Choice, str | None]:
    if value is None or value == "auto":
        return "auto", None
    if value in ("none", "required"):
        return value, None
    name = None
    if isinstance(value, Mapping) and value.get("type", "function") == "function":
        function = value.get("function")
        name = function.get("name") if isinstance(function, Mapping) else value.get("name")
    if not isinstance(name, str):
        raise _bad("tool_choice", "must be 'auto', 'none', 'required' or {'type': 'function', 'function': "
                   "{'name': ...}}", provider)
    if name not in tools:
        raise _bad("tool_choice", f"names {name!r}, which is not one of the tools ({', '.join(tools)})", provider)
    return "function", name
