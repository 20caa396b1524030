"""AcmeStream against a replica of its own API, with the contract checks of g4f's test kit."""

from __future__ import annotations

import pytest
from g4f.errors import RateLimitError, ResponseError
from g4f.providers.response import FinishReason, ProviderInfo, Reasoning, Usage
from g4f.testing import ErrorCase, check_provider

from acme_stream_replica import KEY, AcmeStreamReplica
from g4f_acme.stream import AcmeStream

HELLO = [{"role": "user", "content": "Hello Acme"}]


@pytest.fixture
async def replica(local_server):
    replica = AcmeStreamReplica()
    server = await local_server(replica.app())
    replica.base_url = server.url + "/api"
    return replica


def fault(replica, kind, expected):
    return ErrorCase(kind, expected, arrange=lambda: setattr(replica, "fault", kind))


async def test_meets_the_provider_contract(replica):
    from g4f.errors import MissingAuthError, ModelNotFoundError

    cases = [
        ErrorCase("refused key", MissingAuthError, kwargs={"api_key": "acme-wrong-key-99999"}),
        ErrorCase("unknown model", ModelNotFoundError, model="acme-nonexistent"),
        fault(replica, "rate_limit", RateLimitError),
        fault(replica, "cut", ResponseError),
        fault(replica, "malformed", ResponseError),
        fault(replica, "error", ResponseError),
    ]
    await check_provider(AcmeStream, base_url=replica.base_url, api_key=KEY, messages=HELLO,
                         expected_text="You said: Hello Acme", error_cases=cases)


async def test_streams_reasoning_usage_and_finish_reason(replica):
    items = [item async for item in AcmeStream.create_async_generator(
        "acme-think", HELLO, api_key=KEY, base_url=replica.base_url, temperature=0.1, top_k=3)]
    assert isinstance(items[0], ProviderInfo) and items[0].model == "acme-stream-1-think"
    assert items[1] == Reasoning("The user wants an echo.")
    assert "".join(item for item in items if type(item) is str) == "You said: Hello Acme"
    assert items[-2] == Usage(5, 4) and items[-1] == FinishReason("stop")
    # top_k is not an Acme parameter: logged, not sent
    assert replica.requests[-1] == {
        "model": "acme-stream-1-think", "prompt": "Hello Acme", "temperature": 0.1,
    }


async def test_rate_limit_carries_retry_after(replica):
    replica.fault = "rate_limit"
    with pytest.raises(RateLimitError) as info:
        await AcmeStream.create_async("acme-stream-1", HELLO, api_key=KEY, base_url=replica.base_url)
    assert info.value.retry_after == 7
