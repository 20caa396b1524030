"""The error hierarchy: what callers catch, the fields they read, and messages free of secrets."""

from __future__ import annotations

import asyncio
import builtins
import pickle

import pytest

from g4f import errors
from g4f.errors import (
    BadRequestError,
    G4FError,
    MissingAuthError,
    MissingRequirementsError,
    ModelNotFoundError,
    NestAsyncioError,
    NetworkError,
    NoValidHarFileError,
    PaymentRequiredError,
    ProviderNotFoundError,
    ProviderNotWorkingError,
    RateLimitError,
    ResponseError,
    ResponseStatusError,
    RetryProviderError,
    TimeoutError,
    VersionNotFoundError,
)
from g4f.secrets import register_secret

SECRET = "sk-test-sentinel-0f9e8d7c6b5a"

# (error, its parents besides G4FError) as drawn in errors.py's docstring and DESIGN.md.
HIERARCHY = [
    (MissingAuthError, ()),
    (MissingRequirementsError, (ImportError,)),
    (ModelNotFoundError, ()),
    (ProviderNotFoundError, ()),
    (ProviderNotWorkingError, ()),
    (ResponseStatusError, ()),
    (BadRequestError, (ResponseStatusError,)),
    (PaymentRequiredError, (ResponseStatusError,)),
    (RateLimitError, (ResponseStatusError,)),
    (ResponseError, ()),
    (NetworkError, (builtins.ConnectionError,)),
    (TimeoutError, (builtins.TimeoutError, asyncio.TimeoutError)),
    (NestAsyncioError, (RuntimeError,)),
    (RetryProviderError, ()),
    (NoValidHarFileError, ()),
    (VersionNotFoundError, ()),
    # gpt4free's names
    (errors.StreamNotSupportedError, (BadRequestError,)),
    (errors.ModelNotAllowedError, (BadRequestError,)),
    (errors.CloudflareError, (ResponseStatusError,)),
    (errors.ConversationLimitError, (ResponseError,)),
    (errors.NoMediaResponseError, (ResponseError,)),
    (errors.RetryNoProviderError, (RetryProviderError,)),
    (errors.ProviderException, ()),
]


@pytest.mark.parametrize(("error", "parents"), HIERARCHY, ids=lambda value: getattr(value, "__name__", ""))
def test_hierarchy(error, parents):
    assert issubclass(error, G4FError)
    for parent in parents:
        assert issubclass(error, parent)
    assert error.__doc__ and error.__doc__.startswith("Raised ")


def test_every_error_is_in_the_hierarchy_and_the_docstring_tree():
    exported = {name for name in errors.__all__ if name != "G4FError"}
    assert exported == {error.__name__ for error, _ in HIERARCHY}
    for name in exported:
        assert f"── {name}" in errors.__doc__


def test_status_errors_are_not_auth_errors():
    # A caller catching MissingAuthError to re-login must not catch a 429 or a 500.
    for error in (RateLimitError, BadRequestError, PaymentRequiredError, ResponseStatusError):
        assert not issubclass(error, MissingAuthError)


def test_g4f_timeout_is_caught_as_the_builtin_one():
    with pytest.raises(builtins.TimeoutError):
        raise TimeoutError("read timed out", provider="Groq")


def test_fields():
    error = RateLimitError("slow down", provider="Groq", retry_after=2.5)
    assert (error.provider, error.status, error.retry_after) == ("Groq", 429, 2.5)
    assert RateLimitError("x").retry_after is None
    error = ResponseStatusError("bad gateway", provider="Groq", status=502)
    assert (error.provider, error.status) == ("Groq", 502)
    assert MissingAuthError("no key").provider is None
    assert MissingAuthError("bad key", provider="Grok", status=403).status == 403


def test_message_names_the_provider_once():
    error = MissingAuthError("HTTP 401: invalid key", provider="Groq")
    assert str(error) == "Groq: HTTP 401: invalid key"
    assert str(MissingAuthError(str(error), provider="Groq")) == "Groq: HTTP 401: invalid key"
    assert str(ProviderNotWorkingError(provider="Grok")) == "Grok"


def test_retry_provider_error_lists_each_provider():
    error = RetryProviderError(
        "every provider failed",
        {"Groq": RateLimitError("Groq: too many requests", provider="Groq"), "Grok": MissingAuthError("no sso")},
    )
    text = str(error)
    assert "every provider failed" in text
    assert "Groq: RateLimitError: too many requests" in text
    assert "Grok: MissingAuthError: no sso" in text
    assert list(error.exceptions) == ["Groq", "Grok"]
    assert isinstance(error.exceptions["Groq"], RateLimitError)


