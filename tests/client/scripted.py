"""In-test providers that play a script: text, events, and errors at chosen points.

``scripted("Name", items)`` makes an ``AsyncGeneratorProvider`` that yields ``items`` in order
and raises any exception among them when it is reached; ``items`` may also be a function of
``(model, messages, kwargs)`` returning the list, to answer from the request. Every call is
recorded in ``Provider.calls`` as ``(model, messages, kwargs)``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from g4f.providers.base_provider import AsyncGeneratorProvider
from g4f.providers.registry import register_provider, registry

Script = list[Any] | Callable[[str, list[dict[str, Any]], dict[str, Any]], list[Any]]


def scripted(name: str, items: Script, *, delay: float = 0.0, **attributes: Any) -> type[AsyncGeneratorProvider]:
    calls: list[tuple[str, list[dict[str, Any]], dict[str, Any]]] = []

    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        calls.append((model, messages, dict(kwargs, stream=stream)))
        for item in items(model, messages, kwargs) if callable(items) else items:
            if delay:
                await asyncio.sleep(delay)
            if isinstance(item, BaseException):
                raise item
            yield item

    namespace = {
        "working": True,
        "calls": calls,
        "create_async_generator": classmethod(create_async_generator),
        **attributes,
    }
    return type(name, (AsyncGeneratorProvider,), namespace)


@contextmanager
def registered(*providers: type) -> Iterator[None]:
    """Providers findable by name (``provider="Name"``) for the length of the block only, so
    that auto-selection in other tests never sees them."""
    for provider in providers:
        register_provider(provider)
    try:
        yield
    finally:
        for provider in providers:
            registry.unregister(provider.get_name())


def last_user_text(messages: list[dict[str, Any]]) -> str:
    return next(m["content"] for m in reversed(messages) if m["role"] == "user")
