"""The OpenAI-shaped client: ``from g4f.client import Client, AsyncClient``.

Importing it is cheap: no provider and no HTTP library is loaded until a request is made.
"""

from __future__ import annotations

from .client import AsyncChunkStream, AsyncClient, Client
from .image_stubs import Image, ImagesResponse
from .responses_stubs import Response, ResponseStreamEvent
from .service import get_model_and_provider
from .stubs import (
    ChatCompletion,
    ChatCompletionChoice,
    ChatCompletionChunk,
    ChatCompletionDelta,
    ChatCompletionDeltaChoice,
    ChatCompletionMessage,
    ModelInfo,
    ModelList,
    ToolCall,
    ToolCallFunction,
    Usage,
)

__all__ = [
    "AsyncChunkStream",
    "AsyncClient",
    "ChatCompletion",
    "ChatCompletionChoice",
    "ChatCompletionChunk",
    "ChatCompletionDelta",
    "ChatCompletionDeltaChoice",
    "ChatCompletionMessage",
    "Client",
    "Image",
    "ImagesResponse",
    "ModelInfo",
    "ModelList",
    "Response",
    "ResponseStreamEvent",
    "ToolCall",
    "ToolCallFunction",
    "Usage",
    "get_model_and_provider",
]
