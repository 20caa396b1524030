"""Two ``g4f api`` instances (one of them with 4 workers) on one real Redis, as users run them.

Instance A has one worker, instance B four; each has its own port and config folder (as two
machines would), and they share only Redis. The Groq and Grok replicas count what reaches them.
"""

from __future__ import annotations

import asyncio
import signal
import time

import aiohttp
import openai
import pytest

from g4f.auth.cache import AuthCache
from g4f.providers.response import AuthResult
from g4f.testing.openai_replica import Fault, Reply

from ..replicas.grok import GrokReplica
from ..replicas.groq import GroqReplica
from .deployment import API_KEYS, MODEL, Deployment, raw_chat, stream_text

pytestmark = pytest.mark.slow


@pytest.fixture
async def deployment(redis_server, serve, tmp_path):
    async with GroqReplica() as groq:
        grok = GrokReplica(rotate_sso=True)
        grok_server = await serve(grok.app())
        deployment = Deployment(tmp_path, groq, grok, grok_server.url, redis_server)
        try:
            yield deployment
        finally:
            await deployment.close()


async def eventually(check, timeout: float = 30.0) -> None:
    """Until ``check()`` is true: bounded, with room for a machine shared by many test runs."""
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "the condition did not become true in time"
        await asyncio.sleep(0.05)


async def redis_dump(deployment: Deployment) -> bytes:
    """Every key and value in Redis, as bytes (what someone with access to Redis could read)."""
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(deployment.redis.url)
    parts: list[bytes] = []
    try:
        for key in await client.keys("*"):
            parts.append(key)
            if await client.type(key) == b"hash":
                parts.extend(value for pair in (await client.hgetall(key)).items() for value in pair)
            elif await client.type(key) == b"string":
                parts.append(await client.get(key) or b"")
    finally:
        await client.aclose()
    return b"\n".join(parts)


async def shared_health(deployment: Deployment) -> bool:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(deployment.redis.url)
    try:
        return bool(await client.hexists("g4f:health", "Groq"))
    finally:
        await client.aclose()


async def wait_for_shared_health(deployment: Deployment, present: bool = True) -> None:
    """Until Redis holds (or no longer holds) Groq's record; then a moment for every worker to apply it."""

    async def done() -> bool:
        return await shared_health(deployment) == present

    await eventually(done)
    await asyncio.sleep(0.3)


async def test_a_429_on_either_instance_makes_every_worker_of_both_skip_the_provider(deployment):
    a, b = await deployment.start(A={}, B={"workers": 4})
    groq = deployment.groq
    assert await stream_text(a.client()) == "You said: Say hello"
    groq.faults.append(Fault.rate_limit(retry_after=4))
    with pytest.raises(openai.RateLimitError) as caught:
        await stream_text(a.client())
    assert caught.value.response.headers["retry-after"] == "4"
    assert len(groq.chat_requests) == 2
    await wait_for_shared_health(deployment)
    async with aiohttp.ClientSession() as session:
        # each on its own connection, so the four workers of B take their share
        answers = await asyncio.gather(*(raw_chat(session, b.url, f"try {i}") for i in range(12)))
        answers.append(await raw_chat(session, a.url, "and A again"))
        for status, headers, body in answers:
            assert status == 429, body
            assert 1 <= int(headers["Retry-After"]) <= 4 and b"rate limited" in body
        assert len(groq.chat_requests) == 2  # nobody called Groq again
        # Once the time Groq asked for has passed, everyone uses it again ...
        await asyncio.sleep(4.2)
        assert (await raw_chat(session, b.url, "later"))[0] == 200
        # ... and a 429 seen by one worker of B is skipped by A and by B's other workers.
        await wait_for_shared_health(deployment, present=False)
        groq.faults.append(Fault.rate_limit(retry_after=20))
        status, headers, _ = await raw_chat(session, b.url, "first")
        assert status == 429 and headers["Retry-After"] == "20"
        seen = len(groq.chat_requests)
        await wait_for_shared_health(deployment)
        statuses = [(await raw_chat(session, url, "again"))[0] for url in (a.url, b.url, b.url, b.url, b.url, b.url)]
    assert statuses == [429] * 6 and len(groq.chat_requests) == seen


