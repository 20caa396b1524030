"""The provider test kit: check_provider passes a sound provider and catches each broken rule."""

from __future__ import annotations

import os
import sys
import textwrap
from typing import Any, ClassVar

import pytest

from g4f.errors import BadRequestError, MissingAuthError, ResponseError
from g4f.providers.base_provider import AsyncGeneratorProvider, ProviderModelMixin
from g4f.providers.types import BaseProvider
from g4f.secrets import register_secret
from g4f.testing import ContractError, ErrorCase, Fault, OpenAIReplica, Reply, check_provider

pytest_plugins = ["pytester"]

MESSAGES = [{"role": "user", "content": "ping"}]


class Mini(AsyncGeneratorProvider, ProviderModelMixin):
    """A hand-written OpenAI-compatible provider, the way a plugin author might write one."""

    label = "Mini"
    url = "https://mini.example"
    login_url = "https://mini.example/keys"
    working = True
    needs_auth = True
    api_key_env = "MINI_API_KEY"
    default_model = "replica-model"
    models: ClassVar[list[str]] = ["replica-model"]
    model_aliases: ClassVar[dict[str, str]] = {"mini": "replica-model"}
    accepts_unknown_models = True
    #: Switches the broken variants below turn on.
    register_key = True
    require_done = True

    @classmethod
    async def create_async_generator(cls, model, messages, stream=True, api_key=None, base_url=None, **kwargs):
        from g4f.requests import get_session, map_transport_errors, sse_stream
        from g4f.requests.jsonlib import loads

        name = cls.get_name()
        api_key = cls.get_api_key(api_key)
        if api_key is None:
            raise MissingAuthError(cls.credential_hint(), provider=name)
        body = {"model": cls.get_model(model), "messages": messages, "stream": stream}
        session = await get_session()
        async with map_transport_errors(name), session.post(
            f"{base_url}/chat/completions", json=body, headers={"Authorization": f"Bearer {api_key}"}
        ) as response:
            await cls.check_status(response, api_key, model)
            if stream:
                async for chunk in sse_stream(response, name, require_done=cls.require_done):
                    for item in cls.items_of(chunk):
                        yield item
            else:
                raw = await response.read()
                try:
                    data = loads(raw)
                except ValueError:
                    raise ResponseError("the answer is not complete JSON", provider=name) from None
                yield data["choices"][0]["message"]["content"]

    @classmethod
    def get_api_key(cls, api_key: str | None = None) -> str | None:
        # A hand-written lookup (BaseProvider.get_api_key registers the key as a secret; a plugin
        # that reads its key itself and forgets to is what the kit must catch).
        key = api_key or os.environ.get(cls.api_key_env) or None
        if key and cls.register_key:
            register_secret(key)
        return key

    @classmethod
    async def check_status(cls, response: Any, api_key: str, model: str) -> None:
        from g4f.requests import raise_for_status

        await raise_for_status(response, cls.get_name(), model)

    @classmethod
    def items_of(cls, chunk: dict) -> list[Any]:
        return [c["delta"]["content"] for c in chunk.get("choices", []) if c.get("delta", {}).get("content")]


EXPECTED = "You said: ping"


@pytest.fixture
async def replica():
    async with OpenAIReplica(api_key="sk-kit-test-key-123456", models=["replica-model"]) as replica:
        yield replica


async def test_a_sound_provider_passes_every_check(replica):
    report = await check_provider(Mini, replica=replica, messages=MESSAGES, expected_text=EXPECTED,
                                  check_imports=False)
    assert not report.failures
    for name in ("flags are booleans", "aliases resolve to their targets", "streams only text and events",
                 "the sync API streams the expected answer", "refused key raises MissingAuthError",
                 "rate limit raises RateLimitError", "stream cut short raises ResponseError",
                 "connection reset raises NetworkError", "refused key: no secret in the error",
                 "no secret in log records"):
        assert name in report.passed, name
    assert replica.chat_requests[0].bearer == "sk-kit-test-key-123456"


async def contract_failures(provider: type[BaseProvider], replica: OpenAIReplica, **kwargs: Any) -> list[str]:
    with pytest.raises(ContractError) as info:
        await check_provider(provider, replica=replica, messages=MESSAGES, check_imports=False,
                             check_sync=False, **kwargs)
    assert info.value.report.failures == [line[4:] for line in str(info.value).splitlines()[1:]]
    return info.value.report.failures


async def test_a_key_in_an_error_message_is_caught(replica):
    class Leaky(Mini):
        register_key = False

        @classmethod
        async def check_status(cls, response, api_key, model):
            if response.status == 401:  # g4f's errors mask registered keys, but not the cause's text
                cause = RuntimeError(f"the key {api_key} was refused")
                raise MissingAuthError("refused", provider=cls.get_name()) from cause
            await super().check_status(response, api_key, model)

    failures = await contract_failures(Leaky, replica)
    assert failures == ["refused key: no secret in the error: a credential appears in its cause #1 (RuntimeError)"]


