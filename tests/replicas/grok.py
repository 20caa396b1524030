"""A local replica of grok.com's web app: login page, chat API (NDJSON), image assets.

It speaks what grok.com speaks to its own front end (DESIGN.md, "Grok web app"):

* ``GET /`` is the app for a logged-in browser, else a login form; ``POST /login`` checks the
  form, sets the ``sso``/``sso-rw`` cookies and redirects to ``/``.
* ``POST /rest/app-chat/conversations/new`` and ``.../{conversation_id}/responses`` need a valid
  ``sso`` cookie (403 otherwise), a UUID ``x-xai-request-id`` header, and a known ``modelName``
  and ``modeId`` when given (400 otherwise), and stream NDJSON: the conversation (new ones), the
  user's message, thinking tokens (``isReasoning``), DeepSearch status lines and grok.com's
  tool-usage lines (``modeId`` "deepsearch", or a message that asks to "search": a
  ``toolUsageCardId`` line whose token is the card's markup, then a ``webSearchResults`` line),
  answer tokens, image progress and final image URLs (messages that ask to "draw"),
  ``finalMetadata``, the ``modelResponse`` that ends every answer, and a title (new
  conversations). A new conversation nests events under ``result.response``; a continued one
  puts them directly under ``result``, as grok.com does.
* ``POST /rest/app-chat/upload-file`` takes an image as grok.com's web app sends it (JSON:
  ``fileName``, an ``image/*`` ``fileMimeType``, base64 ``content``; a valid ``sso``) and answers
  its ``fileMetadataId``; a chat request that attaches it (``fileAttachments``) is answered with
  what it saw ("I see 1 image: image/png, 68 bytes"); an unknown id is a 400 (``uploads``).
* Images are drawn for a message that asks to "draw", or when ``toolOverrides.imageGen`` forces
  grok.com's image tool (``imageGenerationCount`` of them).
* Every chat request is recorded (``requests``) with the client's peer port: one port for two
  requests means one reused connection; ``paths`` holds the path of every request of any kind.
* Conversations are kept, so a continued one answers with what was said before.
* The model can be scripted (``replies``): each chat request takes the next item as its answer's
  text (a string, or a :class:`g4f.testing.Reply`: its ``content``, or its ``tool_calls`` written
  as g4f's prompt format asks). :func:`tool_call_text` writes a call the ways models do: in the
  prompt format, in a fenced block, inside prose, and malformed. A message holding
  ``<tool_result>`` blocks is answered from them ("The get_weather tool returned: ..."), as a
  model that reads the results would.
* ``rotate_sso = True`` makes every chat request rotate the ``sso`` cookie (Set-Cookie): the old
  value stops working, as when grok.com refreshes a session.
* ``fault`` (one request): ``"malformed"`` (a line that is not JSON), ``"cut"`` (the connection
  closes in the middle of the body), ``"truncated"`` (the body ends cleanly but before the
  ``modelResponse``), ``"reset"`` (TCP reset mid-stream), ``"error_line"`` (an error object in the
  stream), ``"slow"`` (``slow_delay`` seconds between lines), ``"stall"`` (``stall_delay`` seconds of
  silence mid-stream), ``"reset_at_once"`` (TCP reset before any answer, on every request until
  ``fault`` is cleared: an HTTP client retries a request whose reused connection dies before any
  answer, and the retry meets the same server), ``"huge_line"`` (one line of ``huge_size``
  bytes), ``"invalid_utf8"`` (a line whose JSON holds bytes that are not UTF-8),
  ``"wrong_content_type"`` (a 200 HTML page instead of the answer, as a captive portal sends), and error statuses with grok.com's bodies: ``"rate_limit"``
  (429 with ``Retry-After: retry_after``), ``"unauthorized"`` (401), ``"forbidden"`` (403),
  ``"not_found"`` (404), ``"server_error"`` (500), ``"bad_gateway"`` (502 with Cloudflare's HTML page).
* ``[replica-fault:<name>]`` in a message plays that fault for that request alone (concurrent tests).
* ``disconnects`` records the answers a client left before their end (it closed the connection).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
import socket
import struct
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = ["FAULT_MARK", "LOGIN_PASSWORD", "LOGIN_USER", "GrokReplica", "Recorded", "tool_call_text"]

LOGIN_USER = "alice@example.com"
LOGIN_PASSWORD = "correct horse battery staple"
API = "/rest/app-chat/conversations"
#: What grok.com's front end sends as ``modelName`` and ``modeId``.
MODEL_NAMES = frozenset({"grok-3", "grok-3-mini", "grok-4", "grok-4-heavy", "grok-latest"})
MODE_IDS = frozenset({"fast", "auto", "expert", "heavy", "reasoning", "deepsearch"})
#: A message holding ``[replica-fault:<name>]`` plays that fault, whatever ``fault`` says.
FAULT_MARK = re.compile(r"\[replica-fault:(\w+)\]")
#: A tiny JPEG (8x8, one that browsers decode: the web chat's tests check that it is shown),
#: served for every generated image.
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300100b0c0e0c0a100e0d0e1211101318281a181616183123251d"
    "283a333d3c3933383740485c4e404457453738506d51575f626768673e4d71797064785c656763ffdb004301111212181518"
    "2f1a1a2f63423842636363636363636363636363636363636363636363636363636363636363636363636363636363636363"
    "6363636363636363ffc00011080008000803012200021101031101ffc4001500010100000000000000000000000000000002"
    "ffc400191001000203000000000000000000000000001423516381ffc40014010100000000000000000000000000000005ff"
    "c4001b110002020301000000000000000000000001110221001261b1ffda000c03010002110311003f00bba46be6001339ee"
    "a804157a7b8c421abb6f3fffd9"
)

LOGIN_PAGE = """<!doctype html>
<html><head><title>Sign in - Grok</title></head>
<body>
<h1>Sign in to Grok</h1>
<form id="login" method="post" action="/login">
  <input id="email" name="email" type="email" autocomplete="username">
  <input id="password" name="password" type="password" autocomplete="current-password">
  <button id="sign-in" type="submit">Sign in</button>