async def test_a_rate_limit_across_every_worker_and_instance_lets_exactly_that_many_through(deployment):
    args = ("--rate-limit", "10/min", "--api-key", API_KEYS[0], "--api-key", API_KEYS[1])
    a, b = await deployment.start(A={"args": args}, B={"args": args, "workers": 4})
    async with aiohttp.ClientSession() as session:
        answers = []
        for index in range(30):
            url = (a.url, b.url)[index % 2]
            answers.append(await raw_chat(session, url, f"request {index}", key=API_KEYS[0], stream=False))
        statuses = [status for status, _, _ in answers]
        assert statuses.count(200) == 10 and statuses.count(429) == 20
        assert len(deployment.groq.chat_requests) == 10
        refused = [(headers, body) for status, headers, body in answers if status == 429]
        for headers, body in refused:
            assert 1 <= int(headers["Retry-After"]) <= 60
            assert b'"type":"requests"' in body and b'"code":"rate_limit_exceeded"' in body
            assert API_KEYS[0].encode() not in body
        # the other key has a window of its own
        other = [(await raw_chat(session, (a.url, b.url)[i % 2], "other", key=API_KEYS[1], stream=False))[0]
                 for i in range(12)]
        assert other.count(200) == 10 and other.count(429) == 2
    # The openai SDK sees its own RateLimitError, with the wait.
    with pytest.raises(openai.RateLimitError) as caught:
        await a.client(API_KEYS[0]).chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "x"}])
    assert int(caught.value.response.headers["retry-after"]) >= 1
    assert caught.value.body["type"] == "requests"


async def test_a_cookie_rotated_through_one_instance_is_sent_by_the_other(deployment):
    grok = deployment.grok
    first = grok.sso
    a, b, c = await deployment.start(A={}, B={"workers": 4}, C={"secret": False})
    AuthCache("Grok", a.config / "auth").save(AuthResult(cookies={"sso": first}))  # `g4f login grok` on A's machine
    assert not await grok_credentials(b)
    options = {"model": "grok-3", "extra_body": {"provider": "Grok"}}
    assert "You said: one" in await stream_text(a.client(), "one", **options)
    assert grok.requests[-1].cookies["sso"] == first
    rotated = next(iter(grok.valid_sso))  # grok.com rotated it: only the new one works
    assert rotated != first and grok.valid_sso == {rotated}
    await asyncio.sleep(0.3)
    assert await grok_credentials(b)  # B's machine never logged in
    assert "You said: two" in await stream_text(b.client(), "two", **options)
    assert grok.requests[-1].cookies["sso"] == rotated
    await asyncio.sleep(0.3)
    again = next(iter(grok.valid_sso))
    assert "You said: three" in await stream_text(a.client(), "three", **options)  # rotated by B, used by A
    assert grok.requests[-1].cookies["sso"] == again
    assert AuthCache("Grok", b.config / "auth").load().cookies["sso"] == again  # B saved what it was given
    stored = await redis_dump(deployment)
    assert b"g4f:auth" in stored
    for value in (first, rotated, again):
        assert value.encode() not in stored  # sealed with G4F_SECRET_KEY
    for instance in (a, b):
        assert first not in instance.stderr and rotated not in instance.stderr
    assert not await grok_credentials(c)  # C has no G4F_SECRET_KEY: nothing is shared with it


async def test_stored_responses_and_recovered_conversations_continue_on_the_other_instance(deployment):
    groq, grok = deployment.groq, deployment.grok
    a, b = await deployment.start(A={}, B={"workers": 4})
    # The responses store: a response made on A is continued on B (previous_response_id).
    first = await a.client().responses.create(model=MODEL, input="My name is Ada")
    assert first.output_text == "You said: My name is Ada"
    second = await b.client().responses.create(model=MODEL, input="And now?", previous_response_id=first.id)
    assert second.output_text == "You said: And now?"
    assert [m["content"] for m in groq.chat_requests[-1].body["messages"]] == [
        "My name is Ada", "You said: My name is Ada", "And now?"]  # B had A's exchange from Redis
    # The conversations recovered from history: a client that resends the whole chat continues
    # on B the grok.com conversation that A started (only the new message goes to grok.com).
    AuthCache("Grok", a.config / "auth").save(AuthResult(cookies={"sso": grok.sso}))
    options = {"model": "grok-3", "extra_body": {"provider": "Grok"}}
    chat = [{"role": "user", "content": "Hello Grok"}]
    answer = await a.client().chat.completions.create(messages=chat, **options)
    chat += [{"role": "assistant", "content": answer.choices[0].message.content},
             {"role": "user", "content": "Still there?"}]

    async def b_has_credentials() -> bool:
        return await grok_credentials(b)

    await eventually(b_has_credentials)  # the rotated cookie, shared (sealed) through Redis
    again = await b.client().chat.completions.create(messages=chat, **options)
    assert again.choices[0].message.content.startswith("You said: Still there?. Turn 2;")
    new, continued = grok.requests
    assert new.path.endswith("/conversations/new")
    assert continued.path.endswith(f"/conversations/{next(iter(grok.conversations))}/responses")
    assert continued.payload["message"] == "Still there?"


