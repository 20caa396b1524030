"""``client.responses.create(...)``: OpenAI's Responses API over every provider.

>>> response = await AsyncClient().responses.create(model="llama-3.3-70b", input="Hello")
>>> response.output_text

The request becomes chat messages (:mod:`.responses_convert`) and goes through the same call
path as ``client.chat.completions.create`` (the call boundary: provider resolution, retries,
error mapping, one stream shape); the provider's events become a
:class:`~g4f.client.responses_stubs.Response`, or with ``stream=True`` the Responses API's event
sequence.

``previous_response_id`` continues an earlier response: every response is kept (unless
``store=False``) in a bounded :class:`g4f.shared.Store` (``responses``: 10,000 entries, a day
each; shared through Redis under ``g4f api --redis``), under the ``owner`` that made it (the API
server passes the API key's id, so nobody continues another's responses). What is kept is the
history (without ``instructions``, which OpenAI does not carry over), who answered, and the
provider's own conversation (grok.com's), which is passed back as ``conversation=`` so that the
provider continues it instead of starting anew.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any

from ..errors import BadRequestError
from ..providers.asyncio import run_sync, to_sync_iter
from ..providers.response import ProviderInfo
from ..shared.store import Store
from .responses_convert import ResponseBuilder, chat_tool_choice, chat_tools, input_messages, new_id
from .responses_stubs import Response, ResponseStreamEvent

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["LOCAL_OWNER", "AsyncResponses", "ResponseStream", "Responses", "response_store"]

logger = logging.getLogger("g4f")

#: Responses kept for ``previous_response_id``: per owner, bounded, each for a day.
response_store = Store("responses", max_entries=10_000, ttl=24 * 3600.0)

#: Who owns a response made without an owner (a library user's own process).
LOCAL_OWNER = "local"


def _store_key(owner: str, response_id: str) -> str:
    return f"{owner}:{response_id}"


def _response_format(text: Any) -> dict[str, Any] | None:
    """``text.format`` (Responses) as ``response_format`` (chat)."""
    if text is None:
        return None
    form = text.get("format") if isinstance(text, dict) else None
    if form is None:
        return None
    kind = form.get("type") if isinstance(form, dict) else None
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "json_object"}
    if kind == "json_schema":
        schema = {key: form[key] for key in ("name", "schema", "strict", "description") if key in form}
        return {"type": "json_schema", "json_schema": schema}
    raise BadRequestError("text.format: must be {'type': 'text' | 'json_object' | 'json_schema', ...}",
                          param="text.format")


class _ResponseCall:
    """One ``responses.create``: checked at once, resolved (previous response, provider) on first use."""

    def __init__(self, defaults: dict[str, Any], factory: Callable[..., Any], params: dict[str, Any]) -> None:
        self._defaults = defaults
        self._factory = factory
        self.params = params
        self.store = params.pop("store", True) is not False
        self.owner = params.pop("owner", None) or LOCAL_OWNER
        # Mistakes in the request raise here, before anything is sent or awaited.
        self.new_messages = input_messages(params.pop("input"), None)
        self.instructions = params.pop("instructions", None)
        self.system = input_messages("", self.instructions)[:-1]  # the system message alone, if any
        self.raw_tools = params.pop("tools", None)
        self.tools = chat_tools(self.raw_tools)
        self.raw_tool_choice = params.pop("tool_choice", None)
        self.tool_choice = chat_tool_choice(self.raw_tool_choice)
        self.builder: ResponseBuilder | None = None
        self.history: list[dict[str, Any]] = []

    async def _previous(self, response_id: str) -> dict[str, Any]:
        if not isinstance(response_id, str) or not response_id:
            raise BadRequestError("previous_response_id: must be the id of an earlier response",
                                  param="previous_response_id")
        record = await response_store.get(_store_key(self.owner, response_id))
        if not isinstance(record, dict) or not isinstance(record.get("messages"), list):
            raise BadRequestError(f"previous_response_id: no response {response_id[:80]!r} is kept here (it was "
                                  f"never made, made with store=false, made with another API key, or expired)",
                                  param="previous_response_id")
        return record

    async def open(self) -> tuple[Any, AsyncIterator[Any]]:
        """The call's provider stream; raises (bad request, unknown previous response) before I/O."""
        params = dict(self.params)
        previous_id = params.pop("previous_response_id", None)
        model, provider = params.pop("model", None), params.pop("provider", None)
        conversation = None
        previous: dict[str, Any] = {}
        if previous_id is not None:
            previous = await self._previous(previous_id)
            if provider is None:
                provider = previous.get("provider")
            if provider == previous.get("provider"):
                conversation = previous.get("conversation")
            model = model or previous.get("model")
        self.history = [*previous.get("messages", []), *self.new_messages]
        kwargs = {key: value for key, value in params.items() if value is not None}
        max_output_tokens = kwargs.pop("max_output_tokens", None)
        if max_output_tokens is not None:
            kwargs["max_tokens"] = max_output_tokens
        response_format = _response_format(kwargs.pop("text", None))
        if response_format is not None:
            kwargs["response_format"] = response_format
        reasoning = kwargs.pop("reasoning", None)
        if isinstance(reasoning, dict) and isinstance(reasoning.get("effort"), str):
            kwargs["reasoning_effort"] = reasoning["effort"]
        kwargs.pop("metadata", None)
        if self.tools is not None:
            kwargs["tools"] = self.tools
        if self.tool_choice is not None:
            kwargs["tool_choice"] = self.tool_choice
        stream = bool(kwargs.pop("stream", False))
        request = self._factory(self._defaults, [*self.system, *self.history], model or "", provider, stream, None,
                                conversation, False, kwargs)
        call = request.call
        self.builder = ResponseBuilder(Response(
            new_id("resp"), int(time.time()), call.model, instructions=self.instructions,
            tools=self.raw_tools or [], tool_choice=self.raw_tool_choice or "auto",
            temperature=self.params.get("temperature"), top_p=self.params.get("top_p"),
            max_output_tokens=max_output_tokens, previous_response_id=previous_id,
            metadata=self.params.get("metadata"), provider=call.provider_name,
            parallel_tool_calls=self.params.get("parallel_tool_calls") is not False))
        return call, call.events()

    async def save(self) -> None:
        """Keep this response for ``previous_response_id`` (before its last event is given out, so
        a client that continues at once finds it)."""
        builder = self.builder
        if not self.store or builder is None:
            return
        conversation = builder.conversation.to_dict() if builder.conversation is not None else None
        record = {"messages": [*self.history, builder.assistant_message()], "provider": builder.response.provider,
                  "model": builder.response.model, "conversation": conversation}
        try:
            await response_store.set(_store_key(self.owner, builder.response.id), record)
        except ValueError as exc:  # larger than the store takes: the answer itself is not lost
            logger.warning("g4f: response %s is not kept for previous_response_id: %s", builder.response.id, exc)

    async def events(self) -> AsyncIterator[ResponseStreamEvent]:
        _, events = await self.open()
        builder = self.builder
        assert builder is not None
        try:
            first = await events.__anext__()  # an error before any output raises before any event
            if isinstance(first, ProviderInfo):  # response.created names who answers
                builder.feed(first)
                first = None
            for event in builder.start():
                yield event
            for event in builder.feed(first) if first is not None else ():
                yield event
            async for item in events:
                if type(item) is str and builder.writing_text:  # the hot path: a text delta
                    if item:
                        yield builder.text_delta(item)
                    continue
                for event in builder.feed(item):
                    yield event
        finally:
            await events.aclose()  # type: ignore[attr-defined]
        *closing, last = builder.finish()
        for event in closing:
            yield event
        await self.save()
        yield last

    async def response(self) -> Response:
        async for _ in self.events():
            pass
        assert self.builder is not None
        return self.builder.response


