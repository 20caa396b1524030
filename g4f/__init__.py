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

        model_name, prov, messages = _prepare(model, messages, provider, stream, ignore_working)
        if stream:
            return to_sync_iter(lambda: _open_stream(prov, model_name, messages, True, kwargs))
        answer = run_sync(lambda: collect_text(_open_stream(prov, model_name, messages, False, kwargs)))
        return _name_provider(answer, prov, model_name)

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

        model_name, prov, messages = _prepare(model, messages, provider, stream, ignore_working)
        stream_ = _open_stream(prov, model_name, messages, stream, kwargs)
        if stream:
            return stream_
        return _name_provider(await collect_text(stream_), prov, model_name)


def _prepare(model: Any, messages: Any, provider: Any, stream: bool, ignore_working: bool) -> tuple[str, Any, Any]:
    from .providers.helper import validate_messages
    from .providers.resolve import get_model_and_provider

    model_name, prov = get_model_and_provider(model, provider, stream, ignore_working)
    return model_name, prov, validate_messages(messages, getattr(prov, "__name__", None))


def _open_stream(prov: Any, model: str, messages: Any, stream: bool, kwargs: dict[str, Any]) -> AsyncIterator[Any]:
    # Whatever HTTP library a provider used, its errors reach the caller as g4f errors.
    from .requests.transport import map_stream_errors

    stream_ = prov.create_async_generator(model, messages, stream=stream, **kwargs)
    return map_stream_errors(stream_, _provider_name(prov))


def _provider_name(prov: Any) -> str:
    return str(prov.get_name()) if hasattr(prov, "get_name") else type(prov).__name__


def _name_provider(answer: CompletionText, prov: Any, model: str) -> CompletionText:
    # ``answer.provider`` says who answered even when the provider did not announce itself.
    if answer.provider is None:
        from .providers.response import ProviderInfo

        answer.events.insert(0, ProviderInfo(_provider_name(prov), model or None))
    return answer


def get_cookies(domain: str, *args: Any, **kwargs: Any) -> dict[str, str]:
    """Cookies for ``domain`` from the cookie files, else the user's browser (see g4f.cookies)."""
    from .cookies import get_cookies as _get_cookies

    return _get_cookies(domain, *args, **kwargs)


async def aclose() -> None:
    """Close the HTTP sessions g4f opened on the running event loop."""
    from .requests.closing import aclose as _aclose

    await _aclose()