async def grok_credentials(instance) -> bool:
    """What the instance's ``/v1/providers/grok`` says: can it use Grok (credentials at hand)?"""
    async with aiohttp.ClientSession() as session, session.get(f"{instance.url}/v1/providers/grok") as response:
        return bool((await response.json())["credentials"])


async def test_redis_killed_during_load_fails_no_request_and_sharing_resumes(deployment):
    groq = deployment.groq
    words = " ".join(f"w{i}" for i in range(30))
    groq.default_reply = Reply(content=words, delay=0.002, times=0)
    a, b = await deployment.start(A={}, B={"workers": 4})
    results: list[str] = []
    stop_at = time.monotonic() + 30

    async def client_loop(index: int) -> None:
        client = (a, b)[index % 2].client()
        while time.monotonic() < stop_at:
            try:
                text = await stream_text(client, f"load {index}")
            except openai.APIStatusError as error:  # the upstream's own failure, typed
                results.append(f"error {error.status_code} {error.body.get('code')} {error.body.get('message')}")
                continue
            results.append("full" if text == words else f"partial {text!r}")

    loops = [asyncio.create_task(client_loop(index)) for index in range(6)]
    await asyncio.sleep(8)
    # A few upstream errors during the load: each must reach its client as what it is.
    groq.faults.extend([Fault.parse("500"), Fault.parse("500")])
    deployment.redis.stop()  # SIGKILL, in the middle of everything
    killed_at = len(results)
    await asyncio.sleep(10)
    during = len(results) - killed_at
    deployment.redis.start()
    await asyncio.gather(*loops)
    assert during > 10, "requests kept being answered while Redis was down"
    kinds = {result.split(" ")[0] for result in results}
    assert kinds <= {"full", "error"}, [r for r in results if not r.startswith(("full", "error"))][:5]
    errors = [result for result in results if result.startswith("error")]
    assert len(errors) == 2  # the two 500s, as what they are: Groq failed with HTTP 500
    for error in errors:
        assert error.startswith("error 502 all_providers_failed") and "500" in error
    assert results.count("full") > 40
    # Every worker said once that Redis was gone (and no more), and sharing resumed:
    for instance, workers in ((a, 1), (b, 4)):
        log = instance.stderr
        assert log.count("is unreachable") == workers, log
        assert "Traceback" not in log
    groq.default_reply = None
    groq.faults.append(Fault.rate_limit(retry_after=30))
    with pytest.raises(openai.RateLimitError):
        await stream_text(a.client())
    seen = len(groq.chat_requests)
    await wait_for_shared_health(deployment)
    async with aiohttp.ClientSession() as session:
        statuses = [(await raw_chat(session, b.url, "after"))[0] for _ in range(6)]
    assert statuses == [429] * 6 and len(groq.chat_requests) == seen, (statuses, b.stderr[-4000:])


async def test_a_worker_that_dies_is_replaced_and_ctrl_c_lets_streams_finish(deployment):
    groq = deployment.groq
    b = await deployment.instance("B", workers=2)
    victim = b.workers()[0]
    import os

    os.kill(victim, signal.SIGKILL)
    await eventually(lambda: _async(len(b.workers()) == 2 and victim not in b.workers()))
    assert f"(pid {victim}) was killed by SIGKILL" in b.stderr and "starting another" in b.stderr
    assert await stream_text(b.client()) == "You said: Say hello"
    # A stream running when Ctrl+C (SIGINT) arrives still gets its whole answer (within --shutdown-timeout 5).
    words = " ".join(f"w{i}" for i in range(20))
    groq.replies.append(Reply(content=words, delay=0.1))
    running = asyncio.create_task(stream_text(b.client(), "slow"))
    await eventually(lambda: _async(len(groq.chat_requests) >= 2))
    b.process.send_signal(signal.SIGINT)
    assert await running == words
    assert await b.stop() == 0  # a SIGTERM on top changes nothing: every worker stopped gracefully
    assert "Traceback" not in b.stderr


async def _async(value: bool) -> bool:
    return value
