"""The ``g4f`` command line: each command run as a user runs it (in a subprocess), or through
``main(argv)`` where the test needs its own in-test providers."""

from __future__ import annotations

import io
import json
import stat
import subprocess
import sys

import pytest

from g4f.cli import main
from g4f.errors import ModelNotFoundError
from g4f.providers.base_provider import AsyncAuthedProvider
from g4f.providers.response import AuthResult, Conversation, ProviderInfo, Reasoning, RequestLogin

from .client.conftest import closed_port, local_servers_absent  # noqa: F401  (autouse here too)
from .client.scripted import last_user_text, registered, scripted


def g4f(*args, env_extra=None, config_dir, stdin=""):
    """Run ``g4f ARGS`` in a fresh interpreter with no credentials in its environment."""
    from .test_replica_command import fresh_env

    env = fresh_env(config_dir, **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "g4f.cli", *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=120, check=False)


def one_error_line(result) -> str:
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("g4f: error: ") and "Traceback" not in result.stderr
    return lines[0]


# -- chat ----------------------------------------------------------------------------------------

Thinker = scripted("Thinker", [ProviderInfo("Thinker", "t-1"), Reasoning("weighing "), Reasoning("options"),
                               Reasoning(status="searching the web"), "The ", "answer."])


def test_chat_streams_the_answer_and_shows_reasoning_apart(capsys):
    with registered(Thinker):
        assert main(["chat", "What is it?", "-p", "thinker"]) == 0
    out, err = capsys.readouterr()
    assert out == "The answer.\n"
    assert "[thinking] weighing options" in err and "[searching the web]" in err
    assert Thinker.calls[-1][1] == [{"role": "user", "content": "What is it?"}]


def test_chat_reads_the_prompt_from_stdin_with_a_dash(capsys, monkeypatch):
    echo = scripted("Echo", lambda model, messages, kwargs: [f"got: {last_user_text(messages)}"])
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long\nprompt"))
    with registered(echo):
        assert main(["chat", "-", "-p", "Echo", "-m", "some-model"]) == 0
    assert capsys.readouterr().out == "got: a long\nprompt\n"
    assert echo.calls[-1][0] == "some-model"


def test_interactive_session_continues_the_conversation(capsys, monkeypatch):
    def remembering(model, messages, kwargs):
        conversation = kwargs.get("conversation")
        turn = (conversation.turn if conversation is not None else 0) + 1
        return [ProviderInfo("Memory"), f"turn {turn}: {last_user_text(messages)}", Conversation(f"c{turn}", turn=turn)]

    memory = scripted("Memory", remembering, supports_conversations=True,
                      serves=classmethod(lambda cls, model: model == "memory-model"))
    monkeypatch.setattr(sys, "stdin", io.StringIO("first\n\nsecond\nthird\n"))
    with registered(memory):
        assert main(["chat", "-m", "memory-model"]) == 0  # auto-selection picks Memory, then keeps it
    assert capsys.readouterr().out == "turn 1: first\nturn 2: second\nturn 3: third\n"
    _model, messages, kwargs = memory.calls[-1]
    assert [m["content"] for m in messages] == ["first", "turn 1: first", "second", "turn 2: second", "third"]
    assert kwargs["conversation"].conversation_id == "c2"


def test_unknown_provider_is_one_line(tmp_path):
    line = one_error_line(g4f("chat", "Hello", "-p", "Gorq", config_dir=tmp_path))
    assert "no provider named 'Gorq'" in line and "Groq" in line