</form>
<script>
  // The page logs itself in when opened as /?autologin=1 (a stand-in for a password manager).
  if (new URLSearchParams(location.search).get("autologin") === "1") {
    document.getElementById("email").value = "{user}";
    document.getElementById("password").value = "{password}";
    document.getElementById("login").submit();
  }
</script>
</body></html>
""".replace("{user}", LOGIN_USER).replace("{password}", LOGIN_PASSWORD)

#: A tool result as g4f writes it into the prompt (g4f.providers.tools.prompt).
TOOL_RESULT = re.compile(r'<tool_result(?: name="([^"]*)")?(?: id="[^"]*")?>\n?(.*?)\n?</tool_result>', re.DOTALL)


def tool_call_text(name: str, arguments: Any, style: str = "prompt") -> str:
    """A model's answer that calls ``name``: ``prompt`` (the documented ``<tool_call>`` block,
    after a sentence), ``fence`` (a fenced JSON block with the arguments as a JSON string, as
    OpenAI's shape has them), ``prose`` (a bare JSON object inside sentences), ``malformed`` (a
    block whose JSON is cut off), ``unknown`` (a well-formed call to a function not offered)."""
    call = json.dumps({"name": name, "arguments": arguments})
    if style == "prompt":
        return f"I will look that up.\n<tool_call>\n{call}\n</tool_call>"
    if style == "fence":
        fenced = json.dumps({"name": name, "arguments": json.dumps(arguments)}, indent=2)
        return f"Sure, calling the tool:\n```json\n{fenced}\n```"
    if style == "prose":
        return f"To answer that I call {call} and wait for the result."
    if style == "malformed":
        return f"<tool_call>\n{call[: len(call) // 2]}\n</tool_call>"
    if style == "unknown":
        return f"<tool_call>\n{json.dumps({'name': 'no_such_tool', 'arguments': arguments})}\n</tool_call>"
    raise ValueError(f"unknown style {style!r}")


def _scripted_text(item: Any) -> str:
    """A scripted answer's text: a string as it is, a ``g4f.testing.Reply``'s content or calls."""
    if isinstance(item, str):
        return item
    calls = getattr(item, "tool_calls", None)
    if calls:
        blocks = []
        for call in calls:
            arguments = call.get("arguments")
            arguments = json.loads(arguments) if isinstance(arguments, str) else arguments
            blocks.append(f"<tool_call>\n{json.dumps({'name': call['name'], 'arguments': arguments})}\n</tool_call>")
        return "\n".join(blocks)
    return str(getattr(item, "content", None) or "")


APP_PAGE = """<!doctype html><html><head><title>Grok</title></head>
<body><h1 id="app">Grok</h1><textarea placeholder="Ask anything"></textarea></body></html>"""


@dataclass
class Recorded:
    """One chat request as the replica received it."""

    path: str
    request_id: str | None
    cookies: dict[str, str]
    payload: dict[str, Any]
    user_agent: str | None
    #: The client's port: the same port on two requests means one reused connection.
    peer_port: int | None = None


@dataclass
class _Turn:
    sender: str
    message: str


@dataclass
class GrokReplica:
    """The replica's state; ``app()`` builds the aiohttp application serving it."""

    valid_sso: set[str] = field(default_factory=lambda: {"sso-" + secrets.token_hex(16)})
    conversations: dict[str, list[_Turn]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    rotate_sso: bool = False
    fault: str | None = None
    slow_delay: float = 0.2
    logins: int = 0
    #: Answers written to their end.
    finished: int = 0
    stall_delay: float = 30.0
    huge_size: int = 10_500_000
    retry_after: float = 2.0
    disconnects: list[str] = field(default_factory=list)
    #: The path and query of every request the replica received (chat API or not).
    paths: list[str] = field(default_factory=list)
    #: The cookies of each image request (``/assets/...``): grok.com's image host wants the login's.
    asset_cookies: list[dict[str, str]] = field(default_factory=list)
    #: Uploaded files: fileMetadataId -> (MIME type, bytes).
    uploads: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    #: Scripted answers, one per chat request (see the module docstring).
    replies: list[Any] = field(default_factory=list)

    @property
    def sso(self) -> str:
        """A currently valid ``sso`` value."""
        return next(iter(self.valid_sso))

    def new_sso(self) -> str:
        value = "sso-" + secrets.token_hex(16)
        self.valid_sso.add(value)
        return value

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._record_path])
        app.router.add_get("/", self.home)
        app.router.add_post("/login", self.login)
        app.router.add_post(f"{API}/new", self.new_conversation)
        app.router.add_post(API + "/{conversation_id}/responses", self.continue_conversation)
        app.router.add_post("/rest/app-chat/upload-file", self.upload_file)
        app.router.add_get("/assets/{path:.*}", self.asset)
        return app

    @web.middleware
    async def _record_path(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.paths.append(request.path_qs)  # every request, whichever route (or none) it reaches
        response: web.StreamResponse = await handler(request)
        return response

    # -- pages --------------------------------------------------------------------------------
    async def home(self, request: web.Request) -> web.Response:
        if request.cookies.get("sso") in self.valid_sso:
            return web.Response(text=APP_PAGE, content_type="text/html")
        return web.Response(text=LOGIN_PAGE, content_type="text/html")

    async def login(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("email") != LOGIN_USER or form.get("password") != LOGIN_PASSWORD:
            return web.Response(status=401, text=LOGIN_PAGE, content_type="text/html")
        self.logins += 1
        response = web.HTTPFound("/")
        response.set_cookie("sso", self.new_sso(), path="/", httponly=True, samesite="Lax", max_age=3600)
        response.set_cookie("sso-rw", "rw-" + secrets.token_hex(8), path="/", httponly=True, max_age=3600)
        raise response

    async def asset(self, request: web.Request) -> web.Response:
        self.asset_cookies.append(dict(request.cookies))
        return web.Response(body=JPEG, content_type="image/jpeg")

    # -- uploads --------------------------------------------------------------------------------
    async def upload_file(self, request: web.Request) -> web.Response:
        if request.cookies.get("sso") not in self.valid_sso:
            return web.json_response({"error": {"code": 16, "message": "Failed to look up session ID.",
                                                "details": []}}, status=403)
        try:
            payload = await request.json()
            name, mime = payload["fileName"], payload["fileMimeType"]
            data = base64.b64decode(payload["content"], validate=True)
        except (ValueError, KeyError, TypeError):
            return web.json_response({"error": {"code": 3, "message": "invalid upload", "details": []}}, status=400)
        if not isinstance(name, str) or not isinstance(mime, str) or not mime.startswith("image/") or not data:
            return web.json_response({"error": {"code": 3, "message": f"unsupported file type {mime!r}",
                                                "details": []}}, status=400)
        file_id = str(uuid.uuid4())
        self.uploads[file_id] = (mime, data)
        return web.json_response({"fileMetadataId": file_id, "fileMimeType": mime, "fileName": name,
                                  "fileUri": f"users/u-1/{file_id}/content", "parsedFileUri": "",
                                  "createTime": "2025-01-01T00:00:00.000000Z", "fileSource": "SELF_UPLOAD_FILE_SOURCE"})

    # -- chat API -------------------------------------------------------------------------------
    async def _check(self, request: web.Request) -> tuple[dict[str, Any], web.Response | None]:
        payload: dict[str, Any] = {}
        try:
            payload = await request.json()
        except ValueError:
            pass
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.requests.append(Recorded(request.path, request.headers.get("x-xai-request-id"),
                                      dict(request.cookies), payload, request.headers.get("user-agent"),
                                      peer[1] if peer else None))
        if request.cookies.get("sso") not in self.valid_sso:
            return payload, web.json_response(
                {"error": {"code": 16, "message": "Failed to look up session ID. [WKE=unauthenticated:invalid-credentials]",
                           "details": []}}, status=403)
        try:
            uuid.UUID(request.headers.get("x-xai-request-id", ""))
        except ValueError:
            return payload, web.json_response(
                {"error": {"code": 3, "message": "missing or invalid x-xai-request-id", "details": []}}, status=400)
        if not isinstance(payload.get("message"), str) or not payload["message"]:
            return payload, web.json_response(
                {"error": {"code": 3, "message": "message must be a non-empty string", "details": []}}, status=400)
        for file_id in payload.get("fileAttachments") or []:
            if file_id not in self.uploads:
                return payload, web.json_response(
                    {"error": {"code": 3, "message": f"file {file_id!r} not found", "details": []}}, status=400)
        for key, known in (("modelName", MODEL_NAMES), ("modeId", MODE_IDS)):
            if key in payload and payload[key] not in known:
                return payload, web.json_response(
                    {"error": {"code": 3, "message": f"invalid {key}: {payload[key]!r}", "details": []}}, status=400)
        return payload, None

    async def new_conversation(self, request: web.Request) -> web.StreamResponse:
        payload, error = await self._check(request)
        if error is not None:
            return error
        conversation_id = str(uuid.uuid4())
        self.conversations[conversation_id] = []
        head = [{"result": {"conversation": {"conversationId": conversation_id, "title": "New conversation",
                                             "starred": False, "temporary": bool(payload.get("temporary"))}}}]
        return await self._answer(request, payload, conversation_id, head, nested=True)

    async def continue_conversation(self, request: web.Request) -> web.StreamResponse:
        payload, error = await self._check(request)
        if error is not None:
            return error
        conversation_id = request.match_info["conversation_id"]
        if conversation_id not in self.conversations:
            return web.json_response({"error": {"code": 5, "message": "Conversation not found", "details": []}},
                                     status=404)
        return await self._answer(request, payload, conversation_id, [], nested=False)

    def _reply(self, conversation_id: str, message: str) -> str:
        if self.replies:
            return _scripted_text(self.replies.pop(0))
        results = TOOL_RESULT.findall(message)
        if results:
            return " ".join(f"The {name or 'tool'} tool returned: {content.strip()}." for name, content in results)
        history = self.conversations[conversation_id]
        earlier = [turn.message for turn in history if turn.sender == "human"]
        reply = f"You said: {message}."
        if earlier:
            reply += f" Turn {len(earlier) + 1}; before that you said: {earlier[-1]}."
        return reply

    def _events(self, payload: dict[str, Any], conversation_id: str, nested: bool) -> list[dict[str, Any]]:
        message = payload["message"]
        response_id = str(uuid.uuid4())

        def wrap(item: dict[str, Any]) -> dict[str, Any]:
            return {"result": {"response": item} if nested else item}

        reply = self._reply(conversation_id, message)
        attached = [self.uploads[file_id] for file_id in payload.get("fileAttachments") or []]
        if attached:
            reply += f" I see {len(attached)} image{'s' if len(attached) > 1 else ''}: " + ", ".join(
                f"{mime}, {len(data)} bytes" for mime, data in attached) + "."
        events = [wrap({"userResponse": {"responseId": str(uuid.uuid4()), "message": message, "sender": "human"},
                        "isThinking": False, "isSoftStop": False, "responseId": response_id})]
        if payload.get("isReasoning"):
            for token in ("Let me think", " about this", " carefully."):
                events.append(wrap({"token": token, "isThinking": True, "isSoftStop": False,
                                    "responseId": response_id, "messageTag": "header"}))
        if payload.get("modeId") == "deepsearch":
            events.append(wrap({"deepSearchStatus": {"phase": "planning", "message": "Planning the research",
                                                     "completed": False}, "responseId": response_id}))
        if payload.get("modeId") == "deepsearch" or "search" in message.lower():
            events += [wrap(line) for line in self._tool_usage(message, response_id)]
        if payload.get("modeId") == "deepsearch":
            events.append(wrap({"deepSearchStatus": {"phase": "searching", "message": "Reading 2 sources",
                                                     "completed": False}, "responseId": response_id}))
            events.append(wrap({"deepSearchStatus": {"phase": "done", "completed": True},
                                "responseId": response_id}))
        images: list[str] = []
        forced = bool((payload.get("toolOverrides") or {}).get("imageGen"))
        if ("draw" in message.lower() or forced) and payload.get("enableImageGeneration"):
            for index in range(int(payload.get("imageGenerationCount", 1))):
                path = f"users/u-1/generated/{response_id}-{index}/image.jpg"
                for progress in (50, 100):
                    events.append(wrap({"streamingImageGenerationResponse": {
                        "imageId": f"{response_id}-{index}", "imageUrl": path, "seq": index,
                        "progress": progress, "imageIndex": index}}))
                images.append(path)
        words = reply.split(" ")
        tokens = [words[0]] + [" " + word for word in words[1:]]
        if "<tool_call>" in reply or "```" in reply or '{"name"' in reply:  # in small pieces, as models stream
            tokens = [reply[start:start + 5] for start in range(0, len(reply), 5)]
        for token in tokens:
            events.append(wrap({"token": token, "isThinking": False, "isSoftStop": False,
                                "responseId": response_id, "messageTag": "final"}))
        events.append(wrap({"finalMetadata": {"followUpSuggestions": [], "feedbackLabels": [], "toolsUsed": {}},
                            "isThinking": False, "isSoftStop": False, "responseId": response_id}))
        events.append(wrap({"modelResponse": {"responseId": response_id, "message": reply, "sender": "ASSISTANT",
                                              "generatedImageUrls": images, "partial": False},
                            "isThinking": False, "isSoftStop": False, "responseId": response_id}))
        if nested:
            events.append({"result": {"title": {"newTitle": " ".join(message.split()[:4]).title()}}})
        self.conversations[conversation_id] += [_Turn("human", message), _Turn("assistant", reply)]
        return events

    @staticmethod
    def _tool_usage(message: str, response_id: str) -> list[dict[str, Any]]:
        """grok.com's lines about its own web search: the card (its markup as a thinking token)
        and the results. Its front end draws them; they are not answer text."""
        card = "card-" + uuid.uuid4().hex[:8]
        query = " ".join(message.split()[:6])
        return [
            {"token": f"<xai:tool_usage_card><xai:tool_name>web_search</xai:tool_name>"
                      f"<xai:tool_args>{query}</xai:tool_args></xai:tool_usage_card>",
             "isThinking": True, "messageTag": "tool_usage_card", "toolUsageCardId": card,
             "toolUsageCard": {"webSearch": {"args": {"query": query}}}, "responseId": response_id},
            {"webSearchResults": {"results": [
                {"url": "https://example.org/lighthouses", "title": "Lighthouses", "preview": "A lighthouse is..."},
                {"url": "https://example.org/keepers", "title": "Keepers", "preview": "Keepers lived..."},
            ]}, "toolUsageCardId": card, "isThinking": True, "messageTag": "raw_function_result",
             "responseId": response_id},
        ]

    def _fault_response(self, fault: str) -> web.Response | None:
        """The answer for an error-status fault, as grok.com (or Cloudflare in front of it) sends it."""
        if fault == "bad_gateway":
            page = ("<!DOCTYPE html><html><head><title>grok.com | 502: Bad gateway</title></head>"
                    "<body><h1>Bad gateway</h1><p>Cloudflare Ray ID: 8e1f2a3b4c5d6e7f</p></body></html>")
            return web.Response(status=502, text=page, content_type="text/html")
        if fault == "wrong_content_type":
            return web.Response(text=LOGIN_PAGE, content_type="text/html")
        errors = {
            "rate_limit": (429, 8, "Too many requests. Please wait a moment and try again."),
            "unauthorized": (401, 16, "Unauthenticated. [WKE=unauthenticated:missing-credentials]"),
            "forbidden": (403, 7, "Access denied. [WKE=permission-denied:blocked]"),
            "not_found": (404, 5, "Not found"),
            "server_error": (500, 13, "Internal error"),
        }
        if fault not in errors:
            return None
        status, code, message = errors[fault]
        headers = {"Retry-After": f"{self.retry_after:g}"} if status == 429 else None
        return web.json_response({"error": {"code": code, "message": message, "details": []}}, status=status,
                                 headers=headers)

    async def _answer(self, request: web.Request, payload: dict[str, Any], conversation_id: str,
                      head: list[dict[str, Any]], nested: bool) -> web.StreamResponse:
        marked = FAULT_MARK.search(payload.get("message", ""))
        if marked:  # a fault for this request alone (concurrent requests, each with its own)
            fault = marked.group(1)
        else:
            fault = self.fault
            if fault != "reset_at_once":  # that one stays until cleared (see the module docstring)
                self.fault = None
        failed = self._fault_response(fault) if fault else None
        if failed is not None:
            return failed
        if fault == "reset_at_once":
            self._drop(request, reset=True)
            return web.Response()
        try:
            return await self._stream(request, payload, conversation_id, head, nested, fault)
        except (ConnectionError, asyncio.CancelledError) as exc:  # the client went away early
            self.disconnects.append(conversation_id)
            if isinstance(exc, asyncio.CancelledError):
                raise
            return web.Response()

    async def _stream(self, request: web.Request, payload: dict[str, Any], conversation_id: str,
                      head: list[dict[str, Any]], nested: bool, fault: str | None) -> web.StreamResponse:
        lines = [json.dumps(item).encode() + b"\n" for item in head + self._events(payload, conversation_id, nested)]
        response = web.StreamResponse(headers={"content-type": "application/json"})
        if self.rotate_sso:
            old = request.cookies.get("sso")
            self.valid_sso.discard(old)
            response.set_cookie("sso", self.new_sso(), path="/", httponly=True, max_age=3600)
        await response.prepare(request)
        middle = len(lines) // 2
        for index, line in enumerate(lines):
            if index == middle and fault == "malformed":
                await response.write(b'{"result": {"response": {"token": "x", \n')
            if index == middle and fault == "error_line":
                await response.write(b'{"error": {"code": 8, "message": "Too many requests", "details": []}}\n')
                break
            if index == middle and fault in ("cut", "reset"):
                await response.write(line[: len(line) // 2])
                self._drop(request, reset=fault == "reset")
                return response
            if index == len(lines) - 2 and fault == "truncated":
                break  # the body ends cleanly, without the modelResponse
            if index == middle and fault == "stall":
                await self._stall(request)
            if index == middle and fault == "huge_line":
                filler = b"a" * (1024 * 1024)
                await response.write(b'{"result": {"response": {"token": "')
                for start in range(0, self.huge_size, len(filler)):
                    await response.write(filler[: min(len(filler), self.huge_size - start)])
                await response.write(b'"}}}\n')
            if index == middle and fault == "invalid_utf8":
                await response.write(b'{"result": {"response": {"token": "\xff\xfe\xc3(", "isThinking": false}}}\n')
            await response.write(line)
            if fault == "slow":
                await asyncio.sleep(self.slow_delay)
        await response.write_eof()
        self.finished += 1
        return response

    async def _stall(self, request: web.Request) -> None:
        """Stay silent for ``stall_delay`` seconds; a client that hangs up meanwhile is a disconnect."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.stall_delay
        while loop.time() < deadline:
            if request.transport is None or request.transport.is_closing():
                raise ConnectionResetError("the client closed the connection during the stall")
            await asyncio.sleep(0.02)

    @staticmethod
    def _drop(request: web.Request, reset: bool) -> None:
        transport = request.transport
        if transport is None:
            return
        if reset:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        else:
            transport.close()


async def serve_grok(serve: Any, monkeypatch: Any, replica: GrokReplica | None = None) -> GrokReplica:
    """Start ``replica`` with the ``serve`` fixture and point Grok's addresses (only) at it."""
    from g4f.Provider.needs_auth.Grok import Grok

    replica = replica or GrokReplica()
    server = await serve(replica.app())
    monkeypatch.setattr(Grok, "url", server.url)
    monkeypatch.setattr(Grok, "conversation_url", f"{server.url}{API}")
    monkeypatch.setattr(Grok, "assets_url", f"{server.url}/assets")
    return replica
