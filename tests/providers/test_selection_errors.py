"""What auto-selection says when it cannot answer, through each door a new user tries first:
the API server (with the openai SDK as its client) and ``g4f chat``.

A fresh machine: no keys, no login, the local servers (Ollama, LocalOpenAI) either not running
(a loopback port nobody listens on) or running the replica. An unknown model is "unknown model,
did you mean" (HTTP 404 ``model_not_found``), never "set GROQ_API_KEY"; a local server that is
down is a network error naming its address (HTTP 502), never a credentials problem.
"""

from __future__ import annotations

import asyncio
import socket

import openai
import pytest

from g4f.api import create_app
from g4f.cli import main

MESSAGES = [{"role": "user", "content": "hi"}]


def closed_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


@pytest.fixture
def down(monkeypatch) -> str:
    """Both local servers are not running; the address LocalOpenAI is looked for at."""
    url = closed_url()
    monkeypatch.setenv("G4F_LOCAL_API_BASE", url)
    monkeypatch.setenv("OLLAMA_HOST", closed_url().removesuffix("/v1"))
    monkeypatch.delenv("OLLAMA_API_BASE", raising=False)
    return url


@pytest.fixture
async def running(monkeypatch, openai_replica_factory):
    """LocalOpenAI's server runs (the replica, no key) with one model loaded; Ollama is down."""
    server = await openai_replica_factory(api_key=None, models=["qwen2.5:7b"])
    monkeypatch.setenv("G4F_LOCAL_API_BASE", server.base_url)
    monkeypatch.setenv("OLLAMA_HOST", closed_url().removesuffix("/v1"))
    monkeypatch.delenv("OLLAMA_API_BASE", raising=False)
    return server


@pytest.fixture
async def client(serve):
    server = await serve(create_app())
    sdk = openai.AsyncOpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0, timeout=30)
    yield sdk
    await sdk.close()


# -- the API server ---------------------------------------------------------------------------

async def test_api_unknown_model_with_local_servers_down_is_404_with_close_names(client, down):
    with pytest.raises(openai.NotFoundError) as caught:
        await client.chat.completions.create(model="gpt-4o-minii", messages=MESSAGES)
    error = caught.value.body
    assert caught.value.status_code == 404 and error["code"] == "model_not_found"
    assert error["message"].startswith("no provider serves model 'gpt-4o-minii'; did you mean gpt-4o-mini")
    assert "API_KEY" not in error["message"]


async def test_api_unknown_model_with_nothing_close_says_where_the_models_are(client, down):
    with pytest.raises(openai.NotFoundError) as caught:
        await client.chat.completions.create(model="Hello", messages=MESSAGES)
    assert "GET /v1/models lists the known ones" in caught.value.body["message"]


async def test_api_model_a_down_local_server_serves_is_502_naming_its_address(client, down):
    with pytest.raises(openai.APIStatusError) as caught:
        await client.chat.completions.create(model="local-model", messages=MESSAGES)
    assert caught.value.status_code == 502
    message = caught.value.body["message"]
    assert f"Local OpenAI-compatible server at {down}" in message and "API_KEY" not in message


async def test_api_streamed_down_local_server_is_502_too(client, down):
    with pytest.raises(openai.APIStatusError) as caught:
        stream = await client.chat.completions.create(model="local-model", messages=MESSAGES, stream=True)
        async for _ in stream:
            pass
    assert caught.value.status_code == 502


async def test_api_a_running_local_server_answers_what_it_lists_and_only_that(client, running):
    completion = await client.chat.completions.create(model="qwen2.5:7b", messages=MESSAGES)
    assert completion.choices[0].message.content == "You said: hi"
    with pytest.raises(openai.NotFoundError):
        await client.chat.completions.create(model="Hello", messages=MESSAGES)
    assert [r.body["model"] for r in running.chat_requests] == ["qwen2.5:7b"]  # "Hello" was never sent


async def test_api_a_model_only_a_keyed_provider_serves_is_still_401(client, down):
    with pytest.raises(openai.AuthenticationError) as caught:
        await client.chat.completions.create(model="llama-3.1-8b-instant", messages=MESSAGES)
    assert "GROQ_API_KEY" in caught.value.body["message"]


# -- g4f chat ---------------------------------------------------------------------------------

def test_cli_unknown_model_is_unknown_model_did_you_mean(down, capsys):
    assert main(["chat", "-m", "gpt-4o-minii", "Hello"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("g4f: error: no provider serves model 'gpt-4o-minii'; did you mean gpt-4o-mini")
    assert "GROQ_API_KEY" not in err and len(err.splitlines()) == 1


def test_cli_unknown_model_with_nothing_close_points_at_g4f_models(down, capsys):
    assert main(["chat", "-m", "Hello", "Hello"]) == 1
    assert "`g4f models` lists the known ones" in capsys.readouterr().err


def test_cli_a_down_local_server_names_its_address(down, capsys):
    assert main(["chat", "-m", "local-model", "Hello"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("g4f: error: no provider for model 'local-model' is reachable: ")
    assert f"Local OpenAI-compatible server at {down}" in err and "API_KEY" not in err


async def test_cli_a_running_local_server_answers(running, capsys):
    # In a thread: the replica answers on this test's event loop, which must keep running.
    assert await asyncio.to_thread(main, ["chat", "-m", "qwen2.5:7b", "Hello"]) == 0
    assert capsys.readouterr().out.strip() == "You said: Hello"


def test_cli_no_model_on_a_fresh_machine_still_says_what_to_set(down, capsys):
    assert main(["chat", "Hello"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("g4f: error: no provider has credentials; set GROQ_API_KEY")
    assert err.rstrip().endswith("(not reachable: Ollama, Local OpenAI-compatible server)")
