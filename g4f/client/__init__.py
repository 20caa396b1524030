"""The OpenAI-shaped client: ``from g4f.client import Client, AsyncClient``.

Importing it is cheap: no provider and no HTTP library is loaded until a request is made.
"""

from __future__ import annotations

from .client import AsyncChunkStream, AsyncClient, Client
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
    "ModelInfo",
    "ModelList",
    "ToolCall",
    "ToolCallFunction",
    "Usage",
    "get_model_and_provider",
]