async def test_untyped_errors_are_caught(replica):
    class Untyped(Mini):
        @classmethod
        async def check_status(cls, response, api_key, model):
            if response.status != 200:
                raise Exception(f"Error {response.status}: {await response.text()}")  # noqa: TRY002

    failures = await contract_failures(Untyped, replica)
    assert failures[0].startswith("refused key raises MissingAuthError: raised Exception: Error 401: {")
    assert any(f.startswith("rate limit raises RateLimitError: raised Exception: Error 429") for f in failures)


async def test_a_stream_cut_short_that_passes_as_an_answer_is_caught(replica):
    class Lenient(Mini):
        require_done = False

    failures = await contract_failures(Lenient, replica)
    assert len(failures) == 1
    assert failures[0].startswith("stream cut short raises ResponseError: answered instead: ['You ")


async def test_items_that_are_neither_text_nor_events_are_caught(replica):
    class Raw(Mini):
        @classmethod
        def items_of(cls, chunk):
            return [chunk]  # the parsed JSON itself

    failures = await contract_failures(Raw, replica)
    assert failures[0].startswith("streams only text and events: also yielded dict")
    assert failures[1].startswith("a streamed answer has text")


async def test_bad_declarations_are_caught(replica):
    class Sloppy(Mini):
        url = "mini.example"
        working = "yes"
        api_key_env = "mini key"
        default_model = ""
        model_aliases: ClassVar[dict[str, str]] = {"mini": "replica-model", "old": "retired-model"}

        @classmethod
        def get_model(cls, model, **kwargs):
            return "replica-model" if model == "old" else super().get_model(model)

    failures = await contract_failures(Sloppy, replica, model="replica-model", expected_text=EXPECTED)
    assert failures[:4] == [
        "url is an http(s) URL or None: 'mini.example'",
        "flags are booleans: working='yes'",
        "api_key_env is an environment variable name: 'mini key'",
        "has a default model that it lists: default_model=''",
    ]
    assert failures[4].startswith('model "" resolves to the default: get_model(\'\') is ModelNotFoundError(')
    assert failures[5] == "aliases resolve to their targets: 'old' -> 'replica-model' (declared 'retired-model')"
    assert len(failures) == 6


async def test_a_wrong_answer_is_caught(replica):
    replica.default_reply = Reply(content="something else entirely", times=0)
    failures = await contract_failures(Mini, replica, expected_text=EXPECTED)
    assert failures[0] == "the streamed text is the expected answer: 'something else entirely' != 'You said: ping'"
    assert failures[1].startswith("create_async returns the expected answer")


async def test_a_secret_in_the_logs_is_caught(replica):
    class Chatty(Mini):
        register_key = False

        @classmethod
        async def check_status(cls, response, api_key, model):
            import logging

            logging.getLogger("g4f.chatty").debug("calling with %s", api_key)
            await super().check_status(response, api_key, model)

    failures = await contract_failures(Chatty, replica)
    assert failures[-1].startswith("no secret in log records:")


async def test_error_cases_of_your_own(replica):
    too_long = Fault.http(413, "Request too large for model", times=0)
    met = ErrorCase("prompt too long", BadRequestError, arrange=lambda: replica.faults.append(too_long),
                    cleanup=lambda: replica.faults.remove(too_long), kwargs={"temperature": 0.5})
    unmet = ErrorCase("nothing arranged", ResponseError)
    failures = await contract_failures(Mini, replica, error_cases=[met, unmet])
    assert failures == ["nothing arranged raises ResponseError: answered instead: ['You ', 'said: ', 'ping']"]
    assert replica.faults == []

    report = await check_provider(Mini, replica=replica, messages=MESSAGES, error_cases=[met], check_imports=False)
    assert "prompt too long raises BadRequestError" in report.passed
    assert "prompt too long: the error names the provider" in report.passed


