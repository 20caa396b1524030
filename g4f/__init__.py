"""g4f: many LLM providers behind one async interface.

>>> import g4f
>>> g4f.ChatCompletion.create("llama-3.3-70b-versatile", [{"role": "user", "content": "Hello"}])

Importing g4f is cheap: no provider, HTTP library or browser library is imported until used.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Literal, overload

from .version import __version__

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from .providers.response import CompletionText

__all__ = ["ChatCompletion", "__version__", "aclose", "get_cookies"]


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


def get_cookies(domain: str, *args: Any, **kwargs: Any) -> dict[str, str]:
    """Cookies for ``domain`` from the cookie files, else the user's browser (see g4f.cookies)."""
    from .cookies import get_cookies as _get_cookies

    return _get_cookies(domain, *args, **kwargs)


async def aclose() -> None:
    """Close the HTTP sessions g4f opened on the running event loop."""
    from .requests.closing import aclose as _aclose

    await _aclose()
