"""HTTP error statuses become typed g4f errors carrying the upstream's own words (never a key)."""

from __future__ import annotations

import json
import time
from email.utils import formatdate

import pytest
from aiohttp import web

from g4f.errors import (
    BadRequestError,
    G4FError,
    MissingAuthError,
    ModelNotFoundError,
    PaymentRequiredError,
    RateLimitError,
    ResponseStatusError,
)
from g4f.requests import StreamSession, error_for_status, get_session, parse_retry_after, raise_for_status
from g4f.secrets import register_secret

KEY = "gsk_status_test_key_5f4e3d2c1b"


def openai_error(message: str, type_: str = "invalid_request_error", code: str | None = None) -> bytes:
    return json.dumps({"error": {"message": message, "type": type_, "code": code}}).encode()


CDN_PAGE = b"""<!DOCTYPE html>
<html><head><title>502 Bad Gateway</title><style>body{font-family:sans-serif}</style></head>
<body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center>
""" + b"<!-- padding -->" * 500 + b"</body></html>"

# status, headers, body, error type, words the message must hold
CASES = [
    (400, {}, openai_error("'messages' must be a list"), BadRequestError, ["HTTP 400", "'messages' must be a list"]),
    (401, {}, openai_error(f"Invalid API Key {KEY}", code="invalid_api_key"), MissingAuthError,
     ["HTTP 401", "Invalid API Key"]),
    (402, {}, openai_error("Insufficient credits"), PaymentRequiredError, ["HTTP 402", "Insufficient credits"]),
    (403, {}, b'{"error": "Forbidden: cookies expired"}', MissingAuthError, ["HTTP 403", "cookies expired"]),
    (404, {}, openai_error("The model `llama-9` does not exist or you do not have access to it.",
                           code="model_not_found"), ModelNotFoundError, ["HTTP 404", "llama-9"]),
    (413, {}, openai_error("Request Entity Too Large"), BadRequestError, ["HTTP 413", "Too Large"]),
    (422, {}, openai_error("temperature must be <= 2"), BadRequestError, ["HTTP 422", "temperature"]),
    (429, {"retry-after": "7"}, openai_error("Rate limit reached for model", "tokens", "rate_limit_exceeded"),
     RateLimitError, ["HTTP 429", "Rate limit reached", "7"]),
    (498, {}, openai_error("Flex tier capacity exceeded", "capacity_exceeded"), RateLimitError,
     ["HTTP 498", "capacity exceeded"]),
    (500, {}, openai_error("Internal server error", "internal_server_error"), ResponseStatusError,
     ["HTTP 500", "Internal server error"]),
    (502, {"content-type": "text/html"}, CDN_PAGE, ResponseStatusError, ["HTTP 502", "502 Bad Gateway"]),
    (503, {}, b"upstream connect error", ResponseStatusError, ["HTTP 503", "upstream connect error"]),
]


@pytest.mark.parametrize(("status", "headers", "body", "error_type", "words"), CASES, ids=[c[0] for c in CASES])
def test_error_for_status(status, headers, body, error_type, words):
    register_secret(KEY)
    error = error_for_status(status, headers, body, provider="Groq")
    assert type(error) is error_type
    assert error.status == status
    assert error.provider == "Groq"
    text = str(error)
    assert text.startswith("Groq: ")
    for word in words:
        assert word.lower() in text.lower()
    assert KEY not in text and KEY not in repr(error)
    assert len(text) < 500  # an HTML page is named by its title, not dumped


def test_rate_limit_carries_retry_after():
    error = error_for_status(429, {"Retry-After": "20"}, b"", provider="Groq")
    assert isinstance(error, RateLimitError) and error.retry_after == 20.0
    assert error_for_status(429, {}, b"").retry_after is None


def test_404_without_a_model_message_is_a_status_error():
    error = error_for_status(404, {}, b'{"error": {"message": "Unknown request URL: /v1/chat"}}')
    assert type(error) is ResponseStatusError and error.status == 404


def test_404_model_names_the_requested_model():
    error = error_for_status(404, {}, openai_error("model not found", code="model_not_found"), model="llama-9")
    assert isinstance(error, ModelNotFoundError) and "llama-9" in str(error)


def test_all_are_g4f_errors():
    for status in (400, 401, 402, 403, 404, 405, 409, 413, 422, 429, 451, 498, 500, 502, 503, 504, 520):
        assert isinstance(error_for_status(status), G4FError)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "12"}, 12.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after": "-3"}, 0.0),
        ({"retry-after": "soon"}, None),
        ({"x-ratelimit-reset-requests": "2m59.56s"}, 179.56),
        ({"x-ratelimit-reset-tokens": "7.66s"}, 7.66),
        ({"x-ratelimit-reset-tokens": "120ms"}, 0.12),
        ({}, None),
    ],
)
def test_parse_retry_after_seconds(headers, expected):
    if expected is None:
        assert parse_retry_after(headers) is None
    else:
        assert parse_retry_after(headers) == pytest.approx(expected)


def test_parse_retry_after_http_date():
    now = time.time()
    assert parse_retry_after({"retry-after": formatdate(now + 30, usegmt=True)}, now=now) == pytest.approx(30, abs=1)
    assert parse_retry_after({"retry-after": formatdate(now - 30, usegmt=True)}, now=now) == 0.0


def status_app() -> web.Application:
    async def handler(request: web.Request) -> web.StreamResponse:
        status, headers, body, _, _ = CASES[int(request.match_info["index"])]
        response = web.StreamResponse(status=status, headers=headers)
        response.enable_chunked_encoding()  # the body arrives in pieces, as from a real CDN
        await response.prepare(request)
        for start in range(0, len(body), 100):
            await response.write(body[start : start + 100])
        await response.write_eof()
        return response

    async def ok(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/status/{index}", handler)
    app.router.add_post("/ok", ok)
    return app


@pytest.mark.parametrize(("index", "case"), list(enumerate(CASES)), ids=[c[0] for c in CASES])
async def test_raise_for_status_over_aiohttp(serve, index, case):
    status, _, _, error_type, words = case
    register_secret(KEY)
    server = await serve(status_app())
    session = await get_session()
    async with session.post(f"{server.url}/status/{index}") as response:
        with pytest.raises(error_type) as caught:
            await raise_for_status(response, provider="Groq")
    assert caught.value.status == status
    for word in words:
        assert word.lower() in str(caught.value).lower()
    assert KEY not in str(caught.value)
    async with session.post(f"{server.url}/ok") as response:
        await raise_for_status(response, provider="Groq")  # no error below 400
        assert (await response.json()) == {"ok": True}


@pytest.mark.parametrize("index", [1, 7, 10], ids=["401", "429", "502-html"])
async def test_raise_for_status_over_curl_cffi(serve, index):
    status, _, _, error_type, words = CASES[index]
    register_secret(KEY)
    server = await serve(status_app())
    url = f"{server.url}/status/{index}"
    async with StreamSession(provider="Grok") as session, session.post(url) as response:
        with pytest.raises(error_type) as caught:
            await raise_for_status(response, provider="Grok")
    assert caught.value.status == status
    for word in words:
        assert word.lower() in str(caught.value).lower()
    assert KEY not in str(caught.value)
    if status == 429:
        assert caught.value.retry_after == 7.0