def test_a_provider_module_that_imports_aiohttp_at_import_time_is_caught(tmp_path, monkeypatch):
    (tmp_path / "heavy_provider.py").write_text(textwrap.dedent("""
        import aiohttp  # at module level: every `import g4f.Provider.X` would pay for it
        from g4f.providers.base_provider import AsyncGeneratorProvider

        class Heavy(AsyncGeneratorProvider):
            working = True

            @classmethod
            async def create_async_generator(cls, model, messages, stream=True, **kwargs):
                yield "heavy"
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    from heavy_provider import Heavy

    try:
        with pytest.raises(ContractError, match="heavy_provider imports aiohttp at module level"):
            import asyncio

            asyncio.run(check_provider(Heavy, model="any", check_sync=False))
    finally:
        sys.modules.pop("heavy_provider", None)


def test_a_non_provider_is_refused_at_once():
    import asyncio

    with pytest.raises(ContractError, match="is a provider class"):
        asyncio.run(check_provider(dict))  # type: ignore[arg-type]


PLUGIN_AUTHOR_TESTS = '''
import os
import socket

import aiohttp
import pytest
from aiohttp import web

from g4f.testing import GROQ, OpenAIReplica

FIRST = {}


async def test_openai_replica_serves_the_openai_api(openai_replica):
    assert isinstance(openai_replica, OpenAIReplica)
    assert openai_replica.base_url.startswith("http://127.0.0.1:")
    async with aiohttp.ClientSession() as session:
        async with session.get(openai_replica.base_url + "/models",
                               headers={"Authorization": f"Bearer {openai_replica.api_key}"}) as response:
            assert response.status == 200
            assert [m["id"] for m in (await response.json())["data"]] == ["replica-model"]
    FIRST["port"] = int(openai_replica.url.rsplit(":", 1)[1])


def test_the_replica_is_closed_after_its_test():
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", FIRST["port"]), timeout=5).close()


@pytest.mark.openai_replica(flavour=GROQ, api_key=None, models=["tiny"])
async def test_a_marker_configures_the_replica(openai_replica):
    assert openai_replica.base_url.endswith("/openai/v1")
    assert openai_replica.api_key is None and list(openai_replica.models) == ["tiny"]


async def test_the_factory_starts_several(openai_replica_factory):
    one = await openai_replica_factory(models=["a"])
    two = await openai_replica_factory(models=["b"])
    assert one.url != two.url


async def test_local_server_serves_your_own_replica(local_server):
    async def hello(request):
        return web.json_response({"hello": "world"})

    app = web.Application()
    app.router.add_get("/hello", hello)
    server = await local_server(app)
    async with aiohttp.ClientSession() as session:
        async with session.get(server.url + "/hello") as response:
            assert await response.json() == {"hello": "world"}


def test_credentials_and_config_are_isolated(g4f_isolated):
    assert os.environ["G4F_CONFIG_DIR"] == g4f_isolated
    assert "GROQ_API_KEY" not in os.environ and "ACME_API_KEY" not in os.environ
    assert os.listdir(g4f_isolated) == []
'''


def test_the_fixtures_work_in_a_plugin_authors_project(pytester, monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", "gsk_a_real_key_of_the_developer")
    monkeypatch.setenv("ACME_API_KEY", "acme-real-key-of-the-developer")
    pytester.makeconftest('pytest_plugins = ["g4f.testing.fixtures"]\n')
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        "filterwarnings = error\n")
    pytester.makepyfile(test_acme=PLUGIN_AUTHOR_TESTS)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)


# -- our own providers meet the contract ---------------------------------------------------------
async def test_groq_meets_the_contract_against_its_replica():
    from g4f.Provider import Groq
    from tests.replicas.groq import GroqReplica

    async with GroqReplica() as replica:
        report = await check_provider(Groq, replica=replica, model="llama-3.3-70b-versatile",
                                      messages=MESSAGES, expected_text=EXPECTED)
    assert "connection reset raises NetworkError" in report.passed  # after Groq's own retries
    assert "importing the module loads no HTTP or browser library" in report.passed


@pytest.mark.parametrize("name", ["xAI", "OpenAI", "OpenRouter", "Ollama", "LocalOpenAI"])
async def test_each_openai_compatible_declaration_meets_the_contract(name):
    from g4f.providers.registry import get_provider

    provider = get_provider(name)
    api_key = "sk-declared-provider-key-0042" if provider.needs_auth else None
    async with OpenAIReplica(api_key=api_key, models=[provider.default_model]) as replica:
        report = await check_provider(provider, replica=replica, messages=MESSAGES, expected_text=EXPECTED,
                                      max_retries=0)
    assert ("refused key raises MissingAuthError" in report.passed) is provider.needs_auth


async def test_grok_meets_the_contract_against_its_replica(serve, monkeypatch):
    from g4f.errors import MissingAuthError
    from g4f.Provider import Grok
    from tests.replicas.grok import serve_grok

    replica = await serve_grok(serve, monkeypatch)

    def fault(kind: str) -> dict[str, Any]:
        return {"arrange": lambda: setattr(replica, "fault", kind), "cleanup": lambda: setattr(replica, "fault", None)}

    expired = "sso-expired-session-of-the-contract-0001"
    cases = [
        ErrorCase("expired session cookie", MissingAuthError, kwargs={"cookies": {"sso": expired}}),
        ErrorCase("malformed line", ResponseError, **fault("malformed")),
        ErrorCase("body cut mid-line", ResponseError, **fault("cut")),
        ErrorCase("answer cut before its modelResponse", ResponseError, **fault("truncated")),
        ErrorCase("error object in the stream", ResponseError, **fault("error_line")),
    ]
    report = await check_provider(Grok, model="grok-3", messages=[{"role": "user", "content": "Hello Grok"}],
                                  cookies={"sso": replica.sso}, error_cases=cases)
    assert "expired session cookie: no secret in the error" in report.passed
    assert "has_credentials() sees the credentials given" in report.passed
