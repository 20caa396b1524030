"""Issue 14, point 1: DNS rebinding and cross-site requests.

A web page the owner visits can make the browser send requests to ``127.0.0.1``: under a
rebound name (``Host: attacker.example``), or as a "simple" cross-origin POST
(``Content-Type: text/plain``, no preflight). Each used to be answered, with the upstream called
on the owner's Groq key. Now the Host must be one the server answers to (421 otherwise), a POST
body must be ``application/json`` (415), and a cross-origin request needs its origin allowed
(``--cors-origin``; 403 otherwise); same-origin pages keep working.
"""

from __future__ import annotations

import asyncio
import json

import openai
import pytest

from .conftest import MESSAGES

BODY = {"model": "llama-3.3-70b-versatile", "messages": MESSAGES, "provider": "GroqHere"}
CHAT = "/v1/chat/completions"


def _error(text: str) -> dict:
    return json.loads(text)["error"]


async def test_a_rebound_host_name_is_refused_and_the_upstream_never_called(api, replica):
    server, session = await api()
    async with session.post(server.url + CHAT, json=BODY, headers={"Host": "attacker.example"}) as response:
        status, error = response.status, _error(await response.text())
    assert status == 421
    assert error["type"] == "invalid_request_error" and error["code"] == "host_not_allowed"
    assert "attacker.example" in error["message"] and "--allowed-host" in error["message"]
    async with session.get(server.url + "/v1/models", headers={"Host": "attacker.example:1337"}) as response:
        assert response.status == 421
    assert replica.chat_requests == []


async def test_a_simple_cross_site_post_is_refused(api, replica):
    """What any page can send to 127.0.0.1 without a preflight: text/plain with its Origin."""
    server, session = await api()
    headers = {"Content-Type": "text/plain", "Origin": "http://evil.example"}
    async with session.post(server.url + CHAT, data=json.dumps(BODY), headers=headers) as response:
        status, error = response.status, _error(await response.text())
    assert status == 403 and error["code"] == "origin_not_allowed"
    assert "http://evil.example" in error["message"] and "--cors-origin" in error["message"]
    assert "Access-Control-Allow-Origin" not in response.headers
    assert replica.chat_requests == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/jsonp", None])
async def test_only_json_bodies_are_read(api, replica, content_type):
    server, session = await api()
    headers = {"Content-Type": content_type} if content_type else {}
    # aiohttp adds application/octet-stream to a bytes body unless told not to
    skip = () if content_type else ("Content-Type",)
    async with session.post(server.url + CHAT, data=json.dumps(BODY).encode(), headers=headers,
                            skip_auto_headers=skip) as response:
        status, error = response.status, _error(await response.text())
    assert status == 415 and error["code"] == "unsupported_media_type"
    assert "application/json" in error["message"]
    assert replica.chat_requests == []


async def test_json_with_parameters_is_json(api, replica):
    server, session = await api()
    headers = {"Content-Type": "Application/JSON; charset=utf-8"}
    async with session.post(server.url + CHAT, data=json.dumps(BODY), headers=headers) as response:
        assert response.status == 200, await response.text()
    assert len(replica.chat_requests) == 1


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]"])
async def test_loopback_names_are_answered_with_or_without_a_port(api, echo, host):
    server, session = await api()
    for name in (host, f"{host}:{server.port}"):
        async with session.get(server.url + "/v1/models", headers={"Host": name}) as response:
            assert response.status == 200, (name, await response.text())


async def test_allowed_hosts_are_answered(api, echo):
    server, session = await api(allowed_hosts=("g4f.lan", ".example.org"))
    for name, status in (("g4f.lan", 200), ("G4F.LAN:8080", 200), ("api.example.org", 200),
                         ("example.org", 200), ("g4f.lan.evil", 421), ("badexample.org", 421)):
        async with session.get(server.url + "/v1/models", headers={"Host": name}) as response:
            assert response.status == status, name


async def test_the_bound_address_is_answered(api, echo):
    server, session = await api(host="10.1.2.3")
    async with session.get(server.url + "/v1/models", headers={"Host": "10.1.2.3:1337"}) as response:
        assert response.status == 200


async def test_a_request_without_a_host_is_refused(api, echo):
    server, _ = await api()
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET /v1/models HTTP/1.0\r\n\r\n")  # HTTP/1.0 needs no Host; a browser always sends one
    await writer.drain()
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    assert answer.startswith((b"HTTP/1.0 421", b"HTTP/1.1 421")), answer[:100]


