"""Tools in the prompt: the fixed format g4f writes for models without function calling (no I/O).

A provider that declares ``tool_calling = "prompt"`` (grok.com's web app) gets the request's
messages rewritten by :func:`render`, so that everything about tools is text the model reads:

* the first system message ends with :func:`instructions`: the functions as JSON Schema inside
  ``<tools>...</tools>`` and how to call them;
* an assistant message that called tools shows its calls as it made them::

      <tool_call>
      {"name": "get_weather", "arguments": {"city": "Paris"}}
      </tool_call>

* a ``tool`` message (a call's result) becomes a user message::

      <tool_result name="get_weather" id="call_0c1d...">
      {"temperature": 18}
      </tool_result>

* consecutive user messages (the results of several calls, then what the user wrote) are joined
  into one, so that a continued conversation, which sends only the last user message, sends all of
  what is new;
* the last user message ends with one line that says what ``tool_choice`` wants now
  (:func:`choice_line`), since it may change from one request to the next.

:mod:`g4f.providers.tools.parse` reads the answer back in the same format (and in the forms
models drift into: fenced JSON, bare JSON in prose).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ...typing import Message, Messages
from ..helper import message_text
from .request import ToolRequest

__all__ = ["CALL_CLOSE", "CALL_OPEN", "choice_line", "has_tool_turns", "instructions", "join_user_messages", "render",
           "render_call", "render_result"]

CALL_OPEN = "<tool_call>"
CALL_CLOSE = "</tool_call>"

_INSTRUCTIONS = """\
# Tools

You can call the functions listed in <tools> below; their arguments are described with JSON Schema.

<tools>
{tools}
</tools>

To call a function, write a <tool_call> block that holds one JSON object with the function's \
"name" and its "arguments":

<tool_call>
{{"name": "function_name", "arguments": {{"argument": "value"}}}}
</tool_call>

{several} Then stop: the results come back in the next message, each in a \
<tool_result name="..." id="..."> block. Call a function only when you need its result; \
otherwise answer in plain text. Write a <tool_call> block only as a call, and never write a \
<tool_result> yourself."""
_SEVERAL = "Write one block per call (several blocks for calls that do not depend on each other)."
_ONE = "Call at most one function per answer."

_CHOICES = {
    "auto": "[tools: call one if you need its result, else answer in plain text]",
    "none": "[tools: do not call any tool now; answer in plain text]",
    "required": "[tools: you must call at least one tool now]",
}


def instructions(request: ToolRequest) -> str:
    """The text that tells the model about the tools (it ends the first system message)."""
    tools = "\n".join(json.dumps(tool.to_dict(), ensure_ascii=False) for tool in request.tools.values())
    return _INSTRUCTIONS.format(tools=tools, several=_SEVERAL if request.parallel else _ONE)


def choice_line(request: ToolRequest) -> str:
    """What ``tool_choice`` asks of this answer, as the last line of the last user message."""
    if request.choice == "function":
        return f"[tools: you must call {request.forced} now]"
    return _CHOICES[request.choice]


def render_call(name: str, arguments: Any) -> str:
    """One call as the model writes it."""
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError:
            pass  # shown as the string it is
    body = json.dumps({"name": name, "arguments": {} if arguments is None else arguments}, ensure_ascii=False)
    return f"{CALL_OPEN}\n{body}\n{CALL_CLOSE}"


def render_result(name: str | None, call_id: str | None, content: str) -> str:
    """One call's result as the model reads it."""
    attributes = "".join(f' {key}="{_attribute(value)}"' for key, value in (("name", name), ("id", call_id)) if value)
    return f"<tool_result{attributes}>\n{content}\n</tool_result>"


def _attribute(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def has_tool_turns(messages: Messages) -> bool:
    """Whether ``messages`` hold tool calls or tool results (which must be rendered as text even
    when the request offers no tools any more)."""
    return any(m.get("role") in ("tool", "function") or (m.get("role") == "assistant" and m.get("tool_calls"))
               for m in messages)


def _parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, list):
        return [part for part in content if isinstance(part, dict)]
    return [{"type": "text", "text": message_text(content)}]


def join_user_messages(first: Message, second: Message) -> Message:
    """One user message holding both (texts joined by a blank line; images kept)."""
    a, b = first.get("content"), second.get("content")
    if not isinstance(a, list) and not isinstance(b, list):
        return {"role": "user", "content": "\n\n".join(filter(None, [message_text(a), message_text(b)]))}
    parts = _parts(a)
    if parts and parts[-1].get("type") == "text":  # keep one text part between the two
        parts[-1] = {"type": "text", "text": f"{parts[-1].get('text', '')}\n\n"}
    return {"role": "user", "content": parts + _parts(b)}


def _with_text(message: Message, text: str, before: bool = False) -> Message:
    content = message.get("content")
    if isinstance(content, list):
        part = {"type": "text", "text": text}
        return {**message, "content": [part, *content] if before else [*content, part]}
    joined = [text, message_text(content)] if before else [message_text(content), text]
    return {**message, "content": "\n\n".join(filter(None, joined))}


def render(messages: Messages, request: ToolRequest | None) -> list[Message]:
    """``messages`` with tools, calls and results as text (see the module docstring)."""
    names: dict[str, str] = {}
    out: list[Message] = []
    for message in messages:
        role = message.get("role")
        if role == "assistant" and message.get("tool_calls"):
            blocks = []
            for call in message["tool_calls"]:
                function = call.get("function") if isinstance(call, Mapping) else None
                if not isinstance(function, Mapping):
                    continue
                name = str(function.get("name") or "")
                if call.get("id"):
                    names[str(call["id"])] = name
                blocks.append(render_call(name, function.get("arguments")))
            text = message_text(message.get("content"))
            rendered: Message = {"role": "assistant", "content": "\n\n".join(filter(None, [text, "\n".join(blocks)]))}
        elif role in ("tool", "function"):
            call_id = message.get("tool_call_id")
            called = names.get(str(call_id)) if call_id else None
            rendered = {"role": "user", "content": render_result(called or message.get("name"), call_id,
                                                                   message_text(message.get("content")))}
        else:
            rendered = message
        if out and rendered.get("role") == "user" and out[-1].get("role") == "user":
            out[-1] = join_user_messages(out[-1], rendered)
        else:
            out.append(rendered)
    if request is None:
        return out
    if out and out[0].get("role") in ("system", "developer"):
        out[0] = _with_text(out[0], instructions(request))
    else:
        out.insert(0, {"role": "system", "content": instructions(request)})
    if out[-1].get("role") == "user":
        out[-1] = _with_text(out[-1], choice_line(request))
    return out
