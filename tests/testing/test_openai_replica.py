"""The replica itself: what other engineers' tests rely on when they drive faults through it."""

from __future__ import annotations

import aiohttp
import pytest

from g4f.requests.streams import sse_stream
from g4f.testing.openai_replica import FAULT_HEADER, OPENAI, Fault, OpenAIReplica, Reply, encode_stream
from tests.replicas.groq import GROQ_KEY

BODY = {"model": "llama-3.3-70b-versatile", "messages": [{"role": "user", "content": "hi"}], "stream": True}


async def post(replica, body=BODY, **headers):
    async with aiohttp.ClientSession() as session, session.post(
        replica.base_url + "/chat/completions", json=body,
        headers={"Authorization": f"Bearer {GROQ_KEY}", **headers},
    ) as response:
        return response.status, response.headers.copy(), await response.read()


async def test_groq_flavour_headers_and_stream_shape(groq):
    status, headers, body = await post(groq)
    assert status == 200 and headers["Content-Type"].startswith("text/event-stream")
    assert {"x-ratelimit-limit-requests", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-requests",
            "x-request-id"} <= {k.lower() for k in headers}
    events = body.split(b"\n\n")
    assert b'"delta":{"role":"assistant","content":""}' in events[0]
    assert b'"x_groq":{"id":"req_' in events[0]
    assert b'"usage":{"queue_time"' in events[-3] and events[-2] == b"data: [DONE]"


async def test_a_fault_chosen_per_request_by_header_leaves_the_queue_alone(groq):
    groq.faults.append(Fault.server_error(503))
    status, headers, body = await post(groq, **{FAULT_HEADER: "429 retry_after=2"})
    assert status == 429 and headers["retry-after"] == "2" and b"rate_limit_exceeded" in body
    assert groq.last_request.fault.status == 429
    assert (await post(groq))[0] == 503 and (await post(groq))[0] == 200


async def test_faults_apply_times_and_paths(groq):
    groq.faults.append(Fault.server_error(500, times=2))
    groq.faults.append(Fault.unauthorized(path="/models"))
    assert [(await post(groq))[0] for _ in range(3)] == [500, 500, 200]
    assert len(groq.faults) == 1  # the /models fault waits for its path


def test_fault_parse_and_validation():
    assert Fault.parse("cut after=3") == Fault("cut", after=3)
    assert Fault.parse("reset").after is None and Fault.parse("reset after=2").after == 2
    assert Fault.parse("http status=502 message=down").message == "down"
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault.parse("explode")


async def test_requests_are_recorded_with_body_and_headers(groq):
    await post(groq, {**BODY, "temperature": 0.3}, **{"X-Trace": "t1"})
    request = groq.last_request
    assert request.body["temperature"] == 0.3 and request.headers["X-Trace"] == "t1"
    assert request.bearer == GROQ_KEY and request.method == "POST" and groq.chat_requests == [request]


async def test_encoded_streams_replay_as_is_and_parse():
    pieces = [f"p{i} " for i in range(5000)]
    async with OpenAIReplica(flavour=OPENAI, api_key=None, models=["m"]) as replica:
        replica.default_reply = Reply(encoded=encode_stream(pieces, model="m"), times=0)
        for _ in range(2):
            async with aiohttp.ClientSession() as session, session.post(
                replica.base_url + "/chat/completions", json={**BODY, "model": "m"}
            ) as response:
                chunks = [c async for c in sse_stream(response)]
            assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == "".join(pieces)


async def test_unknown_urls_and_models_answer_like_the_service(groq):
    async with aiohttp.ClientSession() as session:
        async with session.get(groq.url + "/openai/v2/nothing") as response:
            assert response.status == 404 and (await response.json())["error"]["code"] == "unknown_url"
        async with session.get(groq.base_url + "/models/qwen/qwen3-32b",
                               headers={"Authorization": f"Bearer {GROQ_KEY}"}) as response:
            assert (await response.json())["context_window"] == 131072
    status, _, body = await post(groq, {**BODY, "model": "nope"})
    assert status == 404 and b"model_not_found" in body
