"""Grok against a local replica of grok.com: conversations, events, auth cache, faults."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import subprocess
import sys
import uuid
from types import MappingProxyType

import pytest

import g4f
from g4f.auth.cache import AuthCache
from g4f.config import write_private_file
from g4f.errors import (
    BadRequestError,
    G4FError,
    MissingAuthError,
    NetworkError,
    ResponseError,
    ResponseStatusError,
    TimeoutError,
)
from g4f.Provider.needs_auth.Grok import Grok, GrokAnswer
from g4f.providers.response import (
    AuthResult,
    CompletionText,
    Conversation,
    ImagePreview,
    ImageResponse,
    Reasoning,
    TitleGeneration,
    is_text,
)
from tests.replicas.grok import GrokReplica, serve_grok

HELLO = [{"role": "user", "content": "Hello Grok"}]


@pytest.fixture
async def grok(serve, monkeypatch) -> GrokReplica:
    """A replica of grok.com; Grok's addresses point at it (and nothing else changes)."""
    return await serve_grok(serve, monkeypatch)


def save_cookie_file(config_dir, cookies: dict[str, str]) -> None:
    """A cookie file as a browser extension exports it."""
    items = [{"domain": ".grok.com", "name": name, "value": value, "path": "/"} for name, value in cookies.items()]
    write_private_file(config_dir / "cookies" / "grok.json", json.dumps(items))


async def collect(stream) -> list:
    return [item async for item in stream]


def text_of(items) -> str:
    return "".join(item for item in items if is_text(item))


# -- a new conversation ------------------------------------------------------------------------
async def test_new_conversation_streams_text_title_and_conversation(grok):
    items = await collect(Grok.create_async_generator(
        "grok-3", HELLO, cookies={"sso": grok.sso}, return_conversation=True))

    assert text_of(items) == "You said: Hello Grok."
    assert [i.title for i in items if isinstance(i, TitleGeneration)] == ["Hello Grok"]
    assert isinstance(items[-1], Conversation)
    assert items[-1].conversation_id in grok.conversations
    [request] = grok.requests
    assert request.path == "/rest/app-chat/conversations/new"
    assert uuid.UUID(request.request_id).version == 4
    assert request.payload["message"] == "Hello Grok"
    assert request.payload["modelName"] == "grok-3" and request.payload["isReasoning"] is False
    assert request.cookies["sso"] == grok.sso
    assert "Chrome/" in request.user_agent


async def test_new_conversation_sends_the_whole_formatted_prompt(grok):
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    await collect(Grok.create_async_generator("grok-3", messages, cookies={"sso": grok.sso}))

    assert grok.requests[0].payload["message"] == "System: Be brief.\nUser: Hi\nAssistant:"


@pytest.mark.parametrize("flag", [{}, {"return_conversation": False}, {"return_conversation": True}])
async def test_every_answer_ends_with_its_conversation(grok, flag):
    """Conversations are a declared capability: no keyword asks for them (gpt4free's
    ``return_conversation`` is accepted and changes nothing)."""
    items = await collect(Grok.create_async_generator("grok-3", HELLO, cookies={"sso": grok.sso}, **flag))

    assert Grok.supports_conversations
    [conversation] = [i for i in items if isinstance(i, Conversation)]
    assert items[-1] is conversation and conversation.conversation_id in grok.conversations
    assert "return_conversation" not in grok.requests[0].payload


async def test_each_request_has_its_own_request_id(grok):
    for _ in range(2):
        await collect(Grok.create_async_generator("grok-3", HELLO, cookies={"sso": grok.sso}))

    ids = [r.request_id for r in grok.requests]
    assert len(set(ids)) == 2 and all(uuid.UUID(i).version == 4 for i in ids)


