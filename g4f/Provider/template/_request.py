"""What an OpenAI-compatible upstream receives: the JSON body, the headers, image parts.

The pass-through rule (documented in ``OpenaiTemplate``): every keyword argument a caller gives
goes into the JSON body as it is, so a parameter the upstream adds tomorrow works today, except

* the keywords the template consumes itself (``api_key``, ``base_url``, ``timeout``, ``headers``,
  ``extra_body``, ...: see ``OpenaiTemplate.create_async_generator``);
* values that are ``None``, which mean "not set".

g4f's own keywords (``conversation``, ``return_conversation``, ...) never get here: the call
boundary (:mod:`g4f.providers.call`) passes a provider only what it can take.

``extra_body`` is merged last and wins. An upstream that refuses a property answers 400, which
becomes :class:`~g4f.errors.BadRequestError` quoting the upstream: nothing is dropped silently.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Mapping
from typing import Any

from ...typing import Messages
from ...version import __version__

__all__ = [
    "attach_media",
    "build_headers",
    "build_payload",
    "has_image_input",
]

_USER_AGENT = f"g4f/{__version__}"

_IMAGE_PARTS = ("image_url", "image", "input_image")


def build_payload(
    model: str,
    messages: Messages,
    stream: bool,
    params: Mapping[str, Any],
    extra_body: Mapping[str, Any] | None = None,
    stream_usage: bool = False,
) -> dict[str, Any]:
    """The JSON body of ``POST /chat/completions`` under the pass-through rule above."""
    payload: dict[str, Any] = {"model": model, "messages": messages, "stream": stream}
    for key, value in params.items():
        if value is not None:
            payload[key] = value
    if stream and stream_usage and "stream_options" not in payload:
        payload["stream_options"] = {"include_usage": True}
    if extra_body:
        payload.update(extra_body)
    return payload


def build_headers(
    api_key: str | None,
    stream: bool,
    *extra: Mapping[str, str] | None,
) -> dict[str, str]:
    """Request headers: JSON in, SSE or JSON out, the bearer key when there is one."""
    headers = {
        "Content-Type": "application/json",
        "Accept": "text/event-stream" if stream else "application/json",
        "User-Agent": _USER_AGENT,
    }
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    for more in extra:
        if more:
            headers.update(more)
    return headers


def has_image_input(messages: Messages) -> bool:
    """Whether any message carries an image part (OpenAI's ``image_url`` and its cousins)."""
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and part.get("type") in _IMAGE_PARTS:
                    return True
    return False


def _image_url(item: Any) -> str:
    data, name = item if isinstance(item, (tuple, list)) else (item, None)
    if isinstance(data, str):
        return data  # a URL or a data URI already
    if isinstance(data, (bytes, bytearray)):
        mime = (mimetypes.guess_type(name)[0] if name else None) or "image/png"
        return f"data:{mime};base64,{base64.b64encode(bytes(data)).decode()}"
    raise TypeError(f"media items must be URLs, data URIs or bytes, not {type(data).__name__}")


def attach_media(messages: Messages, media: list[Any]) -> Messages:
    """A copy of ``messages`` whose last user message also carries ``media`` as ``image_url`` parts.

    ``media`` is gpt4free's ``[(data, filename), ...]`` (or bare items); data is a URL, a data
    URI or bytes.
    """
    messages = [dict(m) for m in messages]
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            parts = list(content) if isinstance(content, list) else [{"type": "text", "text": content or ""}]
            parts += [{"type": "image_url", "image_url": {"url": _image_url(item)}} for item in media]
            message["content"] = parts
            return messages
    raise ValueError("media given but the conversation has no user message to attach it to")
