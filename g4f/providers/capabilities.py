"""What a provider can honour of a request: every field it cannot is refused, never dropped.

A request field that changes the answer (``tools``, ``web_search``, ``response_format``, images
in the messages) and that the provider cannot honour would otherwise vanish somewhere below:
the agent waits for a tool call that never comes, the answer is not the JSON asked for. Providers
declare what they can (:class:`~g4f.providers.types.BaseProvider`), and :func:`refusal` holds a
request to it once, at the call boundary, for every door:

==========================================  =================================================
field                                       honoured when the provider declares
==========================================  =================================================
``tools`` (non-empty)                       ``tool_calling`` ``"native"`` or ``"prompt"``
``web_search: true``                        ``supports_web_search`` (it takes the keyword:
                                            grok.com's search), or the model is one of its
                                            ``search_models`` (they search by themselves:
                                            Groq's ``compound``)
``response_format`` ``json_object`` /       the type is in ``response_formats`` (None: the
``json_schema``                             upstream enforces what it takes)
``image_url`` (and ``input_image``) parts   ``supports_vision``
==========================================  =================================================

The refusal is a ``BadRequestError`` (HTTP 400 from the API server) that names the provider and
the field (``param``). ``web_search: false`` and ``response_format: text`` ask for nothing and are
never refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import BadRequestError
from ..typing import Messages
from .types import provider_name

__all__ = ["IMAGE_PARTS", "image_part", "refusal", "searches"]

#: Content part types that carry an image.
IMAGE_PARTS = frozenset({"image_url", "input_image", "image"})


def _label(provider: Any) -> str:
    get_label = getattr(provider, "get_label", None)
    return str(get_label()) if get_label is not None else provider_name(provider)


def searches(provider: Any, model: str) -> bool:
    """Whether ``provider`` honours ``web_search: true`` for ``model``."""
    if getattr(provider, "supports_web_search", False):
        return True
    models = getattr(provider, "search_models", ())
    if not models:
        return False
    aliases = getattr(provider, "model_aliases", None)
    resolved = aliases.get(model, model) if isinstance(aliases, Mapping) else model
    return model in models or resolved in models


def image_part(messages: Messages) -> str | None:
    """Where the first image of ``messages`` is (``"messages[1].content[0]"``), or None."""
    for index, message in enumerate(messages):
        content = message.get("content")
        if isinstance(content, list):
            for part_index, part in enumerate(content):
                if isinstance(part, Mapping) and part.get("type") in IMAGE_PARTS:
                    return f"messages[{index}].content[{part_index}]"
    return None


def refusal(provider: Any, model: str, messages: Messages, kwargs: Mapping[str, Any]) -> BadRequestError | None:
    """The error for the first field of the request ``provider`` cannot honour, or None."""
    if kwargs.get("tools") and getattr(provider, "tool_calling", "native") is None:
        return BadRequestError(f"{_label(provider)} cannot call tools (tools): send the request without them, or choose "
                               "a provider that calls tools", provider=provider_name(provider), param="tools")
    if kwargs.get("web_search") is True and not searches(provider, model):
        models = getattr(provider, "search_models", ())
        hint = f"; its models that search are {', '.join(models)}" if models else ""
        return BadRequestError(f"{_label(provider)} has no web search for {model or 'this model'} (web_search){hint}: "
                               "send web_search: false, or choose a provider that searches (Grok)",
                               provider=provider_name(provider), param="web_search")
    response_format = kwargs.get("response_format")
    kind = response_format.get("type") if isinstance(response_format, Mapping) else None
    formats = getattr(provider, "response_formats", None)
    if kind not in (None, "text") and formats is not None and kind not in formats:
        return BadRequestError(f"{_label(provider)} cannot enforce response_format {kind!r} (response_format): ask for "
                               "the format in the prompt, or choose a provider that enforces it", provider=provider_name(provider),
                               param="response_format")
    if not getattr(provider, "supports_vision", False):
        where = image_part(messages)
        if where is not None:
            return BadRequestError(f"{_label(provider)} does not accept image input ({where}): send text only, or "
                                   "choose a provider that supports vision", provider=provider_name(provider), param=where)
    return None