# -- a whole conversation through the unified interface ----------------------------------------
async def test_whole_conversation_through_chat_completion(grok, isolated_config):
    save_cookie_file(isolated_config, {"sso": grok.sso, "sso-rw": "rw-value-123"})
    first = await g4f.ChatCompletion.create_async(
        "grok-3", [{"role": "user", "content": "My name is Ada"}], provider="Grok", return_conversation=True)

    assert isinstance(first, CompletionText)
    assert first == "You said: My name is Ada."
    assert first.conversation.conversation_id in grok.conversations

    history = [{"role": "user", "content": "My name is Ada"}, {"role": "assistant", "content": str(first)},
               {"role": "user", "content": "What is my name"}]
    second = await g4f.ChatCompletion.create_async(
        "grok-3", history, provider="Grok", conversation=first.conversation, return_conversation=True)

    assert second == "You said: What is my name. Turn 2; before that you said: My name is Ada."
    assert second.conversation.conversation_id == first.conversation.conversation_id
    continued = grok.requests[1]
    assert continued.path == f"/rest/app-chat/conversations/{first.conversation.conversation_id}/responses"
    assert continued.payload["message"] == "What is my name"  # only the last user message
    assert continued.request_id != grok.requests[0].request_id
    assert continued.cookies["sso-rw"] == "rw-value-123"


async def test_conversation_given_as_a_dict_is_continued(grok):
    first = await Grok.create_async("grok-3", HELLO, cookies={"sso": grok.sso}, return_conversation=True)
    conversation = first.conversation.to_dict()

    await Grok.create_async("grok-3", [{"role": "user", "content": "again"}], cookies={"sso": grok.sso},
                            conversation=conversation)

    assert grok.requests[1].path.endswith(f"/{conversation['conversation_id']}/responses")


async def test_conversation_without_an_id_is_a_bad_request(grok):
    with pytest.raises(BadRequestError, match="conversation_id"):
        await Grok.create_async("grok-3", HELLO, cookies={"sso": grok.sso}, conversation={"id": "x"})


async def test_unknown_conversation_is_an_http_error(grok):
    with pytest.raises(ResponseStatusError) as info:
        await Grok.create_async("grok-3", HELLO, cookies={"sso": grok.sso},
                                conversation=Conversation(str(uuid.uuid4())))
    assert info.value.status == 404 and "Conversation not found" in str(info.value)


# -- reasoning and images -----------------------------------------------------------------------
async def test_thinking_model_streams_reasoning_apart_from_the_answer(grok):
    items = await collect(Grok.create_async_generator("grok-3-r1", HELLO, cookies={"sso": grok.sso}))

    reasoning = [i for i in items if isinstance(i, Reasoning)]
    assert reasoning[0].status == "Thinking..." and reasoning[0].token is None
    assert "".join(r.token for r in reasoning if r.token) == "Let me think about this carefully."
    assert reasoning[-1].status.startswith("Thought for ")
    first_text = next(index for index, item in enumerate(items) if is_text(item))
    assert items.index(reasoning[-1]) < first_text  # thinking ends before the answer starts
    assert text_of(items) == "You said: Hello Grok."
    assert grok.requests[0].payload["isReasoning"] is True
    assert grok.requests[0].payload["modelName"] == "grok-3"


async def test_non_streamed_answer_keeps_reasoning_out_of_the_text(grok):
    answer = await Grok.create_async("grok-3-thinking", HELLO, cookies={"sso": grok.sso})

    assert answer == "You said: Hello Grok."
    assert answer.reasoning == "Let me think about this carefully."


async def test_grok_2_is_sent_as_grok_latest(grok):
    await collect(Grok.create_async_generator("grok-2", HELLO, cookies={"sso": grok.sso}))

    assert grok.requests[0].payload["modelName"] == "grok-latest"


async def test_image_progress_and_final_images(grok):
    items = await collect(Grok.create_async_generator(
        "grok-3", [{"role": "user", "content": "Please draw a cat"}], cookies={"sso": grok.sso}))

    previews = [i for i in items if isinstance(i, ImagePreview)]
    assert [p.options["progress"] for p in previews] == [50, 100, 50, 100]
    assert all(p.urls[0].startswith(f"{Grok.assets_url}/users/u-1/generated/") for p in previews)
    [final] = [i for i in items if isinstance(i, ImageResponse)]
    assert len(final.urls) == 2 and final.urls[0] == previews[0].urls[0]
    assert all("sso" not in json.dumps(event.to_dict()) for event in previews + [final])


# -- credentials --------------------------------------------------------------------------------
async def test_bad_cookie_is_missing_auth_and_never_quoted(grok):
    secret = "sso-not-a-valid-session-987654"
    with pytest.raises(MissingAuthError) as info:
        await Grok.create_async("grok-3", HELLO, cookies={"sso": secret})

    assert info.value.status == 403
    assert secret not in str(info.value) and secret not in repr(info.value)


