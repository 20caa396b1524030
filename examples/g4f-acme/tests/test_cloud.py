"""AcmeCloud against an OpenAI-compatible replica: the declaration is all it takes."""

from __future__ import annotations

import pytest
from g4f.testing import check_provider

from g4f_acme.cloud import AcmeCloud

KEY = "acme-cloud-test-key-0001"
acme_api = pytest.mark.openai_replica(api_key=KEY, models=["acme-chat", "acme-chat-mini"])
HELLO = [{"role": "user", "content": "Hello Acme"}]


@acme_api
async def test_meets_the_provider_contract(openai_replica):
    await check_provider(AcmeCloud, replica=openai_replica, messages=HELLO,
                         expected_text="You said: Hello Acme")


@acme_api
async def test_aliases_and_parameters_reach_the_api(openai_replica):
    answer = await AcmeCloud.create_async("acme-mini", HELLO, api_key=KEY, base_url=openai_replica.base_url,
                                          temperature=0.2)
    assert answer == "You said: Hello Acme"
    request = openai_replica.last_request
    assert request.body["model"] == "acme-chat-mini" and request.body["temperature"] == 0.2
    assert request.bearer == KEY


@acme_api
async def test_key_and_address_from_the_environment(openai_replica, monkeypatch):
    monkeypatch.setenv("ACME_API_KEY", KEY)
    monkeypatch.setenv("ACME_API_BASE", openai_replica.base_url)
    assert await AcmeCloud.create_async("acme-chat", HELLO) == "You said: Hello Acme"
