"""Credential hints in the words of each door: Python arguments for the library, CLI flags and
commands for ``g4f``, request fields for the API server's clients; never another door's words."""

from __future__ import annotations

import subprocess
import sys

import openai
import pytest

import g4f
from g4f.api import create_app
from g4f.errors import MissingAuthError
from g4f.Provider import Grok, Groq
from g4f.providers.hints import audience, current_audience

from ..client.conftest import local_servers_absent  # noqa: F401  (autouse here too)
from ..test_replica_command import fresh_env

PYTHON_WORDS = ("api_key=", "cookies=")
CLI_WORDS = ("--api-key", "--cookies-file")


def test_each_door_names_its_own_way_and_every_door_the_variable_and_the_login():
    hints = {}
    for reader in ("python", "cli", "api"):
        with audience(reader):
            hints[reader] = (Groq.credential_hint(), Grok.credential_hint())
    assert current_audience() == "python"
    for groq, grok in hints.values():
        assert "GROQ_API_KEY" in groq and "https://console.groq.com/keys" in groq
        assert "g4f login grok" in grok
    assert "pass api_key=" in hints["python"][0] and "pass cookies=" in hints["python"][1]
    assert "--api-key" in hints["cli"][0] and "--cookies-file" in hints["cli"][1]
    assert 'send "api_key" in the request' in hints["api"][0] and "where the server runs" in hints["api"][1]
    for reader in ("cli", "api"):
        assert not any(word in hint for hint in hints[reader] for word in PYTHON_WORDS), hints[reader]
    assert not any(word in hint for hint in hints["api"] for word in CLI_WORDS), hints["api"]


def test_whoever_starts_the_server_is_told_what_to_set_before_it_starts():
    with audience("server"):  # g4f api's first line: no per-request options exist there
        groq, grok = Groq.credential_hint(), Grok.credential_hint()
    assert groq == "set GROQ_API_KEY (get one at https://console.groq.com/keys) before starting g4f api"
    assert grok == "run `g4f login grok`"
    assert not any(word in hint for hint in (groq, grok) for word in PYTHON_WORDS + CLI_WORDS + ('"api_key"',))


async def test_the_audience_follows_the_call_into_its_tasks():
    import asyncio

    with audience("cli"):
        assert await asyncio.create_task(asyncio.sleep(0, current_audience())) == "cli"
    assert current_audience() == "python"


async def test_python_callers_are_told_the_argument():
    with pytest.raises(MissingAuthError, match=r"set GROQ_API_KEY .* or pass api_key="):
        await g4f.ChatCompletion.create_async("llama-3.3-70b-versatile", [{"role": "user", "content": "Hi"}],
                                              provider="Groq")


def g4f_cli(*args: str, tmp_path) -> str:
    result = subprocess.run([sys.executable, "-m", "g4f.cli", *args], env=fresh_env(tmp_path), capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    return result.stderr.strip()


def test_the_command_line_names_flags_and_commands(tmp_path):
    named = g4f_cli("chat", "Hello", "-p", "Groq", tmp_path=tmp_path)
    assert "set GROQ_API_KEY" in named and "pass --api-key" in named
    fresh = g4f_cli("chat", "Hello", tmp_path=tmp_path)  # auto-selection on a fresh machine
    assert "GROQ_API_KEY" in fresh and "`g4f login grok`" in fresh and "--cookies-file" in fresh
    for line in (named, fresh):
        assert not any(word in line for word in PYTHON_WORDS), line


def test_the_providers_listing_hints_name_flags(tmp_path):
    import json

    result = subprocess.run([sys.executable, "-m", "g4f.cli", "providers", "--json"], env=fresh_env(tmp_path),
                            capture_output=True, text=True, timeout=120, check=False)
    hints = {row["id"]: row.get("auth_hint", "") for row in json.loads(result.stdout)}
    assert "--cookies-file" in hints["Grok"] and "--api-key" in hints["Groq"]
    assert not any(word in hint for hint in hints.values() for word in PYTHON_WORDS), hints


async def test_api_clients_are_told_what_a_request_can_carry(serve):
    server = await serve(create_app())
    async with openai.AsyncOpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0) as client:
        with pytest.raises(openai.AuthenticationError) as refused:
            await client.chat.completions.create(model="llama-3.3-70b-versatile", extra_body={"provider": "Groq"},
                                                 messages=[{"role": "user", "content": "Hi"}])
    message = refused.value.body["message"]
    assert "GROQ_API_KEY" in message and 'send "api_key" in the request' in message
    assert not any(word in message for word in PYTHON_WORDS + CLI_WORDS), message