async def test_same_origin_pages_keep_working(api, echo):
    """The web chat the server serves at / calls the API from its own origin."""
    server, session = await api()
    headers = {"Origin": server.url, "Sec-Fetch-Site": "same-origin"}
    async with session.post(server.url + CHAT, json={**BODY, "provider": "Echo"}, headers=headers) as response:
        assert response.status == 200, await response.text()
        assert "Access-Control-Allow-Origin" not in response.headers
    # the same page reached as localhost is its own origin too
    headers = {"Host": f"localhost:{server.port}", "Origin": f"http://localhost:{server.port}"}
    async with session.post(server.url + CHAT, json={**BODY, "provider": "Echo"}, headers=headers) as response:
        assert response.status == 200
    # but not from another port or scheme of the same host
    for origin in (f"http://127.0.0.1:{server.port + 1}", f"https://127.0.0.1:{server.port}", "null"):
        async with session.post(server.url + CHAT, json={**BODY, "provider": "Echo"},
                                headers={"Origin": origin}) as response:
            assert response.status == 403, origin


async def test_browser_requests_without_an_origin_are_judged_by_sec_fetch_site(api, echo):
    """``<img src=http://127.0.0.1:1337/v1/models>`` sends no Origin, but browsers say it is cross-site."""
    server, session = await api()
    async with session.get(server.url + "/v1/models", headers={"Sec-Fetch-Site": "cross-site"}) as response:
        assert response.status == 403
    # a link the user follows to the page is a navigation: shown to the user, not to the other site
    navigation = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    async with session.get(server.url + "/v1/models", headers=navigation) as response:
        assert response.status == 200
    async with session.get(server.url + "/v1/models", headers={"Sec-Fetch-Site": "none"}) as response:
        assert response.status == 200


async def test_an_allowed_origin_gets_cors_headers_and_a_preflight(api, echo):
    server, session = await api(cors_origins=("https://app.example",))
    preflight = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, content-type, x-stainless-os"}
    async with session.options(server.url + CHAT, headers=preflight) as response:
        assert response.status == 204
        assert response.headers["Access-Control-Allow-Origin"] == "https://app.example"
        assert "POST" in response.headers["Access-Control-Allow-Methods"]
        allowed = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
        assert {"authorization", "content-type", "x-stainless-os"} <= allowed
        assert int(response.headers["Access-Control-Max-Age"]) > 0
        assert "Origin" in response.headers["Vary"]
    headers = {"Origin": "https://app.example"}
    async with session.post(server.url + CHAT, json={**BODY, "provider": "Echo"}, headers=headers) as response:
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == "https://app.example"
        assert "Origin" in response.headers["Vary"]
    # streamed answers carry them too (their headers are sent before the handler returns)
    async with session.post(server.url + CHAT, json={**BODY, "provider": "Echo", "stream": True},
                            headers=headers) as response:
        assert response.status == 200 and response.headers["Access-Control-Allow-Origin"] == "https://app.example"
        await response.read()
    # and error answers, so the page can read why
    async with session.post(server.url + CHAT, json={"messages": []}, headers=headers) as response:
        assert response.status == 400 and response.headers["Access-Control-Allow-Origin"] == "https://app.example"
    # another origin still gets nothing
    other = {**preflight, "Origin": "https://other.example"}
    async with session.options(server.url + CHAT, headers=other) as response:
        assert response.status == 403 and "Access-Control-Allow-Origin" not in response.headers
    async with session.post(server.url + CHAT, json={**BODY, "provider": "Echo"},
                            headers={"Origin": "https://other.example"}) as response:
        assert response.status == 403


async def test_a_preflight_without_cors_origins_is_refused(api, echo):
    server, session = await api()
    preflight = {"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}
    async with session.options(server.url + CHAT, headers=preflight) as response:
        assert response.status == 403 and "Access-Control-Allow-Origin" not in response.headers


async def test_any_origin_when_star_is_allowed(api, echo):
    server, session = await api(cors_origins=("*",), api_key="g4f-cors-key-7Qz9Lm2Xv4Np")
    headers = {"Origin": "https://anywhere.example", "Authorization": "Bearer g4f-cors-key-7Qz9Lm2Xv4Np"}
    async with session.get(server.url + "/v1/models", headers=headers) as response:
        assert response.status == 200 and response.headers["Access-Control-Allow-Origin"] == "*"


async def test_the_openai_sdk_is_unaffected(api, echo):
    server, _ = await api(cors_origins=("https://app.example",), allowed_hosts=("g4f.lan",))
    client = openai.AsyncOpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0)
    try:
        completion = await client.chat.completions.create(model="m", messages=MESSAGES,
                                                          extra_body={"provider": "Echo"})
        assert completion.choices[0].message.content == "echo"
    finally:
        await client.close()
