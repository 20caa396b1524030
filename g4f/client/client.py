"""``Client`` and ``AsyncClient``: g4f behind the openai SDK's interface.

>>> client = Client()
>>> completion = client.chat.completions.create(model="llama-3.3-70b", messages=[...])
>>> completion.choices[0].message.content

The async client is the implementation; ``Client`` runs it on private event loops in the
calling thread, kept between calls so that they reuse their HTTP connections (:mod:`.loops`).
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Awaitable, Generator, Iterator
from typing import TYPE_CHECKING, Any

from ..providers.call import prepare
from ..providers.types import provider_name
from .catalog import list_models, list_models_async
from .convert import Answer, ChunkAnswer, answer_stream, as_conversation, collect_completion, max_tokens_of
from .images import AsyncImages, Images
from .loops import LoopPool
from .responses import AsyncResponses, Responses
from .stop import normalize_stop
from .stubs import ChatCompletion, ChatCompletionChunk, ModelList

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["AsyncChunkStream", "AsyncClient", "Client"]


class AsyncChunkStream:
    """A streamed answer: ``async for chunk in stream`` (gpt4free style) or, as with the openai
    SDK, ``async for chunk in await stream``.

    Iterating hands out the underlying generator itself, so the stream adds no step per chunk.
    """

    __slots__ = ("_chunks",)

    def __init__(self, chunks: AsyncIterator[ChatCompletionChunk]) -> None:
        self._chunks = chunks

    def __aiter__(self) -> AsyncIterator[ChatCompletionChunk]:
        return self._chunks

    async def __anext__(self) -> ChatCompletionChunk:
        return await self._chunks.__anext__()

    def __await__(self) -> Generator[Any, None, AsyncChunkStream]:
        return self._itself().__await__()

    async def _itself(self) -> AsyncChunkStream:
        return self

    async def aclose(self) -> None:
        """Stop reading: closes the provider's stream and its upstream response."""
        aclose = getattr(self._chunks, "aclose", None)
        if aclose is not None:
            await aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class _Request:
    """One prepared call: resolved and checked at once (by the call boundary); the provider's
    stream is opened only when it is first read."""

    __slots__ = ("call", "stop")

    def __init__(self, defaults: dict[str, Any], messages: Any, model: Any, provider: Any, stream: bool,
                 stop: Any, conversation: Any, ignore_working: bool, kwargs: dict[str, Any]) -> None:
        self.stop = normalize_stop(stop)
        for name in ("api_key", "proxy"):
            if kwargs.get(name) is None and defaults.get(name) is not None:
                kwargs[name] = defaults[name]
        for name, value in defaults.get("options", {}).items():
            kwargs.setdefault(name, value)
        kwargs = {key: value for key, value in kwargs.items() if value is not None}
        if stop is not None:
            kwargs["stop"] = stop  # the upstream may stop by itself; the text is cut here either way
        conversation = as_conversation(conversation)
        if conversation is not None:
            kwargs["conversation"] = conversation
        self.call = prepare(model, messages, provider if provider is not None else defaults.get("provider"),
                            stream=stream, ignore_working=ignore_working, **kwargs)

    def chunks(self, kind: type[Answer] = ChunkAnswer, include_usage: bool | None = None) -> AsyncIterator[Any]:
        """The answer's chunks, as ``kind`` makes them (the client's objects; the API server's
        ``WireAnswer`` makes SSE bytes). The usage is on the finishing chunk, unless
        ``include_usage`` (or ``stream_options={"include_usage": ...}``) asks for OpenAI's way."""
        call = self.call
        if include_usage is None:
            options = call.kwargs.get("stream_options")
            if isinstance(options, dict) and isinstance(options.get("include_usage"), bool):
                include_usage = options["include_usage"]
        answer = kind(call.model, call.provider_name, self.stop or None, None, max_tokens_of(call.kwargs),
                      include_usage)
        return answer_stream(call.events(), answer)

    def completion(self) -> Awaitable[ChatCompletion]:
        call = self.call
        return collect_completion(call.events(), call.model, call.provider_name, self.stop or None,
                                  max_tokens=max_tokens_of(call.kwargs))


class _Completions:
    def __init__(self, defaults: dict[str, Any]) -> None:
        self._defaults = defaults

    def _request(self, messages: Any, model: Any, provider: Any, stream: bool, stop: Any, conversation: Any,
                 ignore_working: bool, kwargs: dict[str, Any]) -> _Request:
        return _Request(self._defaults, messages, model, provider, stream, stop, conversation, ignore_working,
                        kwargs)

    def request(self, messages: Any = None, model: Any = "", provider: Any = None, stream: bool = False,
                stop: str | list[str] | None = None, conversation: Any = None, ignore_working: bool = False,
                **kwargs: Any) -> _Request:
        """The call of ``create(...)``, checked and resolved but not started: for doors that shape
        the answer themselves (the API server writes it as SSE bytes with ``request.chunks(WireAnswer)``)."""
        return self._request(messages, model, provider, stream, stop, conversation, ignore_working, kwargs)


