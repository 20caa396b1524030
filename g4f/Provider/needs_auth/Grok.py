"""Grok through grok.com's web app: the user's session cookies instead of an API key.

A declaration on :class:`~g4f.Provider.template.WireAuthedProvider`, which finds the cookies (the
``cookies`` argument, the cache of an earlier login, the cookie files, the user's browser, else a
browser login), keeps the ones grok.com rotates, sends each request with a browser's fingerprint
on the loop's pooled curl_cffi session, and checks that every answer is complete.

Every address is derived from the class attributes ``url``, ``conversation_url`` and
``assets_url`` (the web app, its chat API and its image host); pointing them elsewhere (a test
replica, a mirror) is the only thing that changes where requests go.

The answer streams as NDJSON (DESIGN.md, "Grok web app"); :class:`GrokAnswer` reads it. grok.com
ends every answer with a ``modelResponse`` object (the whole message, its generated images); an
answer is complete only once it has arrived, so a stream that stops before it (cut, reset,
closed early) raises ResponseError instead of passing for a shorter answer. Each answer ends
with its :class:`~g4f.providers.response.Conversation`, which ``conversation=`` continues.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

from ...errors import BadRequestError, ResponseError
from ...providers.helper import format_prompt, get_last_user_message
from ...providers.response import (
    AuthResult,
    ImagePreview,
    ImageResponse,
    Reasoning,
    ResponseType,
    TitleGeneration,
)
from ...typing import AsyncResult, Messages
from ..template.WireAuthedProvider import WireAuthedProvider
from ..template.WireProvider import WireAnswer

__all__ = ["Grok", "GrokAnswer", "GrokMode"]

logger = logging.getLogger("g4f")

#: Keys of a line that reports grok.com's own tool use (web search and the like): not answer text.
_TOOL_USAGE = ("toolUsageCardId", "toolUsageCard", "webSearchResults", "xSearchResults", "toolUsage")


_IMAGE_PARTS = ("image_url", "input_image", "image")
_DATA_URI = re.compile(r"data:(image/[A-Za-z0-9.+-]+);base64,(.*)", re.DOTALL)


def images_of(messages: Messages, continuing: bool, limit: int, provider: str = "Grok") -> list[tuple[str, bytes]]:
    """The images (MIME type, bytes) a request shows grok.com: those of every message for a new
    conversation, of the last user message when continuing one (only it is sent). grok.com takes
    uploads, not addresses: an image must come inline, as a ``data:`` URI."""
    if continuing:
        messages = [next((m for m in reversed(messages) if m.get("role") == "user"), {})]
    found = []
    for message in messages:
        content = message.get("content")
        for part in content if isinstance(content, list) else []:
            if not isinstance(part, dict) or part.get("type") not in _IMAGE_PARTS:
                continue
            image = part.get("image_url", part.get("image"))
            url = image.get("url") if isinstance(image, dict) else image
            matched = _DATA_URI.fullmatch(url.strip()) if isinstance(url, str) else None
            if matched is None:
                shown = url[:40] if isinstance(url, str) else type(url).__name__
                raise BadRequestError(f"{provider} takes images inline as data: URIs (base64), not {shown!r}",
                                      provider=provider, param="messages")
            try:
                data = base64.b64decode(matched.group(2), validate=True)
            except (binascii.Error, ValueError):
                raise BadRequestError("an image's data: URI is not valid base64", provider=provider,
                                      param="messages") from None
            if len(data) > limit:
                raise BadRequestError(f"an image of {len(data)} bytes is larger than {provider}'s limit of {limit}",
                                      provider=provider, param="messages")
            found.append((matched.group(1), data))
    return found


@dataclass(frozen=True)
class GrokMode:
    """How grok.com is asked for one model: ``modelName``, ``modeId`` and ``isReasoning``."""

    model_name: str
    mode_id: str
    reasoning: bool = False
    #: The image tool is forced on (``toolOverrides.imageGen``): every answer draws.
    image_generation: bool = False


class GrokAnswer(WireAnswer):
    """Reads grok.com's NDJSON objects one by one and turns them into g4f events (no I/O).

    ``feed(obj)`` returns the events of one line; ``complete`` becomes true when the final
    ``modelResponse`` arrives; ``conversation_id`` is set from the first line of a new
    conversation.
    """

    def __init__(self, assets_url: str, conversation_id: str | None = None, provider: str = "Grok") -> None:
        super().__init__(provider, "", conversation_id)
        self.assets_url = assets_url.rstrip("/")
        self._thinking_since: float | None = None
        self._searching = False

    def _asset(self, path: str) -> str:
        return path if "://" in path else f"{self.assets_url}/{path.lstrip('/')}"

    def _end_thinking(self) -> list[ResponseType]:
        if self._thinking_since is None:
            return []
        seconds = time.monotonic() - self._thinking_since
        self._thinking_since = None
        return [Reasoning(status=f"Thought for {seconds:.1f}s")]

    def _deep_search(self, status: Any) -> list[Any]:
        """A DeepSearch progress line as a status line of the thinking."""
        if not isinstance(status, dict):
            return [Reasoning(status=f"Deep search: {status}")] if status else []
        if status.get("completed"):
            self._searching = False
            return [Reasoning(status="Deep search completed")]
        events: list[Any] = []
        if not self._searching:
            self._searching = True
            events.append(Reasoning(status="Deep searching..."))
        detail = status.get("message") or status.get("phase")
        if detail:
            events.append(Reasoning(status=f"Deep search: {detail}"))
        return events

    def feed(self, data: Any) -> list[Any]:
        if not isinstance(data, dict):
            raise ResponseError(f"grok.com sent a line that is not an object: {str(data)[:80]!r}",
                                provider=self.provider)
        if "error" in data:
            error = data["error"]
            message = error.get("message", error) if isinstance(error, dict) else error
            raise ResponseError(f"grok.com reported an error in the answer: {message}", provider=self.provider)
        result = data.get("result")
        if not isinstance(result, dict):
            logger.debug("%s: skipping a line without a result: %s", self.provider, list(data))
            return []
        events: list[Any] = []
        conversation = result.get("conversation")
        if isinstance(conversation, dict) and conversation.get("conversationId") and not self.conversation_id:
            self.conversation_id = str(conversation["conversationId"])
        # A new conversation nests the answer under "response"; a continued one may not.
        nested = result.get("response")
        response: dict[str, Any] = nested if isinstance(nested, dict) else result
        if any(key in response for key in _TOOL_USAGE) or response.get("messageTag") == "tool_usage_card":
            # grok.com's own tool use (a search and its results): shown in its UI, not answer text.
            logger.debug("%s: grok.com used a tool: %s", self.provider,
                         sorted(key for key in response if key in _TOOL_USAGE))
            return events
        if "deepSearchStatus" in response:
            events += self._deep_search(response["deepSearchStatus"])
        image = response.get("streamingImageGenerationResponse")
        if isinstance(image, dict) and image.get("imageUrl"):
            events.append(ImagePreview(self._asset(image["imageUrl"]), "", {"progress": image.get("progress")}))
        token = response.get("token")
        if token:
            if response.get("isThinking"):
                if self._thinking_since is None:
                    self._thinking_since = time.monotonic()
                    events.append(Reasoning(status="Thinking..."))
                events.append(Reasoning(token))
            else:
                events += self._end_thinking()
                events.append(str(token))
        final = response.get("modelResponse")
        if isinstance(final, dict):
            events += self._end_thinking()
            urls = [self._asset(url) for url in final.get("generatedImageUrls") or []]
            if urls:
                events.append(ImageResponse(urls, "", {}))
            self.complete = True
        title = result.get("title")
        if isinstance(title, dict) and title.get("newTitle"):
            events.append(TitleGeneration(str(title["newTitle"])))
        return events


class Grok(WireAuthedProvider):
    label = "Grok AI"
    url = "https://grok.com"
    login_url = "https://grok.com"
    cookie_domain = ".grok.com"
    auth_cookie = "sso"
    assets_url: ClassVar[str] = "https://assets.grok.com"
    conversation_url: ClassVar[str] = "https://grok.com/rest/app-chat/conversations"
    endpoint = "/new"
    continue_endpoint = "/{conversation_id}/responses"
    decoder = "ndjson"
    final_event = "final modelResponse"
    #: grok.com's conversation ids (UUIDs): letters, digits and "-".
    id_pattern = re.compile(r"[A-Za-z0-9-]{1,64}")
    supports_conversations = True
    #: Images in the messages are uploaded (``/rest/app-chat/upload-file``) and attached.
    supports_vision = True
    #: ``client.images.generate`` / ``POST /v1/images/generations`` (the answer's generated images).
    supports_images = True
    default_image_model = "grok-2-image"
    #: grok.com has no function calling: tools are written into the prompt and the calls read
    #: from the answer (g4f.providers.tools).
    tool_calling = "prompt"
    #: grok.com searches the web (``disableSearch``); ``web_search=False`` turns it off.
    supports_web_search = True
    #: How many images an answer draws (``imageGenerationCount``), the uploaded images it sees,
    #: and whether it may search the web.
    parameters = ("image_count", "file_attachments", "web_search")
    #: The largest image uploaded (bytes, decoded).
    max_upload_size: ClassVar[int] = 10 * 1024 * 1024
    needs_auth = True
    working = True

    default_model = "grok-3"
    #: Each model and how grok.com is asked for it.
    modes: ClassVar[Mapping[str, GrokMode]] = MappingProxyType({
        "grok-3": GrokMode("grok-3", "fast"),
        "grok-3-thinking": GrokMode("grok-3", "reasoning", reasoning=True),
        "grok-3-reasoning": GrokMode("grok-3", "reasoning", reasoning=True),
        "grok-3-mini": GrokMode("grok-3-mini", "fast"),
        "grok-3-mini-reasoning": GrokMode("grok-3-mini", "reasoning", reasoning=True),
        "grok-3-deepsearch": GrokMode("grok-3", "deepsearch"),
        "grok-4": GrokMode("grok-4", "expert"),
        "grok-4-heavy": GrokMode("grok-4-heavy", "heavy"),
        "grok-4-reasoning": GrokMode("grok-4", "reasoning", reasoning=True),
        "grok-4-deepsearch": GrokMode("grok-4", "deepsearch"),
        "grok-latest": GrokMode("grok-latest", "auto"),
        "grok-2": GrokMode("grok-latest", "fast"),
        "grok-2-image": GrokMode("grok-latest", "fast", image_generation=True),
    })
    models = tuple(modes)
    model_aliases = MappingProxyType({"grok-3-r1": "grok-3-thinking"})

    @classmethod
    def get_api_base(cls, base_url: str | None = None) -> str:
        """grok.com's chat API lives at ``conversation_url``."""
        return (base_url or cls.conversation_url).rstrip("/")

    @classmethod
    def build_payload(cls, model: str, messages: Messages, conversation_id: str | None = None,
                      image_count: int | None = None, file_attachments: list[str] | None = None,
                      web_search: bool | None = None, **params: Any) -> dict[str, Any]:
        """The whole prompt for a new conversation, the last user message when continuing one;
        uploaded images (their ``fileMetadataId``) in ``fileAttachments``, as grok.com's web app
        sends them. grok.com searches when it sees fit unless ``web_search=False``."""
        mode = cls.modes[model]
        return {
            "temporary": False,
            "modelName": mode.model_name,
            "modeId": mode.mode_id,
            "message": format_prompt(messages) if conversation_id is None else get_last_user_message(messages),
            "fileAttachments": list(file_attachments or []),
            "imageAttachments": [],
            "disableSearch": web_search is False,
            "enableImageGeneration": True,
            "returnImageBytes": False,
            "returnRawGrokInXaiRequest": False,
            "enableImageStreaming": True,
            "imageGenerationCount": image_count or 2,
            "forceConcise": False,
            "toolOverrides": {"imageGen": True} if mode.image_generation else {},
            "enableSideBySide": True,
            "sendFinalMetadata": True,
            "isReasoning": mode.reasoning,
            "webpageUrls": [],
            "disableTextFollowUps": True,
        }

    @classmethod
    async def create_authed(cls, model: str, messages: Messages, auth_result: AuthResult, stream: bool = True,
                            **kwargs: Any) -> AsyncResult:
        """Upload the request's images first (as grok.com's web app does), then ask with them attached."""
        images = images_of(messages, kwargs.get("conversation") is not None, cls.max_upload_size, cls.get_name())
        if images:
            kwargs["file_attachments"] = [await cls.upload(mime, data, auth_result, kwargs) for mime, data in images]
        async for item in super().create_authed(model, messages, auth_result, stream, **kwargs):
            yield item

    @classmethod
    async def upload(cls, mime: str, data: bytes, auth_result: AuthResult, options: Mapping[str, Any]) -> str:
        """``POST /rest/app-chat/upload-file`` (beside the conversations API); its ``fileMetadataId``."""
        url = cls.get_api_base(options.get("base_url")).rsplit("/", 1)[0] + "/upload-file"
        payload = {"fileName": f"image.{mime.rsplit('/', 1)[-1]}", "fileMimeType": mime,
                   "content": base64.b64encode(data).decode()}
        answer = await cls.send_json(auth_result, url, payload, proxy=options.get("proxy"),
                                     timeout=options.get("timeout"), read_timeout=options.get("read_timeout"))
        file_id = answer.get("fileMetadataId") if isinstance(answer, dict) else None
        if not isinstance(file_id, str) or not file_id:
            raise ResponseError("grok.com's upload answer names no fileMetadataId", provider=cls.get_name())
        return file_id

    @classmethod
    def request_headers(cls) -> dict[str, str]:
        return {"accept": "*/*", "origin": cls.url or "", "referer": f"{cls.url}/",
                "x-xai-request-id": str(uuid.uuid4())}

    @classmethod
    def new_answer(cls, model: str, conversation_id: str | None = None) -> GrokAnswer:
        return GrokAnswer(cls.assets_url, conversation_id, provider=cls.get_name())
