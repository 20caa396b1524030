"""The HTTP connection handler: a malformed request is refused without quoting it back.

aiohttp answers a request its parser rejects (a header line without a colon, a control byte in
a value, a line too long) with a 400 whose text body quotes the offending line, and logs that
line with a traceback on ``aiohttp.server``. The line is often the ``Authorization`` header: its
key would be sent back and written to the log in full. Here such a request gets an OpenAI-shaped
400 that names only the kind of problem, and a debug line that names only its class.

Use :class:`AppRunner` in place of ``aiohttp.web.AppRunner`` to serve an application with it.
"""

from __future__ import annotations

import logging

from aiohttp import http_exceptions, web
from aiohttp.web_protocol import RequestHandler as _RequestHandler

from ..requests.jsonlib import dumps
from .errors import ApiError

__all__ = ["AppRunner", "RequestHandler", "describe_http_error"]

logger = logging.getLogger("g4f")

# Most specific first (BadHttpMethod is a BadStatusLine); looked up by name, as older aiohttp
# releases lack some of them.
_KINDS = tuple(
    (kind, description)
    for name, description in (
        ("LineTooLong", "a line of its head is longer than the server accepts"),
        ("InvalidHeader", "a header is malformed"),
        ("BadHttpMethod", "its method is not valid"),
        ("BadStatusLine", "its request line is malformed"),
        ("InvalidURLError", "its URL is not valid"),
        ("ContentLengthError", "its Content-Length does not match its body"),
        ("TransferEncodingError", "its chunked body is malformed"),
        ("ContentEncodingError", "its Content-Encoding cannot be decoded"),
    )
    if isinstance(kind := getattr(http_exceptions, name, None), type)
)


def describe_http_error(exc: BaseException | None) -> str:
    """What is wrong with a request aiohttp could not parse, without a byte of the request."""
    for kind, description in _KINDS:
        if isinstance(exc, kind):
            return description
    if isinstance(exc, http_exceptions.BadHttpMessage):
        text = str(exc).lower()  # matched, never shown
        if "header" in text:
            return "a header is malformed"
    return "it is malformed"


class RequestHandler(_RequestHandler):
    """aiohttp's connection handler with error answers that quote nothing of the request."""

    def handle_error(self, request: web.BaseRequest, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        if status >= 500:
            # An error of the server itself: logged with its traceback (secrets are redacted by
            # the filter on aiohttp's loggers), answered without details.
            self.log_exception("Error handling request from %s", request.remote, exc_info=exc)
            error = ApiError(status, "internal server error", "server_error", "internal_error")
        else:
            logger.debug("g4f api: refused a malformed request from %s (%s)", request.remote,
                         type(exc).__name__ if exc is not None else status)
            error = ApiError(status, f"the request is not valid HTTP: {describe_http_error(exc)}",
                             "invalid_request_error", "malformed_request")
        if request.writer.output_size > 0:
            raise ConnectionError("Response is sent already, cannot send another response with the error message")
        response = web.Response(status=status, body=dumps(error.body()), content_type="application/json")
        response.force_close()
        return response


class _Server(web.Server):
    def __call__(self) -> _RequestHandler:
        return RequestHandler(self, loop=self._loop, **self._kwargs)


class AppRunner(web.AppRunner):
    """``aiohttp.web.AppRunner`` whose connections are handled by :class:`RequestHandler`."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        # The server aiohttp made, with every setting it was given; only its connection handler
        # class differs (aiohttp offers no argument for it).
        server.__class__ = _Server
        return server
