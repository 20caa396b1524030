"""Mock providers the way gpt4free's own unit tests write them (``etc/unittest/mocks.py``).

Each is a few lines on one of gpt4free's provider kinds, with gpt4free's signatures: a plugin or
script written against gpt4free defines its providers like this, and these tests check that such
providers run here unchanged.
"""

from __future__ import annotations

from g4f.errors import MissingAuthError
from g4f.providers.base_provider import AbstractProvider, AsyncGeneratorProvider, AsyncProvider
from g4f.providers.response import FinishReason, Reasoning, Usage


class ProviderMock(AbstractProvider):
    """A sync generator provider answering "Mock"."""

    working = True

    @classmethod
    def create_completion(cls, model, messages, stream, **kwargs):
        yield "Mock"


class AsyncProviderMock(AsyncProvider):
    """A provider that returns its whole answer at once."""

    working = True

    @classmethod
    async def create_async(cls, model, messages, **kwargs):
        return "Mock"


class AsyncGeneratorProviderMock(AsyncGeneratorProvider):
    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, stream, **kwargs):
        yield "Mock"


class ModelProviderMock(AbstractProvider):
    """Answers with the model name it was given."""

    working = True

    @classmethod
    def create_completion(cls, model, messages, stream, **kwargs):
        yield model


class YieldProviderMock(AsyncGeneratorProvider):
    """Yields each message's content as one chunk: one word per chunk, ``max_tokens`` ignored."""

    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, stream, **kwargs):
        for message in messages:
            yield message["content"]


class ThinkingProviderMock(AsyncGeneratorProvider):
    """Thinks first (``Reasoning`` events), then answers."""

    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, stream, **kwargs):
        yield Reasoning(status="Thinking...")
        yield Reasoning("Hello ")
        yield Reasoning("means hi.")
        yield "Hi!"


class MissingAuthProviderMock(AbstractProvider):
    working = True

    @classmethod
    def create_completion(cls, model, messages, stream, **kwargs):
        raise MissingAuthError(cls.__name__)
        yield cls.__name__


class RaiseExceptionProviderMock(AbstractProvider):
    """A sync provider whose upstream failed: a plain ``RuntimeError``, as gpt4free's providers raise."""

    working = True

    @classmethod
    def create_completion(cls, model, messages, stream, **kwargs):
        raise RuntimeError(cls.__name__)
        yield cls.__name__


class AsyncRaiseExceptionProviderMock(AsyncGeneratorProvider):
    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, stream, **kwargs):
        raise RuntimeError(cls.__name__)
        yield cls.__name__


class AsyncProviderRaiseMock(AsyncProvider):
    """An ``AsyncProvider`` whose request failed with a ``ValueError`` (a bad upstream answer)."""

    working = True

    @classmethod
    async def create_async(cls, model, messages, **kwargs):
        raise ValueError("the upstream sent no JSON")


class YieldNoneProviderMock(AsyncGeneratorProvider):
    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, stream, **kwargs):
        yield None


class YieldEmptyProviderMock(AsyncGeneratorProvider):
    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, stream, **kwargs):
        yield ""
        yield None
        yield ""


class YieldEventsOnlyProviderMock(AsyncGeneratorProvider):
    """Events that carry no answer (usage, a finish reason) and no text."""

    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, stream, **kwargs):
        yield Usage(prompt_tokens=3, completion_tokens=0)
        yield FinishReason("stop")


class YieldEmptyReasoningProviderMock(AsyncGeneratorProvider):
    """A ``Reasoning`` with neither token nor status: no thinking text, nothing to show."""

    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, stream, **kwargs):
        yield Reasoning()
        yield None


class SyncYieldNoneProviderMock(AbstractProvider):
    working = True

    @classmethod
    def create_completion(cls, model, messages, stream, **kwargs):
        yield None
        yield ""
