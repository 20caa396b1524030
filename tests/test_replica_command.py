"""``g4f replica``: the test kit's OpenAI-compatible replica as a command, run as a user runs it
(a real process on 127.0.0.1), used by the openai SDK, by ``g4f chat`` and by ``g4f api``."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import openai
import pytest

from .client.conftest import closed_port


def fresh_env(config_dir: Path, **extra: str) -> dict[str, str]:
    """This environment without keys or base URLs, an empty config folder, local servers absent."""
    from tests.test_docs import base_url_variables

    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and k not in base_url_variables()}
    dead = f"http://127.0.0.1:{closed_port()}/v1"
    env.update({"G4F_CONFIG_DIR": str(config_dir), "OLLAMA_HOST": dead, "G4F_LOCAL_API_BASE": dead})
    env.update(extra)
    return env


@dataclass
class Replica:
    process: subprocess.Popen[str]
    banner: list[str] = field(default_factory=list)

    @property
    def exports(self) -> dict[str, str]:
        """The variables of the banner's ``export`` line."""
        line = next(line for line in self.banner if line.strip().startswith("export "))
        return dict(word.split("=", 1) for word in line.split()[1:])

    @property
    def base_url(self) -> str:
        return re.search(r" on (http://127\.0\.0\.1:\d+\S*)", self.banner[0]).group(1)

    def stop(self) -> tuple[int, str]:
        """Ctrl+C, as a user stops it: the exit status and what it printed after the banner."""
        self.process.send_signal(signal.SIGINT)
        rest, _ = self.process.communicate(timeout=30)
        return self.process.returncode, rest


def start_replica(*args: str, config_dir: Path) -> Replica:
    process = subprocess.Popen([sys.executable, "-m", "g4f.cli", "replica", "--port", "0", *args],
                               env=fresh_env(config_dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    replica = Replica(process)
    assert process.stdout is not None
    for line in process.stdout:  # bounded: the process prints its banner or exits
        replica.banner.append(line.rstrip("\n"))
        if "Ctrl+C stops it." in line:
            return replica
    raise AssertionError(f"g4f replica exited ({process.wait(30)}): {replica.banner}")


@pytest.fixture
def replica_factory(tmp_path) -> Iterator:
    started: list[Replica] = []

    def start(*args: str) -> Replica:
        replica = start_replica(*args, config_dir=tmp_path)
        started.append(replica)
        return replica

    yield start
    for replica in started:
        if replica.process.poll() is None:
            replica.process.kill()
            replica.process.communicate(timeout=30)


def sdk(replica: Replica, key: str = "sk-replica", **options) -> openai.OpenAI:
    return openai.OpenAI(base_url=replica.base_url, api_key=key, max_retries=0, timeout=30, **options)


def test_it_prints_where_it_listens_and_the_line_to_paste_and_stops_on_ctrl_c(replica_factory):
    replica = replica_factory()
    assert replica.base_url.endswith("/v1")
    assert replica.exports == {"OPENAI_BASE_URL": replica.base_url, "OPENAI_API_KEY": "sk-replica"}
    assert "gpt-4o-mini" in replica.banner[1] and "any API key" in replica.banner[1]
    with sdk(replica) as client:
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "one"}])
    status, rest = replica.stop()
    assert status == 0 and "stopped after 1 chat requests" in rest


def test_the_openai_sdk_gets_echoes_streamed_and_not(replica_factory):
    replica = replica_factory()
    with sdk(replica) as client:
        completion = client.chat.completions.create(model="any-name", messages=[{"role": "user", "content": "hi"}])
        assert completion.choices[0].message.content == "You said: hi"
        assert completion.usage.total_tokens > 0
        stream = client.chat.completions.create(model="gpt-4o", stream=True,
                                                messages=[{"role": "user", "content": "stream me"}])
        text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
        assert text == "You said: stream me"
        assert [m.id for m in client.models.list()][:2] == ["gpt-4o-mini", "gpt-4o"]


