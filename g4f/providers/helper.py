"""Small helpers providers share: turning a message list into a prompt, reading message text."""

from __future__ import annotations

from typing import Any

from ..errors import BadRequestError
from ..typing import Messages

__all__ = ["ROLES", "format_prompt", "get_last_user_message", "message_text", "validate_messages"]


def message_text(content: Any) -> str:
    """The text of a message's ``content`` (a string or OpenAI's list of parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text", "") for part in content if isinstance(part, dict) and part.get("type") == "text"
        )
    return str(content)


#: The roles a message may have (OpenAI's, with ``developer`` and the legacy ``function``).
ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})


def _bad_message(where: str, message: str, provider: str | None) -> BadRequestError:
    return BadRequestError(f"{where}: {message}", provider=provider, param=where)


def validate_messages(messages: Any, provider: str | None = None) -> Messages:
    """Check that ``messages`` is a non-empty list of OpenAI-shaped messages; return it.

    Each message is a dict with a known ``role`` and a ``content`` that is a string or a list
    of parts (dicts with a ``type``); only an assistant message may leave ``content`` out (a
    message holding tool calls). A mistake raises :class:`BadRequestError` naming the message
    and the field (``param``), before anything is sent. This is the one check of messages on
    every path (the call boundary runs it; the API server relies on it).
    """
    if isinstance(messages, str):
        raise BadRequestError(
            "messages must be a list of {'role': ..., 'content': ...} dicts, not a string",
            provider=provider, param="messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequestError("messages must be a non-empty list of message dicts", provider=provider,
                              param="messages")
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise _bad_message(f"messages[{index}]", "must be an object with 'role' and 'content'", provider)
        role = message.get("role")
        if not isinstance(role, str) or role not in ROLES:
            raise _bad_message(f"messages[{index}].role",
                               f"must be one of {', '.join(sorted(ROLES))}, not {role!r}", provider)
        content = message.get("content")
        if isinstance(content, str):
            continue  # the common case: nothing else to check (no per-message string is built)
        where = f"messages[{index}]"
        if isinstance(content, list):
            for part_index, part in enumerate(content):
                if not isinstance(part, dict) or not isinstance(part.get("type"), str):
                    raise _bad_message(f"{where}.content[{part_index}]", "must be an object with a 'type'",
                                       provider)
        elif content is None:
            if role != "assistant":
                raise _bad_message(f"{where}.content", "is required", provider)
        else:
            raise _bad_message(f"{where}.content",
                               f"must be a string or an array of parts, not {type(content).__name__}", provider)
    return messages


def format_prompt(messages: Messages, add_special_tokens: bool = False, do_continue: bool = False) -> str:
    """Flatten a conversation into one prompt for upstreams that take a single message.

    A lone user message is sent as it is; a conversation becomes ``Role: text`` lines ending with
    ``Assistant:`` so the model answers as the assistant.
    """
    if not add_special_tokens and len(messages) == 1 and messages[0].get("role") == "user":
        return message_text(messages[0].get("content"))
    lines = [f"{m['role'].capitalize()}: {message_text(m.get('content'))}" for m in messages]
    if do_continue:
        return "\n".join(lines)
    return "\n".join(lines) + "\nAssistant:"


def get_last_user_message(messages: Messages) -> str:
    """The text of the last user message (what a continued conversation sends)."""
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message.get("content"))
    raise BadRequestError("the conversation has no user message")