async def test_cookie_file_is_used_and_the_result_is_cached_0600(grok, isolated_config):
    save_cookie_file(isolated_config, {"sso": grok.sso})
    await Grok.create_async("grok-3", HELLO)

    cache = AuthCache("Grok")
    assert stat.S_IMODE(cache.path.stat().st_mode) == 0o600
    cached = cache.load()
    assert cached.cookies["sso"] == grok.sso
    assert cached.impersonate == "chrome" and "Chrome/" in cached.headers["user-agent"]

    (isolated_config / "cookies" / "grok.json").unlink()  # the cache alone is enough now
    assert await Grok.create_async("grok-3", HELLO) == "You said: Hello Grok."


async def test_argument_cookies_win_over_cookie_files(grok, isolated_config):
    save_cookie_file(isolated_config, {"sso": "sso-from-the-file-000000"})
    await Grok.create_async("grok-3", HELLO, cookies={"sso": grok.sso})

    assert grok.requests[0].cookies["sso"] == grok.sso


async def test_rejected_cached_result_logs_in_once_more(grok, isolated_config):
    AuthCache("Grok").save(AuthResult(cookies={"sso": "sso-expired-session-000"}, impersonate="chrome"))
    save_cookie_file(isolated_config, {"sso": grok.sso})

    items = await collect(Grok.create_async_generator("grok-3", HELLO))

    assert text_of(items) == "You said: Hello Grok."
    assert [r.cookies["sso"] for r in grok.requests] == ["sso-expired-session-000", grok.sso]
    assert AuthCache("Grok").load().cookies["sso"] == grok.sso


async def test_login_is_retried_only_once(grok, isolated_config):
    AuthCache("Grok").save(AuthResult(cookies={"sso": "sso-expired-session-000"}, impersonate="chrome"))
    save_cookie_file(isolated_config, {"sso": "sso-also-expired-111111"})

    with pytest.raises(MissingAuthError):
        await Grok.create_async("grok-3", HELLO)
    assert len(grok.requests) == 2


async def test_rotated_cookie_is_saved_and_used_next_time(grok, isolated_config):
    grok.rotate_sso = True
    first_sso = grok.sso
    save_cookie_file(isolated_config, {"sso": first_sso})
    await Grok.create_async("grok-3", HELLO)

    cache = AuthCache("Grok")
    rotated = cache.load().cookies["sso"]
    assert rotated != first_sso and rotated in grok.valid_sso and first_sso not in grok.valid_sso
    assert stat.S_IMODE(cache.path.stat().st_mode) == 0o600

    (isolated_config / "cookies" / "grok.json").unlink()
    assert await Grok.create_async("grok-3", HELLO) == "You said: Hello Grok."
    assert grok.requests[1].cookies["sso"] == rotated


async def test_rotated_cookie_is_kept_even_when_the_answer_fails(grok, isolated_config):
    grok.rotate_sso, grok.fault = True, "cut"
    first_sso = grok.sso
    save_cookie_file(isolated_config, {"sso": first_sso})
    with pytest.raises((ResponseError, NetworkError)):
        await Grok.create_async("grok-3", HELLO)

    rotated = AuthCache("Grok").load().cookies["sso"]
    assert rotated != first_sso and rotated in grok.valid_sso
    assert await Grok.create_async("grok-3", HELLO) == "You said: Hello Grok."


