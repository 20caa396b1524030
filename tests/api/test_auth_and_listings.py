"""The bearer key, /v1/models, /v1/providers, and what a fresh machine without keys answers."""

from __future__ import annotations

import logging

import aiohttp
import openai
import pytest

from ..client.scripted import registered, scripted

MESSAGES = [{"role": "user", "content": "Hello"}]
SERVER_KEY = "g4f-server-key-8c1d2e3f4a5b"
Echo = scripted("Echo", ["echo"])


@pytest.fixture(autouse=True)
def echo():
    with registered(Echo):
        yield


async def test_a_server_key_is_required_and_checked(api, caplog):
    caplog.set_level(logging.DEBUG)
    server, good = await api(api_key=SERVER_KEY, client_key=SERVER_KEY)
    completion = await good.chat.completions.create(model="m", messages=MESSAGES, extra_body={"provider": "Echo"})
    assert completion.choices[0].message.content == "echo"

    bad = openai.AsyncOpenAI(base_url=f"{server.url}/v1", api_key="wrong-key-123456", max_retries=0)
    try:
        with pytest.raises(openai.AuthenticationError) as caught:
            await bad.chat.completions.create(model="m", messages=MESSAGES, extra_body={"provider": "Echo"})
        assert caught.value.body["code"] == "invalid_api_key"
        with pytest.raises(openai.AuthenticationError):
            await bad.models.list()
    finally:
        await bad.close()
    async with aiohttp.ClientSession() as session:
        for headers in ({}, {"Authorization": SERVER_KEY}, {"Authorization": f"Basic {SERVER_KEY}"}):
            async with session.get(f"{server.url}/v1/models", headers=headers) as response:
                assert response.status == 401
                assert SERVER_KEY not in await response.text()
    assert SERVER_KEY not in caplog.text


async def test_the_key_can_come_from_the_environment(api, monkeypatch):
    monkeypatch.setenv("G4F_API_KEY", SERVER_KEY)
    server, _ = await api()
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{server.url}/v1/models") as response:
            assert response.status == 401
        async with session.get(f"{server.url}/v1/models",
                               headers={"Authorization": f"Bearer {SERVER_KEY}"}) as response:
            assert response.status == 200


async def test_without_a_key_the_server_is_open(api):
    _, client = await api()
    assert (await client.chat.completions.create(model="m", messages=MESSAGES, extra_body={"provider": "Echo"})
            ).choices[0].message.content == "echo"


async def test_models_list_and_retrieve(api):
    Lister = scripted("Lister", [], get_models=classmethod(lambda cls, **kw: ["lister-model"]))
    _, client = await api()
    with registered(Lister):
        page = await client.models.list()
        models = {model.id: model for model in page.data}
        assert models["lister-model"].model_extra["providers"] == ["Lister"]
        groq = models["llama-3.3-70b-versatile"]
        assert groq.object == "model" and "Groq" in groq.model_extra["providers"]
        assert (await client.models.retrieve("lister-model")).id == "lister-model"
    with pytest.raises(openai.NotFoundError):
        await client.models.retrieve("no-such-model")


async def test_providers_say_who_needs_and_has_credentials(api, monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", "gsk_someKeyForTheListing1")
    server, _ = await api()
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{server.url}/v1/providers") as response:
            rows = {row["id"]: row for row in (await response.json())["data"]}
        async with session.get(f"{server.url}/v1/providers/openai") as response:
            openai_row = await response.json()
        async with session.get(f"{server.url}/v1/providers/NoSuch") as response:
            assert response.status == 404
            assert (await response.json())["error"]["code"] == "provider_not_found"
    assert rows["Groq"]["needs_auth"] and rows["Groq"]["credentials"]
    assert "llama-3.3-70b-versatile" in rows["Groq"]["models"]
    assert rows["Echo"]["working"] and not rows["Echo"]["needs_auth"]
    assert openai_row["id"] == "OpenAI" and not openai_row["credentials"]
    assert "OPENAI_API_KEY" in openai_row["auth_hint"]
    assert "gsk_someKeyForTheListing1" not in str(rows)


async def test_fresh_machine_auto_selection_says_which_key_to_set(api):
    _, client = await api()
    with pytest.raises(openai.AuthenticationError) as caught:
        await client.chat.completions.create(model="llama-3.3-70b-versatile", messages=MESSAGES)
    assert "GROQ_API_KEY" in caught.value.body["message"]
