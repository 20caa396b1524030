"""Base URLs from the environment, named and read as each ecosystem does: a provider (and ``g4f
api``) pointed at a replica through its variable alone, ``g4f -v providers`` saying where each
provider points and why, and the forms other tools write (the groq SDK's host, Ollama's
``host:port``)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time

import openai
import pytest

from g4f.errors import BadRequestError
from g4f.Provider.template._base_url import base_url_from_env, normalize, resolve_base_url
from g4f.providers.registry import get_provider
from g4f.testing import GROQ, OPENAI, OpenAIReplica

from .client.conftest import closed_port
from .test_replica_command import fresh_env

MESSAGES = [{"role": "user", "content": "where are you?"}]
KEY = "sk-base-url-test-key-0042"

#: provider -> (its variable, its key variable, the replica's flavour)
DECLARED = {
    "OpenAI": ("OPENAI_BASE_URL", "OPENAI_API_KEY", OPENAI),
    "xAI": ("XAI_BASE_URL", "XAI_API_KEY", OPENAI),
    "OpenRouter": ("OPENROUTER_BASE_URL", "OPENROUTER_API_KEY", OPENAI),
    "Groq": ("GROQ_BASE_URL", "GROQ_API_KEY", GROQ),
    "Ollama": ("OLLAMA_HOST", None, OPENAI),
    "LocalOpenAI": ("G4F_LOCAL_API_BASE", "G4F_LOCAL_API_KEY", OPENAI),
}
@pytest.fixture(autouse=True)
def no_base_urls(monkeypatch):
    from tests.test_docs import base_url_variables

    for name in base_url_variables():
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("name", DECLARED)
def test_each_provider_declares_its_ecosystems_variable(name):
    assert get_provider(name).api_base_env == DECLARED[name][0]


@pytest.mark.parametrize("name", DECLARED)
async def test_a_provider_reaches_a_replica_through_its_variable_alone(name, monkeypatch):
    variable, key_variable, flavour = DECLARED[name]
    provider = get_provider(name)
    async with OpenAIReplica(flavour=flavour, api_key=KEY if key_variable else None, models=["house-model"]) as api:
        monkeypatch.setenv(variable, api.base_url)
        if key_variable:
            monkeypatch.setenv(key_variable, KEY)
        answer = await provider.create_async("house-model", MESSAGES)  # no base_url= anywhere
        assert resolve_base_url(provider).url == api.base_url
        assert resolve_base_url(provider).source == variable
    assert answer == "You said: where are you?"
    assert api.chat_requests[-1].body["model"] == "house-model"


# -- how the variables are read ----------------------------------------------------------------

@pytest.mark.parametrize(("value", "url"), [
    ("localhost", "http://localhost:11434/v1"),
    ("127.0.0.1:11500", "http://127.0.0.1:11500/v1"),
    ("0.0.0.0", "http://127.0.0.1:11434/v1"),  # the server's bind address: this machine
    ("0.0.0.0:8000", "http://127.0.0.1:8000/v1"),
    ("[::]:9000", "http://[::1]:9000/v1"),
    ("::1", "http://[::1]:11434/v1"),
    (":11500", "http://127.0.0.1:11500/v1"),
    ("http://ollama.lan", "http://ollama.lan/v1"),  # a URL without a port: its scheme's
    ("https://ollama.example.com:8443/", "https://ollama.example.com:8443/v1"),
    ("http://proxy.lan/ollama", "http://proxy.lan/ollama/v1"),
    ("http://127.0.0.1:11434/v1", "http://127.0.0.1:11434/v1"),
])
def test_ollama_host_is_read_as_ollama_reads_it(value, url):
    assert normalize("OLLAMA_HOST", value) == url


@pytest.mark.parametrize(("value", "url"), [
    ("https://api.groq.com", "https://api.groq.com/openai/v1"),  # the groq SDK's form: the host
    ("https://gateway.example/v1/acct/groq/", "https://gateway.example/v1/acct/groq/openai/v1"),
    ("http://127.0.0.1:8000/openai/v1", "http://127.0.0.1:8000/openai/v1"),  # the whole API root
])
def test_groq_base_url_is_read_as_the_groq_sdk_reads_it(value, url):
    assert normalize("GROQ_BASE_URL", value) == url


@pytest.mark.parametrize(("variable", "value"), [
    ("OPENAI_BASE_URL", "api.openai.com/v1"), ("GROQ_BASE_URL", "ftp://x"), ("OLLAMA_HOST", "host:port"),
    ("XAI_BASE_URL", "http://"),
])
def test_a_value_that_is_no_url_is_a_clear_error_naming_the_variable(variable, value, monkeypatch):
    monkeypatch.setenv(variable, value)
    with pytest.raises(BadRequestError, match=rf"^\${variable}=.*is not a base URL"):
        base_url_from_env(variable)


def test_unset_and_empty_variables_leave_the_default(monkeypatch):
    from g4f.Provider import Groq

    assert base_url_from_env("GROQ_BASE_URL") is None
    assert resolve_base_url(Groq).url == "https://api.groq.com/openai/v1"
    assert resolve_base_url(Groq).source == "default"
    assert resolve_base_url(Groq, "http://127.0.0.1:9/openai/v1").source == "argument"
    monkeypatch.setenv("GROQ_BASE_URL", "  ")
    assert base_url_from_env("GROQ_BASE_URL") is None


def test_the_older_ollama_variable_wins_over_ollama_host(monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", "0.0.0.0")
    assert base_url_from_env("OLLAMA_HOST") == "http://127.0.0.1:11434/v1"
    monkeypatch.setenv("OLLAMA_API_BASE", "http://127.0.0.1:5000/v1")
    assert base_url_from_env("OLLAMA_HOST") == "http://127.0.0.1:5000/v1"


async def test_groq_reaches_a_replica_through_the_groq_sdks_form(monkeypatch):
    from g4f.Provider import Groq

    async with OpenAIReplica(flavour=GROQ, api_key=KEY, models=["house-model"]) as api:
        monkeypatch.setenv("GROQ_BASE_URL", api.url)  # the host, as the groq SDK takes it
        answer = await Groq.create_async("house-model", MESSAGES, api_key=KEY)
    assert answer == "You said: where are you?"


async def test_ollama_reaches_a_replica_through_host_and_port(monkeypatch):
    from g4f.Provider import Ollama

    async with OpenAIReplica(flavour=OPENAI, api_key=None, models=["llama3.2"]) as api:
        monkeypatch.setenv("OLLAMA_HOST", api.url.removeprefix("http://"))  # 127.0.0.1:PORT
        answer = await Ollama.create_async("llama3.2", MESSAGES)
    assert answer == "You said: where are you?"


async def test_ollama_api_base_still_works(monkeypatch):
    from g4f.Provider import Ollama

    async with OpenAIReplica(flavour=OPENAI, api_key=None, models=["llama3.2"]) as api:
        monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{closed_port()}")
        monkeypatch.setenv("OLLAMA_API_BASE", api.base_url)
        answer = await Ollama.create_async("llama3.2", MESSAGES)
    assert answer == "You said: where are you?"


# -- g4f -v providers ----------------------------------------------------------------------------

#: ``-v`` is g4f's own option and the providers command's too: both spellings show the base URLs.
VERBOSE_SPELLINGS = [("-v", "providers"), ("providers", "-v")]


def providers_table(tmp_path, *args: str, command: tuple[str, str] = VERBOSE_SPELLINGS[0],
                    **variables: str) -> dict[str, list[str]]:
    result = subprocess.run([sys.executable, "-m", "g4f.cli", *command, *args],
                            env=fresh_env(tmp_path, **variables), capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    if "--json" in args:
        return {row["id"]: row for row in json.loads(result.stdout)}
    lines = result.stdout.splitlines()
    columns = [lines[0].index(header) for header in ("BASE URL", "FROM")]
    return {line.split()[0]: [line[columns[0]:columns[1]].strip(), line[columns[1]:].strip()] for line in lines[1:]}


@pytest.mark.parametrize("command", VERBOSE_SPELLINGS, ids=" ".join)
def test_g4f_v_providers_shows_each_base_url_and_where_it_came_from(tmp_path, command):
    rows = providers_table(tmp_path, command=command, GROQ_BASE_URL="http://127.0.0.1:8000/openai/v1",
                           OPENAI_BASE_URL="http://127.0.0.1:8001/v1")
    assert rows["Groq"] == ["http://127.0.0.1:8000/openai/v1", "$GROQ_BASE_URL"]
    assert rows["OpenAI"] == ["http://127.0.0.1:8001/v1", "$OPENAI_BASE_URL"]
    assert rows["xAI"] == ["https://api.x.ai/v1", "default ($XAI_BASE_URL changes it)"]
    assert rows["OpenRouter"][1] == "default ($OPENROUTER_BASE_URL changes it)"
    assert rows["LocalOpenAI"][1] == "$G4F_LOCAL_API_BASE"  # fresh_env points it at a closed port


def test_g4f_v_providers_json_has_the_base_urls(tmp_path):
    rows = providers_table(tmp_path, "--json", XAI_BASE_URL="http://127.0.0.1:8002/v1")
    assert (rows["xAI"]["base_url"], rows["xAI"]["base_url_from"]) == ("http://127.0.0.1:8002/v1", "$XAI_BASE_URL")
    assert rows["Groq"]["base_url"] == "https://api.groq.com/openai/v1"
    plain = subprocess.run([sys.executable, "-m", "g4f.cli", "providers", "--json"], env=fresh_env(tmp_path),
                           capture_output=True, text=True, timeout=120, check=False)
    assert "base_url" not in json.loads(plain.stdout)[0]  # only with -v


# -- the API server ------------------------------------------------------------------------------

async def test_g4f_api_answers_from_the_replica_groq_base_url_points_at(tmp_path):
    from tests.replicas.groq import GROQ_KEY, GroqReplica

    async with GroqReplica() as groq:
        port = closed_port()
        env = fresh_env(tmp_path, GROQ_BASE_URL=groq.base_url, GROQ_API_KEY=GROQ_KEY)
        api = await asyncio.create_subprocess_exec(sys.executable, "-m", "g4f.cli", "api", "--port", str(port),
                                                   env=env, stdout=asyncio.subprocess.DEVNULL,
                                                   stderr=asyncio.subprocess.DEVNULL)
        try:
            async with openai.AsyncOpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="unused",
                                          max_retries=0, timeout=30) as client:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        await client.models.list()
                        break
                    except openai.APIConnectionError:
                        assert api.returncode is None and time.monotonic() < deadline, "g4f api did not start"
                        await asyncio.sleep(0.2)
                completion = await client.chat.completions.create(
                    model="llama-3.3-70b-versatile", messages=[{"role": "user", "content": "from the server"}])
        finally:
            api.terminate()
            await asyncio.wait_for(api.wait(), 30)
    assert completion.choices[0].message.content == "You said: from the server"
    assert completion.model_extra["provider"] == "Groq"
    assert groq.chat_requests[-1].bearer == GROQ_KEY