async def test_cache_is_reused_by_another_process(grok, isolated_config):
    save_cookie_file(isolated_config, {"sso": grok.sso})
    await Grok.create_async("grok-3", HELLO)
    (isolated_config / "cookies" / "grok.json").unlink()

    script = (
        "import asyncio, sys\n"
        "from g4f.Provider.needs_auth.Grok import Grok\n"
        "base = sys.argv[1]\n"
        "Grok.url, Grok.conversation_url = base, base + '/rest/app-chat/conversations'\n"
        "print(asyncio.run(Grok.create_async('grok-3', [{'role': 'user', 'content': 'from afar'}])))\n"
    )
    env = {**os.environ, "G4F_CONFIG_DIR": str(isolated_config)}
    base = Grok.url
    done = await __import__("asyncio").to_thread(
        subprocess.run, [sys.executable, "-c", script, base], env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "You said: from afar."
    assert grok.requests[-1].cookies["sso"] == grok.sso


async def test_secrets_stay_out_of_reprs_and_logs(grok, caplog):
    caplog.set_level(logging.DEBUG, logger="g4f")
    auth = Grok._auth_result({"sso": grok.sso}, "Mozilla/5.0 Chrome/150.0.0.0")
    await collect(Grok.create_async_generator("grok-3", HELLO, cookies={"sso": grok.sso}, unknown_flag=1))

    assert grok.sso not in repr(auth) and grok.sso not in str(auth)
    assert grok.sso not in caplog.text
    assert "unknown_flag" in caplog.text  # an argument grok.com does not take is logged, not lost


# -- faults: an answer cut short is an error ------------------------------------------------------
@pytest.mark.parametrize("fault, error", [
    ("malformed", ResponseError),
    ("truncated", ResponseError),
    ("error_line", ResponseError),
    ("cut", (ResponseError, NetworkError)),
    ("reset", (ResponseError, NetworkError)),
])
async def test_faults_raise_instead_of_a_shorter_answer(grok, fault, error):
    grok.fault = fault
    received = []
    with pytest.raises(error) as info:
        async for item in Grok.create_async_generator("grok-3", HELLO, cookies={"sso": grok.sso}):
            received.append(item)

    assert info.value.provider == "Grok"
    assert grok.sso not in str(info.value)
    if fault == "error_line":
        assert "Too many requests" in str(info.value)
    if fault == "truncated":
        assert text_of(received) == "You said: Hello Grok."  # whole text, yet no final modelResponse


async def test_slow_stream_still_completes(grok):
    grok.fault, grok.slow_delay = "slow", 0.05
    assert await Grok.create_async("grok-3", HELLO, cookies={"sso": grok.sso}) == "You said: Hello Grok."


async def test_text_arrives_while_grok_is_still_answering(grok):
    grok.fault, grok.slow_delay = "slow", 0.1
    finished_at_first_text = None
    async for item in Grok.create_async_generator("grok-3", HELLO, cookies={"sso": grok.sso}):
        if is_text(item) and finished_at_first_text is None:
            finished_at_first_text = grok.finished
    assert finished_at_first_text == 0 and grok.finished == 1


async def test_stalled_stream_times_out(grok):
    grok.fault, grok.slow_delay = "slow", 3.0
    with pytest.raises(TimeoutError):
        await Grok.create_async("grok-3", HELLO, cookies={"sso": grok.sso}, timeout=1)


async def test_unreachable_grok_is_a_network_error(monkeypatch, unused_tcp_port):
    base = f"http://127.0.0.1:{unused_tcp_port}"
    monkeypatch.setattr(Grok, "conversation_url", f"{base}/rest/app-chat/conversations")
    with pytest.raises(NetworkError):
        await Grok.create_async("grok-3", HELLO, cookies={"sso": "sso-whatever-123"})


# -- pieces ------------------------------------------------------------------------------------
def test_payload_flags():
    hi = [{"role": "user", "content": "hi"}]
    payload = Grok.build_payload("grok-3-thinking", hi)
    assert payload["message"] == "hi" and payload["modelName"] == "grok-3" and payload["isReasoning"] is True
    assert payload["modeId"] == "reasoning"
    assert Grok.build_payload("grok-2", hi)["modelName"] == "grok-latest"
    assert {"temporary", "enableImageGeneration", "imageGenerationCount", "fileAttachments",
            "imageAttachments", "disableSearch"} <= set(payload)
    history = [*hi, {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "again"}]
    assert Grok.build_payload("grok-3", history, conversation_id="c-1")["message"] == "again"
    assert Grok.build_payload("grok-3", history)["message"].startswith("User: hi\n")


def test_declared_attributes():
    assert Grok.label == "Grok AI" and Grok.needs_auth and Grok.working
    assert Grok.cookie_domain == ".grok.com" and Grok.default_model == "grok-3"
    assert Grok.get_model("grok-3-r1") == "grok-3-thinking"
    assert g4f.Provider.Grok is Grok and g4f.Provider.needs_auth.Grok is Grok


def test_answer_reader_rejects_lines_that_are_not_objects():
    with pytest.raises(ResponseError):
        GrokAnswer("https://assets.grok.com").feed(["not", "an", "object"])


def test_answer_reader_reads_continued_conversation_shape():
    reader = GrokAnswer("https://assets.grok.com", "c-1")
    assert reader.feed({"result": {"token": "Hi", "isThinking": False}}) == ["Hi"]
    assert not reader.complete
    assert reader.feed({"result": {"modelResponse": {"message": "Hi", "generatedImageUrls": []}}}) == []
    assert reader.complete and reader.conversation_id == "c-1"


def test_importing_the_provider_is_light():
    code = ("import sys, g4f.Provider.needs_auth.Grok\n"
            "heavy = {'curl_cffi', 'aiohttp', 'nodriver', 'browser_cookie3'} & set(sys.modules)\n"
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_errors_are_g4f_errors():
    assert issubclass(MissingAuthError, G4FError)


def test_a_cookie_file_with_sso_counts_as_credentials_for_auto_selection(isolated_config):
    """Auto-selection must not skip Grok when the user saved grok.com cookies to a cookie file."""
    import json

    from g4f.Provider.needs_auth.Grok import Grok

    assert not Grok.has_credentials()
    cookies = isolated_config / "cookies"
    cookies.mkdir(parents=True)
    (cookies / "grok.json").write_text(json.dumps([{"domain": ".grok.com", "name": "sso", "value": "v" * 12}]))
    assert Grok.has_credentials()
    assert "g4f login grok" in Grok.credential_hint()


# -- grok.com's current models ------------------------------------------------------------------
#: model -> (modelName, modeId, isReasoning) as grok.com's front end sends them.
EXPECTED_MODES = {
    "grok-3": ("grok-3", "fast", False),
    "grok-3-thinking": ("grok-3", "reasoning", True),
    "grok-3-reasoning": ("grok-3", "reasoning", True),
    "grok-3-mini": ("grok-3-mini", "fast", False),
    "grok-3-mini-reasoning": ("grok-3-mini", "reasoning", True),
    "grok-3-deepsearch": ("grok-3", "deepsearch", False),
    "grok-4": ("grok-4", "expert", False),
    "grok-4-heavy": ("grok-4-heavy", "heavy", False),
    "grok-4-reasoning": ("grok-4", "reasoning", True),
    "grok-4-deepsearch": ("grok-4", "deepsearch", False),
    "grok-latest": ("grok-latest", "auto", False),
    "grok-2": ("grok-latest", "fast", False),
    "grok-2-image": ("grok-latest", "fast", False),
    "grok-3-r1": ("grok-3", "reasoning", True),  # an alias of grok-3-thinking
}


@pytest.mark.parametrize("model", sorted(EXPECTED_MODES))
async def test_each_model_is_asked_for_with_its_model_name_and_mode(grok, model):
    answer = await Grok.create_async(model, HELLO, cookies={"sso": grok.sso})

    assert answer == "You said: Hello Grok."  # the replica refuses unknown modelName / modeId values
    sent = grok.requests[0].payload
    assert (sent["modelName"], sent["modeId"], sent["isReasoning"]) == EXPECTED_MODES[model]
    assert answer.provider.model == Grok.get_model(model)


def test_the_model_list_is_an_immutable_declaration():
    assert isinstance(Grok.models, tuple) and set(Grok.models) == set(EXPECTED_MODES) - {"grok-3-r1"}
    assert isinstance(Grok.model_aliases, MappingProxyType) and isinstance(Grok.modes, MappingProxyType)
    with pytest.raises(TypeError):
        Grok.model_aliases["x"] = "y"  # type: ignore[index]
    assert Grok.get_model("grok-3-r1") == "grok-3-thinking" and Grok.get_model("") == "grok-3"


def test_every_grok_model_is_in_the_catalogue_with_grok_as_a_provider():
    from g4f.models import ModelUtils

    for name in EXPECTED_MODES:
        row = ModelUtils.get(name)
        assert row is not None, name
        assert "Grok" in row.provider_names(), name


async def test_deep_search_status_lines_are_reasoning_statuses(grok):
    items = await collect(Grok.create_async_generator(
        "grok-4-deepsearch", [{"role": "user", "content": "Research lighthouses"}], cookies={"sso": grok.sso}))

    statuses = [i.status for i in items if isinstance(i, Reasoning) and i.status]
    assert statuses == ["Deep searching...", "Deep search: Planning the research",
                        "Deep search: Reading 2 sources", "Deep search completed"]
    assert text_of(items) == "You said: Research lighthouses."
    assert grok.requests[0].payload["modeId"] == "deepsearch"


@pytest.mark.parametrize("model", ["grok-3", "grok-4-deepsearch"])
async def test_tool_usage_lines_are_logged_not_shown(grok, caplog, model):
    caplog.set_level(logging.DEBUG, logger="g4f")
    messages = [{"role": "user", "content": "Please search the web for lighthouses"}]
    items = await collect(Grok.create_async_generator(model, messages, cookies={"sso": grok.sso}))

    assert text_of(items) == "You said: Please search the web for lighthouses."
    shown = " ".join(str(item) for item in items) + "".join(i.token or "" for i in items if isinstance(i, Reasoning))
    assert "xai:tool_usage_card" not in shown and "example.org" not in shown
    assert "grok.com used a tool" in caplog.text and "webSearchResults" in caplog.text


def test_answer_reader_skips_tool_usage_even_with_a_token():
    reader = GrokAnswer("https://assets.grok.com", "c-1")
    line = {"result": {"token": "<xai:tool_usage_card/>", "isThinking": False, "toolUsageCardId": "c"}}
    assert reader.feed(line) == []
    assert reader.feed({"result": {"token": "Hi", "isThinking": False}}) == ["Hi"]


# -- timeouts: a stall and a whole request ---------------------------------------------------------
async def test_read_timeout_is_the_stall_and_timeout_the_whole_request(grok):
    grok.fault, grok.slow_delay = "slow", 0.3  # ~20 lines, 0.3 s apart: no stall, ~6 s in all
    started = asyncio.get_running_loop().time()
    with pytest.raises(TimeoutError, match="took longer than its 1s timeout"):
        await Grok.create_async("grok-3", HELLO, cookies={"sso": grok.sso}, timeout=1, read_timeout=5)
    assert asyncio.get_running_loop().time() - started < 3

    grok.fault, grok.slow_delay = "slow", 1.5
    with pytest.raises(TimeoutError, match="stalled for 0.5s"):
        await Grok.create_async("grok-3", HELLO, cookies={"sso": grok.sso}, read_timeout=0.5)


# -- one pooled session ----------------------------------------------------------------------------
async def test_requests_on_one_loop_reuse_one_connection_until_aclose(grok):
    from g4f.requests import curl

    first = await Grok.create_async("grok-3", HELLO, cookies={"sso": grok.sso})
    second = await Grok.create_async("grok-3", [{"role": "user", "content": "again"}], cookies={"sso": grok.sso},
                                     conversation=first.conversation)
    assert second.startswith("You said: again.")
    assert len({r.peer_port for r in grok.requests}) == 1 and None not in {r.peer_port for r in grok.requests}

    await g4f.aclose()  # closes the loop's pooled sessions: the next request connects anew
    assert asyncio.get_running_loop() not in curl._pools
    await Grok.create_async("grok-3", HELLO, cookies={"sso": grok.sso})
    assert grok.requests[2].peer_port != grok.requests[0].peer_port


def test_loop_shutdown_closes_the_pool_without_resource_warning():
    script = (
        "import asyncio, gc\n"
        "from g4f.testing.server import LocalServer\n"
        "from g4f.requests import curl\n"
        "from g4f.Provider.needs_auth.Grok import Grok\n"
        "from tests.replicas.grok import API, GrokReplica\n"
        "async def main():\n"
        "    replica = GrokReplica()\n"
        "    async with LocalServer(replica.app()) as server:\n"
        "        Grok.url, Grok.conversation_url = server.url, server.url + API\n"
        "        for _ in range(2):\n"
        "            await Grok.create_async('grok-3', [{'role': 'user', 'content': 'hi'}], cookies={'sso': replica.sso})\n"
        "        assert len({r.peer_port for r in replica.requests}) == 1\n"
        "        return list(curl._pools[asyncio.get_running_loop()].sessions.values())\n"
        "sessions = asyncio.run(main())\n"
        "assert sessions and all(s._closed for s in sessions) and not curl._pools\n"
        "del sessions\n"
        "gc.collect()\n"
        "print('ok')\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run([sys.executable, "-W", "error", "-c", script], cwd=root, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
    for sign in ("Unclosed", "ResourceWarning", "Exception ignored", "Task was destroyed"):
        assert sign not in done.stderr, done.stderr
