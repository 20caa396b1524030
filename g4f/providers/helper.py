"""Small helpers providers share: turning a message list into a prompt, reading message text."""

from __future__ import annotations

from typing import Any

from ..errors import BadRequestError
from ..typing import Messages

__all__ = ["format_prompt", "get_last_user_message", "message_text", "validate_messages"]


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


def validate_messages(messages: Any, provider: str | None = None) -> Messages:
    """Check that ``messages`` is a non-empty list of ``{"role", "content"}`` dicts."""
    if isinstance(messages, str):
        raise BadRequestError(
            "messages must be a list of {'role': ..., 'content': ...} dicts, not a string", provider=provider
        )
    if not isinstance(messages, list) or not messages:
        raise BadRequestError("messages must be a non-empty list of message dicts", provider=provider)
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or "role" not in message:
            raise BadRequestError(f"messages[{index}] must be a dict with a 'role'", provider=provider)
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