def test_faults_by_header_as_in_the_tests(replica_factory):
    replica = replica_factory()
    with sdk(replica) as client:
        with pytest.raises(openai.RateLimitError) as limited:
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}],
                                           extra_headers={"X-Replica-Fault": "429 retry_after=7"})
        assert limited.value.response.headers["retry-after"] == "7"
        with pytest.raises(openai.InternalServerError) as down:
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}],
                                           extra_headers={"X-Replica-Fault": "http status=503"})
        assert down.value.status_code == 503
        # The next request has no header: answered again.
        assert client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "back"}]).choices[0].message.content == "You said: back"


def test_scripted_replies_queued_faults_models_and_key(replica_factory, tmp_path):
    script = tmp_path / "script.json"
    script.write_text('[{"content": "From the script", "times": 1}]')
    replica = replica_factory("--model", "house-model", "--api-key", "sk-only-this-key-42", "--reply", "First",
                              "--script", str(script), "--fault", "http status=500")
    assert replica.exports["OPENAI_API_KEY"] == "sk-only-this-key-42"
    with sdk(replica, key="sk-only-this-key-42") as client:

        def ask(model: str = "house-model") -> str | None:
            completion = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "echo"}])
            return completion.choices[0].message.content

        with pytest.raises(openai.InternalServerError):  # the queued fault: the next request, once
            ask()
        with sdk(replica, key="sk-wrong-key") as wrong, pytest.raises(openai.AuthenticationError):
            wrong.chat.completions.create(model="house-model", messages=[{"role": "user", "content": "x"}])
        with pytest.raises(openai.NotFoundError):  # only the models given are served
            ask("gpt-4o")
        assert [ask(), ask(), ask()] == ["First", "From the script", "You said: echo"]


def test_bad_options_are_one_line(tmp_path):
    env = fresh_env(tmp_path)
    cases = ((["--fault", "volcano"], "--fault 'volcano'"), (["--script", str(tmp_path / "no.json")], "--script"))
    for args, words in cases:
        result = subprocess.run([sys.executable, "-m", "g4f.cli", "replica", "--port", "0", *args], env=env,
                                capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 1 and result.stderr.startswith(f"g4f: error: {words}"), result.stderr
        assert "Traceback" not in result.stderr


def test_a_busy_port_is_one_line(replica_factory, tmp_path):
    port = replica_factory().base_url.rsplit(":", 1)[1].split("/")[0]
    result = subprocess.run([sys.executable, "-m", "g4f.cli", "replica", "--port", port], env=fresh_env(tmp_path),
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "--port" in result.stderr and "Traceback" not in result.stderr


def test_g4f_chat_answers_from_it_through_the_pasted_line(replica_factory, tmp_path):
    replica = replica_factory("--reply", "Offline answer")
    result = subprocess.run([sys.executable, "-m", "g4f.cli", "chat", "-p", "OpenAI", "hi"],
                            env=fresh_env(tmp_path, **replica.exports), capture_output=True, text=True, timeout=120,
                            check=False)
    assert (result.returncode, result.stdout) == (0, "Offline answer\n"), result.stderr
    auto = subprocess.run([sys.executable, "-m", "g4f.cli", "chat", "-m", "gpt-4o-mini", "hi again"],
                          env=fresh_env(tmp_path, **replica.exports), capture_output=True, text=True, timeout=120,
                            check=False)
    assert (auto.returncode, auto.stdout) == (0, "You said: hi again\n"), auto.stderr  # auto-selection picks OpenAI


def test_g4f_api_answers_from_it(replica_factory, tmp_path):
    replica = replica_factory()
    port = closed_port()
    api = subprocess.Popen([sys.executable, "-m", "g4f.cli", "api", "--port", str(port)],
                           env=fresh_env(tmp_path, **replica.exports), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    try:
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="unused", max_retries=0, timeout=30)
        deadline = time.monotonic() + 60
        while True:
            try:
                client.models.list()
                break
            except openai.APIConnectionError:
                assert api.poll() is None and time.monotonic() < deadline, "g4f api did not start"
                time.sleep(0.2)
        completion = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "via api"}],
                                                    extra_body={"provider": "OpenAI"})
        assert completion.choices[0].message.content == "You said: via api"
        client.close()
    finally:
        api.terminate()
        api.communicate(timeout=30)
    status, rest = replica.stop()
    assert status == 0 and "stopped after 1 chat requests" in rest