def test_unknown_model_is_one_line(capsys):
    picky = scripted("Picky", [ModelNotFoundError("model 'nope' not found; it serves: a, b", provider="Picky")])
    with registered(picky):
        assert main(["chat", "Hello", "-p", "Picky", "-m", "nope"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["g4f: error: Picky: model 'nope' not found; it serves: a, b"]


def test_missing_key_for_a_named_provider_is_one_line(tmp_path):
    line = one_error_line(g4f("chat", "Hello", "-p", "Groq", config_dir=tmp_path))
    assert "GROQ_API_KEY" in line


def test_fresh_machine_chat_says_what_to_set(tmp_path):
    result = g4f("chat", "Hello", config_dir=tmp_path)
    line = one_error_line(result)
    assert "GROQ_API_KEY" in line
    assert result.stdout == ""


def test_an_error_after_output_starts_goes_on_its_own_line(capsys):
    from g4f.errors import ResponseError

    cut = scripted("Cut", ["partial answer", ResponseError("the stream was cut short", provider="Cut")])
    with registered(cut):
        assert main(["chat", "Hello", "-p", "Cut"]) == 1
    out, err = capsys.readouterr()
    assert out == "partial answer\n" and err == "g4f: error: Cut: the stream was cut short\n"


# -- api: what it says when it starts ------------------------------------------------------------

def api_start_lines(config_dir, **env_extra: str) -> list[str]:
    """``g4f api`` started as a user starts it: its stderr until it says where it listens."""
    from .test_replica_command import fresh_env

    command = [sys.executable, "-m", "g4f.cli", "api", "--port", "0"]
    process = subprocess.Popen(command, env=fresh_env(config_dir, **env_extra), stderr=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, text=True)
    lines: list[str] = []
    try:
        assert process.stderr is not None
        for line in process.stderr:  # ends at EOF: a server that exits ends the loop
            lines.append(line.rstrip("\n"))
            if line.startswith("g4f API on "):
                break
    finally:
        process.terminate()
        process.communicate(timeout=30)
    assert lines and lines[-1].startswith("g4f API on "), lines
    return lines


def test_api_without_credentials_says_what_would_give_some(tmp_path):
    lines = api_start_lines(tmp_path)
    assert lines[0].startswith("g4f: no provider has credentials yet: set GROQ_API_KEY, XAI_API_KEY, "), lines
    assert "before starting g4f api" in lines[0] and "run `g4f login grok` (Grok AI)" in lines[0]
    assert "--api-key" not in lines[0] and "cookies=" not in lines[0]  # no per-request options here
    assert "without any: Ollama or Local OpenAI-compatible server, if running" in lines[0]
    assert lines[1].startswith("g4f web chat on http://127.0.0.1:") and "open it in a browser" in lines[1]


def test_api_with_a_key_names_the_providers_it_enables(tmp_path):
    lines = api_start_lines(tmp_path, GROQ_API_KEY="gsk_apiStartKey12345678")
    assert lines[0].startswith("g4f: providers with credentials: Groq; without any: Ollama"), lines
    assert "gsk_apiStartKey12345678" not in "\n".join(lines)


# -- providers, models ---------------------------------------------------------------------------

def test_providers_table_says_who_needs_and_has_credentials(tmp_path):
    result = g4f("providers", env_extra={"GROQ_API_KEY": "gsk_cliTestKey12345678"}, config_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["PROVIDER", "NEEDS", "AUTH", "CREDENTIALS", "WORKING", "MODELS"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["Groq"][1:3] == ["yes", "found"] and "openai/gpt-oss-120b," in rows["Groq"]
    assert rows["OpenAI"][1:3] == ["yes", "missing"]
    assert rows["Ollama"][1:3] == ["no", "-"]
    assert "gsk_cliTestKey12345678" not in result.stdout + result.stderr


def test_providers_as_json(tmp_path):
    result = g4f("providers", "--json", config_dir=tmp_path)
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    assert rows["Grok"]["needs_auth"] and not rows["Grok"]["credentials"]
    assert "grok-3" in rows["Grok"]["models"]


def test_models_table_and_one_providers_models(tmp_path):
    result = g4f("models", config_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    assert "Groq" in rows["llama-3.3-70b-versatile"] and "131072" in rows["llama-3.3-70b-versatile"]
    groq = g4f("models", "-p", "groq", "--json", config_dir=tmp_path)
    ids = [row["id"] for row in json.loads(groq.stdout)]
    assert "llama-3.3-70b-versatile" in ids and "grok-3" not in ids


def test_models_of_an_unknown_provider_is_one_line(tmp_path):
    assert "no provider named 'nobody'" in one_error_line(g4f("models", "-p", "nobody", config_dir=tmp_path))


# -- login ---------------------------------------------------------------------------------------

class Portal(AsyncAuthedProvider):
    working = True
    label = "Portal"
    login_url = "https://portal.test/login"

    @classmethod
    async def on_auth_async(cls, **kwargs):
        yield RequestLogin(cls.label, cls.login_url)
        yield AuthResult(cookies={"session": "portal-session-secret-42"})

    @classmethod
    async def create_authed(cls, model, messages, auth_result, **kwargs):
        yield f"hello with {len(auth_result.cookies)} cookie"


def test_login_runs_authenticate_and_caches_the_result(capsys, isolated_config):
    with registered(Portal):
        assert main(["login", "portal"]) == 0
        out, err = capsys.readouterr()
        assert "Log in to Portal in the browser window (https://portal.test/login)" in err
        cache = isolated_config / "auth" / "Portal.json"
        assert f"Logged in to Portal; credentials saved in {cache}" in out
        assert stat.S_IMODE(cache.stat().st_mode) == 0o600
        assert "portal-session-secret-42" not in out + err
        # The cached login is used by the next chat without logging in again.
        assert main(["chat", "hi", "-p", "Portal"]) == 0
        out, err = capsys.readouterr()
        assert out == "hello with 1 cookie\n" and "Log in" not in err


def test_login_grok_with_a_cookie_file(tmp_path):
    cookies = tmp_path / "cookies"
    cookies.mkdir(parents=True)
    cookie_file = cookies / "grok.json"
    cookie_file.write_text(json.dumps(
        [{"domain": ".grok.com", "name": "sso", "value": "sso-cookie-value-0123456789"},
         {"domain": ".grok.com", "name": "sso-rw", "value": "sso-rw-value-0123456789"}]))
    cookie_file.chmod(0o600)
    result = g4f("login", "grok", config_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    cache = tmp_path / "auth" / "Grok.json"
    assert result.stdout.startswith("Logged in to Grok") and f"credentials saved in {cache}" in result.stdout
    assert json.loads(cache.read_text())["cookies"]["sso"] == "sso-cookie-value-0123456789"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert "sso-cookie-value" not in result.stdout + result.stderr


def test_login_to_a_provider_that_takes_a_key_says_which_key(tmp_path):
    line = one_error_line(g4f("login", "groq", config_dir=tmp_path))
    assert "GROQ_API_KEY" in line and "--api-key" in line and "api_key=" not in line


# -- usage ---------------------------------------------------------------------------------------

def test_usage_errors_exit_2_and_help_lists_the_commands(tmp_path):
    result = g4f("frobnicate", config_dir=tmp_path)
    assert result.returncode == 2 and "invalid choice" in result.stderr
    help_text = g4f("--help", config_dir=tmp_path).stdout
    for command in ("chat", "api", "providers", "models", "login", "replica"):
        assert command in help_text


@pytest.mark.parametrize("command", [["chat", "--help"], ["api", "--help"]])
def test_command_help(tmp_path, command):
    result = g4f(*command, config_dir=tmp_path)
    assert result.returncode == 0 and "--" in result.stdout


async def test_interactive_grok_session_continues_on_grok_com(serve, monkeypatch, isolated_config):
    """Turn two goes to the conversation grok.com created in turn one (only the new message is sent)."""
    import asyncio

    from .replicas.grok import serve_grok

    replica = await serve_grok(serve, monkeypatch)
    (isolated_config / "cookies").mkdir(parents=True)
    (isolated_config / "cookies" / "grok.json").write_text(
        json.dumps([{"domain": ".grok.com", "name": "sso", "value": replica.sso}]))
    monkeypatch.setattr(sys, "stdin", io.StringIO("Hello\nAgain\n"))
    # main() runs its own event loop, so it runs in a thread while the replica serves on this one.
    assert await asyncio.to_thread(main, ["chat", "-p", "Grok"]) == 0
    assert len(replica.conversations) == 1
    conversation_id = next(iter(replica.conversations))
    assert replica.requests[-1].path.endswith(f"/{conversation_id}/responses")
    assert replica.requests[-1].payload["message"] == "Again"


# -- g4f chat --cookies-file ---------------------------------------------------------------------

NETSCAPE = """# Netscape HTTP Cookie File
.grok.com\tTRUE\t/\tTRUE\t2000000000\tsso\t{sso}
.grok.com\tTRUE\t/\tTRUE\t2000000000\tsso-rw\trw-cookie-value
"""


@pytest.mark.parametrize("shape", ["json", "netscape"])
async def test_cookies_file_gives_grok_its_login_for_the_call(shape, serve, monkeypatch, isolated_config, tmp_path,
                                                              capsys):
    """As a browser extension exports them; only grok.com's cookies are sent, and nothing is saved."""
    import asyncio

    from .replicas.grok import serve_grok

    replica = await serve_grok(serve, monkeypatch)
    exported = tmp_path / "cookies.txt"
    if shape == "json":
        exported.write_text(json.dumps([{"domain": ".grok.com", "name": "sso", "value": replica.sso, "path": "/"},
                                        {"domain": ".example.org", "name": "tracker", "value": "other-site"}]))
    else:
        exported.write_text(NETSCAPE.format(sso=replica.sso))
    status = await asyncio.to_thread(main, ["chat", "-p", "Grok", "--cookies-file", str(exported), "Hello"])
    assert status == 0, capsys.readouterr().err
    assert capsys.readouterr().out == "You said: Hello.\n"
    sent = replica.requests[-1].cookies
    assert sent["sso"] == replica.sso and "tracker" not in sent
    assert not (isolated_config / "auth").exists() or not list((isolated_config / "auth").iterdir())


def test_cookies_file_mistakes_are_one_line(tmp_path):
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps([{"domain": ".grok.com", "name": "sso", "value": "secret-sso-value-123"},
                                 {"domain": ".example.org", "name": "a", "value": "b"}]))
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("these are not cookies")
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps([{"domain": ".example.org", "name": "a", "value": "b"}]))
    cases = [
        (["--cookies-file", str(tmp_path / "missing.json")], "No such file"),
        (["--cookies-file", str(garbage)], "neither JSON nor a Netscape cookies.txt"),
        (["--cookies-file", str(mixed)], "holds the cookies of 2 sites (example.org, grok.com); name the provider"),
        (["--cookies-file", str(empty), "-p", "Grok"], "holds no cookies for grok.com"),
    ]
    for args, expected in cases:
        line = one_error_line(g4f("chat", "Hello", *args, config_dir=tmp_path))
        assert expected in line and "secret-sso-value-123" not in line, line