class AsyncCompletions(_Completions):
    def create(
        self,
        messages: Any = None,
        model: Any = "",
        provider: Any = None,
        stream: bool = False,
        stop: str | list[str] | None = None,
        conversation: Any = None,
        ignore_working: bool = False,
        **kwargs: Any,
    ) -> Awaitable[ChatCompletion] | AsyncChunkStream:
        """A chat completion: awaitable (``stream=False``) or an :class:`AsyncChunkStream`.

        Keyword arguments beyond these (``temperature``, ``max_tokens``, ``tools``,
        ``api_key``, ``proxy``, ...) go to the provider. Raises at once (before any request) for
        an unknown provider or malformed messages.
        """
        request = self._request(messages, model, provider, stream, stop, conversation, ignore_working, kwargs)
        if stream:
            return AsyncChunkStream(request.chunks())
        return request.completion()


class Completions(_Completions):
    def __init__(self, defaults: dict[str, Any], loops: LoopPool | None = None) -> None:
        super().__init__(defaults)
        self._loops = loops if loops is not None else LoopPool()

    def create(
        self,
        messages: Any = None,
        model: Any = "",
        provider: Any = None,
        stream: bool = False,
        stop: str | list[str] | None = None,
        conversation: Any = None,
        ignore_working: bool = False,
        **kwargs: Any,
    ) -> ChatCompletion | Iterator[ChatCompletionChunk]:
        """Like :meth:`AsyncCompletions.create`, blocking; ``stream=True`` gives an iterator of chunks."""
        request = self._request(messages, model, provider, stream, stop, conversation, ignore_working, kwargs)
        if stream:
            return self._loops.iterate(request.chunks)
        return self._loops.run(request.completion)


class Chat:
    def __init__(self, completions: Completions) -> None:
        self.completions = completions


class AsyncChat:
    def __init__(self, completions: AsyncCompletions) -> None:
        self.completions = completions


class Models:
    def __init__(self, defaults: dict[str, Any]) -> None:
        self._defaults = defaults

    def list(self, provider: Any = None) -> ModelList:
        """The models of ``provider`` (default: the client's), or of every provider."""
        return ModelList(list_models(provider if provider is not None else self._defaults.get("provider")))


class AsyncModels(Models):
    async def list(self, provider: Any = None) -> ModelList:  # type: ignore[override]
        """The models of ``provider`` (default: the client's), or of every provider; asked on the
        caller's loop (a provider's ``/models`` request uses the loop's shared session)."""
        return ModelList(await list_models_async(provider if provider is not None else self._defaults.get("provider")))


class _BaseClient:
    def __init__(self, provider: Any = None, api_key: str | None = None, proxy: str | None = None,
                 image_provider: Any = None, **kwargs: Any) -> None:
        from ..secrets import register_secret

        register_secret(api_key)
        # Other keywords (base_url=, timeout=, ...) are defaults for every request's provider call;
        # image_provider (gpt4free's) is the default of images.generate alone.
        self._defaults: dict[str, Any] = {"provider": provider, "api_key": api_key, "proxy": proxy,
                                          "image_provider": image_provider, "options": kwargs}

    def __repr__(self) -> str:
        provider = self._defaults.get("provider")
        name = provider_name(provider) if provider is not None and not isinstance(provider, str) else provider
        return f"{type(self).__name__}(provider={name!r})"


class AsyncClient(_BaseClient):
    """The async OpenAI-shaped client: ``client.chat.completions.create(...)``, ``client.models.list()``.

    ``provider``, ``api_key``, ``proxy`` and any other keyword (``base_url=``, ``timeout=``, ...)
    are defaults for every request; a request's own arguments win.
    """

    def __init__(self, provider: Any = None, api_key: str | None = None, proxy: str | None = None,
                 image_provider: Any = None, **kwargs: Any) -> None:
        super().__init__(provider, api_key, proxy, image_provider, **kwargs)
        self.chat = AsyncChat(AsyncCompletions(self._defaults))
        self.models = AsyncModels(self._defaults)
        self.responses = AsyncResponses(self._defaults, _Request)
        self.images = AsyncImages(self._defaults)

    async def aclose(self) -> None:
        """Close the HTTP sessions g4f opened on the running loop."""
        from ..requests.closing import aclose

        await aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class Client(_BaseClient):
    """The blocking OpenAI-shaped client. Chat completions run on the client's private event
    loops, kept between calls (with their HTTP sessions and connections) until :meth:`close`
    or until the client is garbage-collected."""

    def __init__(self, provider: Any = None, api_key: str | None = None, proxy: str | None = None,
                 image_provider: Any = None, **kwargs: Any) -> None:
        super().__init__(provider, api_key, proxy, image_provider, **kwargs)
        self._loops = LoopPool()
        weakref.finalize(self, self._loops.close)
        self.chat = Chat(Completions(self._defaults, self._loops))
        self.models = Models(self._defaults)
        self.responses = Responses(self._defaults, _Request)
        self.images = Images(self._defaults)

    def close(self) -> None:
        """Close the client's idle event loops and their HTTP sessions (a stream still being read
        keeps its own until it ends). The client can still be used afterwards, each call on a
        loop of its own."""
        self._loops.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