class ResponseStream:
    """A streamed response: ``async for event in stream`` (or ``async for event in await stream``,
    as with the openai SDK). ``response`` is the response being built (None before it starts)."""

    __slots__ = ("_call", "_events")

    def __init__(self, call: _ResponseCall) -> None:
        self._call = call
        self._events = call.events()

    @property
    def response(self) -> Response | None:
        return self._call.builder.response if self._call.builder is not None else None

    def failed(self, code: str, message: str) -> ResponseStreamEvent:
        """The ``response.failed`` event for an error that broke the stream off (the API server's)."""
        builder = self._call.builder
        if builder is None:
            raise RuntimeError("the response has not started")
        return builder.fail(code, message)

    def __aiter__(self) -> AsyncIterator[ResponseStreamEvent]:
        return self._events  # iterating adds no step per event

    async def __anext__(self) -> ResponseStreamEvent:
        return await self._events.__anext__()

    def __await__(self) -> Generator[Any, None, ResponseStream]:
        return self._itself().__await__()

    async def _itself(self) -> ResponseStream:
        return self

    async def aclose(self) -> None:
        """Stop reading: closes the provider's stream and its upstream response."""
        await self._events.aclose()  # type: ignore[attr-defined]

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class _Responses:
    def __init__(self, defaults: dict[str, Any], factory: Callable[..., Any]) -> None:
        self._defaults = defaults
        self._factory = factory

    def _call(self, input: Any, model: Any, kwargs: dict[str, Any]) -> _ResponseCall:
        if input is None:
            raise BadRequestError("input is required", param="input")
        return _ResponseCall(self._defaults, self._factory, {"input": input, "model": model, **kwargs})