def test_secrets_never_in_str_or_repr():
    register_secret(SECRET)
    cases = [
        MissingAuthError(f"Incorrect API key provided: {SECRET}", provider="Groq", status=401),
        RateLimitError(f"key {SECRET} is rate limited", provider="Groq", retry_after=1),
        ResponseError(f"bad line: {{'api_key': '{SECRET}'}}"),
        RetryProviderError("all failed", [("Groq", MissingAuthError(f"bad key {SECRET}"))]),
    ]
    for error in cases:
        assert SECRET not in str(error)
        assert SECRET not in repr(error)
        assert SECRET not in error.message
        assert "***" in str(error)


def test_secret_containing_another_is_masked_whole():
    register_secret("cookie-abcdef")
    register_secret("cookie-abcdef-longer-value")
    assert str(G4FError("got cookie-abcdef-longer-value")) == "got ***"


def test_secret_registered_after_the_error_is_masked_too():
    error = MissingAuthError("Incorrect API key provided: gsk_registered_late_123", provider="Groq")
    register_secret("gsk_registered_late_123")
    assert "gsk_registered_late_123" not in str(error)
    assert "gsk_registered_late_123" not in repr(error)


def test_short_values_are_not_treated_as_secrets():
    register_secret("on")  # redacting "on" would mangle every message
    assert str(G4FError("connection refused")) == "connection refused"


@pytest.mark.parametrize(
    "error",
    [
        MissingAuthError("bad key", provider="Groq", status=401),
        RateLimitError("slow down", provider="Groq", retry_after=3.0),
        ResponseStatusError("boom", provider="Groq", status=500),
        BadRequestError("too large", provider="Groq", status=413),
        NetworkError("refused", provider="Groq"),
        TimeoutError("stalled", provider="Grok"),
        RetryProviderError("all failed", {"Groq": ResponseError("cut", provider="Groq")}),
        MissingRequirementsError('pip install "g4f[browser]"'),
    ],
    ids=lambda error: type(error).__name__,
)
def test_pickling_keeps_type_message_and_fields(error):
    # Errors cross process boundaries (multiprocessing, worker pools) with their fields intact.
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.provider == error.provider
    assert copy.status == error.status
    assert getattr(copy, "retry_after", None) == getattr(error, "retry_after", None)
    if isinstance(error, RetryProviderError):
        assert list(copy.exceptions) == ["Groq"]
        assert str(copy.exceptions["Groq"]) == "Groq: cut"


# -- transport errors: backend exceptions never escape unmapped ------------------------------


def _exception_classes(module) -> list[type[BaseException]]:
    return [
        value for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Exception) and not issubclass(value, Warning)
        and value.__module__.startswith(module.__name__.split(".")[0])
    ]


def _bare(cls: type[BaseException]) -> BaseException:
    # An instance without running __init__: the mapping must not depend on how it was built.
    return cls.__new__(cls)


@pytest.mark.parametrize("module_name", ["aiohttp.client_exceptions", "aiohttp.http_exceptions",
                                         "curl_cffi.requests.exceptions", "curl_cffi.curl"])
def test_no_backend_exception_is_unmapped(module_name):
    import importlib

    from g4f.requests.transport import map_transport_error

    classes = _exception_classes(importlib.import_module(module_name))
    assert classes
    for cls in classes:
        mapped = map_transport_error(_bare(cls), provider="Groq")
        assert isinstance(mapped, G4FError), cls
        assert mapped.provider == "Groq"


def test_mapping_picks_the_most_specific_error():
    import aiohttp
    from curl_cffi.requests import exceptions as curl

    from g4f.requests.transport import map_transport_error

    assert isinstance(map_transport_error(aiohttp.SocketTimeoutError("read")), TimeoutError)
    assert isinstance(map_transport_error(aiohttp.ConnectionTimeoutError("connect")), TimeoutError)
    assert isinstance(map_transport_error(aiohttp.ClientPayloadError("cut")), ResponseError)
    assert isinstance(map_transport_error(aiohttp.ServerDisconnectedError()), NetworkError)
    assert isinstance(map_transport_error(curl.ReadTimeout("slow", 28)), TimeoutError)
    assert isinstance(map_transport_error(curl.ConnectTimeout("slow")), TimeoutError)
    assert isinstance(map_transport_error(curl.IncompleteRead("cut", 18)), ResponseError)
    assert isinstance(map_transport_error(curl.ConnectionError("refused", 7)), NetworkError)
    assert isinstance(map_transport_error(ConnectionResetError("reset")), NetworkError)
    assert map_transport_error(ValueError("not a transport error")) is None
    assert map_transport_error(MissingAuthError("already mapped")) is None


