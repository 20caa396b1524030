"""g4f: many LLM providers behind one async interface.

>>> import g4f
>>> g4f.ChatCompletion.create("openai/gpt-oss-120b", [{"role": "user", "content": "Hello"}])

Importing g4f is cheap: no provider, HTTP library or browser library is imported until used.
The subpackages and gpt4free's top-level names are attributes loaded on first access
(``g4f.models``, ``g4f.Provider``, ``g4f.client``, ``g4f.debug``, ``g4f.get_cookies``, ...).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Literal, overload

from .version import __version__

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    # The lazy attributes (``_WHERE`` below), for type checkers: re-exported names.
    from . import Provider as Provider
    from . import client as client
    from . import cookies as cookies
    from . import debug as debug
    from . import models as models
    from . import providers as providers
    from . import requests as requests
    from . import typing as typing
    from .client import AsyncClient as AsyncClient
    from .client import Client as Client
    from .client.service import get_model_and_provider as get_model_and_provider
    from .cookies import get_cookies as get_cookies
    from .models import Model as Model
    from .providers.response import CompletionText
    from .providers.types import ProviderType as ProviderType
    from .typing import AsyncResult as AsyncResult
    from .typing import CreateResult as CreateResult
    from .typing import Messages as Messages

__all__ = ["ChatCompletion", "__version__", "aclose", "get_cookies"]

#: What ``g4f.<name>`` loads on first access (g4f's one lazy loader, ``g4f._lazy``): the
#: subpackages, and the top-level names gpt4free scripts use. ``import g4f`` imports none of them.
_WHERE = {
    "Provider": ".Provider",
    "client": ".client",
    "config": ".config",
    "cookies": ".cookies",
    "debug": ".debug",
    "errors": ".errors",
    "models": ".models",
    "providers": ".providers",
    "requests": ".requests",
    "typing": ".typing",
    "version": ".version",
    "get_cookies": ".cookies",
    "Model": ".models",
    "Client": ".client",
    "AsyncClient": ".client",
    "get_model_and_provider": ".client.service",
    "ProviderType": ".providers.types",
    "Messages": ".typing",
    "AsyncResult": ".typing",
    "CreateResult": ".typing",
}


def __getattr__(name: str) -> Any:
    from ._lazy import load_lazy

    return load_lazy(__name__, _WHERE, name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


def _install_log_filter() -> None:
    from .secrets import RedactingFilter

    logger = logging.getLogger("g4f")
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())


_install_log_filter()


class ChatCompletion:
    """The unified interface: one call for every provider, sync or async, streamed or not."""

    # The overloads let type checkers see a str for ``stream=False`` and an iterator for ``True``.
    @overload
    @staticmethod
    def create(model: Any, messages: list[dict[str, Any]], provider: Any = None, stream: Literal[False] = False,
               ignore_working: bool = False, **kwargs: Any) -> CompletionText: ...

    @overload
    @staticmethod
    def create(model: Any, messages: list[dict[str, Any]], provider: Any = None, *, stream: Literal[True],
               ignore_working: bool = False, **kwargs: Any) -> Iterator[Any]: ...

    @overload
    @staticmethod
    def create(model: Any, messages: list[dict[str, Any]], provider: Any = None, stream: bool = False,
               ignore_working: bool = False, **kwargs: Any) -> CompletionText | Iterator[Any]: ...

    @staticmethod
    def create(
        model: Any,
        messages: list[dict[str, Any]],
        provider: Any = None,
        stream: bool = False,
        ignore_working: bool = False,
        **kwargs: Any,
    ) -> CompletionText | Iterator[Any]:
        """The answer as a string, or (``stream=True``) an iterator of text deltas and events.

        Runs on a private event loop in the calling thread; inside a running loop it raises
        ``NestAsyncioError`` (use ``create_async`` there).
        """
        from .providers.asyncio import run_sync, to_sync_iter
        from .providers.base_provider import collect_text
        from .providers.call import prepare

        call = prepare(model, messages, provider, stream=stream, ignore_working=ignore_working, **kwargs)
        if stream:
            return to_sync_iter(call.events)
        return run_sync(lambda: collect_text(call.events()))

    @overload
    @staticmethod
    async def create_async(model: Any, messages: list[dict[str, Any]], provider: Any = None,
                           stream: Literal[False] = False, ignore_working: bool = False,
                           **kwargs: Any) -> CompletionText: ...

    @overload
    @staticmethod
    async def create_async(model: Any, messages: list[dict[str, Any]], provider: Any = None, *,
                           stream: Literal[True], ignore_working: bool = False,
                           **kwargs: Any) -> AsyncIterator[Any]: ...

    @overload
    @staticmethod
    async def create_async(model: Any, messages: list[dict[str, Any]], provider: Any = None, stream: bool = False,
                           ignore_working: bool = False, **kwargs: Any) -> CompletionText | AsyncIterator[Any]: ...

    @staticmethod
    async def create_async(
        model: Any,
        messages: list[dict[str, Any]],
        provider: Any = None,
        stream: bool = False,
        ignore_working: bool = False,
        **kwargs: Any,
    ) -> CompletionText | AsyncIterator[Any]:
        """The answer as a string, or (``stream=True``) an async iterator of text deltas and events."""
        from .providers.base_provider import collect_text
        from .providers.call import prepare

        call = prepare(model, messages, provider, stream=stream, ignore_working=ignore_working, **kwargs)
        if stream:
            return call.events()
        return await collect_text(call.events())


async def aclose() -> None:
    """Close the HTTP sessions g4f opened on the running event loop."""
    from .requests.closing import aclose as _aclose

    await _aclose()