class AsyncResponses(_Responses):
    def create(
        self,
        *,
        input: Any = None,
        model: Any = "",
        instructions: str | None = None,
        tools: list[dict[str, Any]] | None = None,
        tool_choice: Any = None,
        stream: bool = False,
        previous_response_id: str | None = None,
        max_output_tokens: int | None = None,
        temperature: float | None = None,
        provider: Any = None,
        store: bool = True,
        owner: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """A :class:`Response` (awaitable), or with ``stream=True`` a :class:`ResponseStream` of
        the Responses API's events.

        ``input`` is a string or a list of items (messages, ``function_call``,
        ``function_call_output``); ``tools`` are function tools (``{"type": "function", "name",
        "parameters"}``); ``previous_response_id`` continues a response this process (or the
        shared store) keeps for ``owner``. Other keywords (``top_p``, ``text``, ``reasoning``,
        ``api_key``, ...) go to the provider call as in ``chat.completions.create``.
        """
        call = self._call(input, model, dict(
            kwargs, instructions=instructions, tools=tools, tool_choice=tool_choice, stream=stream,
            previous_response_id=previous_response_id, max_output_tokens=max_output_tokens,
            temperature=temperature, provider=provider, store=store, owner=owner))
        if stream:
            return ResponseStream(call)
        return call.response()


class Responses(_Responses):
    def create(
        self,
        *,
        input: Any = None,
        model: Any = "",
        instructions: str | None = None,
        tools: list[dict[str, Any]] | None = None,
        tool_choice: Any = None,
        stream: bool = False,
        previous_response_id: str | None = None,
        max_output_tokens: int | None = None,
        temperature: float | None = None,
        provider: Any = None,
        store: bool = True,
        owner: str | None = None,
        **kwargs: Any,
    ) -> Response | Iterator[ResponseStreamEvent]:
        """Like :meth:`AsyncResponses.create`, blocking; ``stream=True`` gives an iterator of events."""
        call = self._call(input, model, dict(
            kwargs, instructions=instructions, tools=tools, tool_choice=tool_choice, stream=stream,
            previous_response_id=previous_response_id, max_output_tokens=max_output_tokens,
            temperature=temperature, provider=provider, store=store, owner=owner))
        if stream:
            return to_sync_iter(call.events)
        return run_sync(call.response)