async def test_connection_refused_is_a_network_error(closed_port):
    from g4f.requests import StreamSession, get_session, map_transport_errors

    session = await get_session()
    with pytest.raises(NetworkError, match="^Groq: ") as caught:
        async with map_transport_errors("Groq"), session.get(f"http://127.0.0.1:{closed_port}/"):
            pass
    assert caught.value.__cause__ is not None  # chained: the backend's error stays inspectable
    with pytest.raises(NetworkError, match="^Grok: "):
        async with StreamSession(provider="Grok") as curl_session, curl_session.get(f"http://127.0.0.1:{closed_port}/"):
            pass


@pytest.fixture
def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stalling_app(release: asyncio.Event):
    from aiohttp import web

    async def handler(request):
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(b'data: {"a": 1}\n\n')
        try:
            await asyncio.wait_for(release.wait(), 10)
        except asyncio.TimeoutError:
            pass
        return response

    app = web.Application()
    app.router.add_get("/", handler)
    return app


async def test_read_stall_is_a_g4f_timeout(serve):
    from g4f.requests import get_session, make_timeout, map_transport_errors, sse_stream

    release = asyncio.Event()
    server = await serve(_stalling_app(release))
    session = await get_session()
    received = []
    try:
        with pytest.raises(TimeoutError, match="^Groq: timed out"):
            async with map_transport_errors("Groq"), session.get(
                server.url, timeout=make_timeout(read=1.0)
            ) as response:
                async for event in sse_stream(response, "Groq"):
                    received.append(event)
    finally:
        release.set()
    assert received == [{"a": 1}]


async def test_read_stall_over_curl_cffi_is_a_g4f_timeout(serve):
    from g4f.requests import StreamSession, sse_stream

    release = asyncio.Event()
    server = await serve(_stalling_app(release))
    with pytest.raises(TimeoutError, match="^Grok: "):
        async with StreamSession(provider="Grok", timeout=1) as session, session.get(server.url) as response:
            try:
                async for _ in sse_stream(response, "Grok"):
                    pass
            finally:
                release.set()  # let the server finish, so closing the transfer is quick


async def test_cut_body_read_whole_is_a_response_error(serve):
    from aiohttp import web

    from g4f.requests import get_session, map_transport_errors

    async def handler(request):
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b"partial")
        request.transport.close()
        raise asyncio.CancelledError

    app = web.Application()
    app.router.add_get("/", handler)
    server = await serve(app)
    session = await get_session()
    with pytest.raises(ResponseError, match="cut short"):
        async with map_transport_errors("Groq"), session.get(server.url) as response:
            await response.read()


def test_log_records_are_redacted(caplog):
    import logging

    register_secret("sk-logged-secret-value-42")
    with caplog.at_level(logging.DEBUG, logger="g4f"):
        logging.getLogger("g4f").warning("upstream said: %s", "bad key sk-logged-secret-value-42")
    assert "sk-logged-secret-value-42" not in caplog.text
    assert "bad key ***" in caplog.text


def test_api_keys_read_by_a_provider_are_masked(monkeypatch):
    from g4f.providers.types import BaseProvider

    class Keyed(BaseProvider):
        api_key_env = "KEYED_API_KEY"

    monkeypatch.setenv("KEYED_API_KEY", "env-key-0a1b2c3d4e")
    assert Keyed.get_api_key() == "env-key-0a1b2c3d4e"
    assert Keyed.get_api_key("arg-key-5f6a7b8c9d") == "arg-key-5f6a7b8c9d"
    error = MissingAuthError("upstream rejected env-key-0a1b2c3d4e and arg-key-5f6a7b8c9d", provider="Keyed")
    assert "env-key" not in str(error) and "arg-key" not in str(error)


def test_logged_tracebacks_are_redacted(caplog):
    import logging

    register_secret("tb-secret-value-77")
    try:
        raise ValueError("backend said tb-secret-value-77")
    except ValueError:
        with caplog.at_level(logging.ERROR, logger="g4f"):
            logging.getLogger("g4f").exception("request failed")
    assert "tb-secret-value-77" not in caplog.text
    assert "ValueError: backend said ***" in caplog.text
