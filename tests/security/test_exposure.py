"""Issue 14, point 4: ``g4f api --host 0.0.0.0`` with no key served the world without a word, and
``--port 99999`` printed a traceback.

Now a non-loopback address without an API key refuses to start, in one line that names
``--api-key`` / ``G4F_API_KEY`` and the ``--no-auth`` override (which starts with a warning); every
argument error is one line.
"""

from __future__ import annotations

import signal
import subprocess
import time
import urllib.request

import pytest

from g4f.api.settings import ServerSettings, is_loopback
from g4f.errors import G4FError

from ..client.conftest import closed_port
from .conftest import g4f_command

KEY = "g4f-SENTINELexpoKey7Qz9Lm2Xv4"


def finish(process: subprocess.Popen[str], timeout: float = 20.0) -> tuple[int, str]:
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
        raise AssertionError(f"the command did not exit: it is serving\n{stderr}") from None
    return process.returncode, stderr


def wait_serving(process: subprocess.Popen[str], port: int, key: str | None = None) -> None:
    """Until the server answers (its signal handlers are set by then)."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/models", headers=headers)
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not start")


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_a_public_address_without_a_key_refuses_to_start(tmp_path, host):
    process = g4f_command("api", "--host", host, "--port", str(closed_port()), config_dir=tmp_path)
    status, stderr = finish(process)
    line = one_line(stderr)
    assert status == 1
    assert "--api-key" in line and "G4F_API_KEY" in line and "--no-auth" in line and host in line


def test_no_auth_starts_with_a_warning(tmp_path):
    port = closed_port()
    process = g4f_command("api", "--host", "0.0.0.0", "--port", str(port), "--no-auth", config_dir=tmp_path)
    try:
        wait_serving(process, port)
        process.send_signal(signal.SIGTERM)
        status, stderr = finish(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert status == 0
    warning = [line for line in stderr.splitlines() if "without an API key" in line]
    assert len(warning) == 1 and "0.0.0.0" in warning[0] and "--no-auth" in warning[0], stderr


def test_a_public_address_with_a_key_starts(tmp_path):
    port = closed_port()
    process = g4f_command("api", "--host", "0.0.0.0", "--port", str(port), env={"G4F_API_KEY": KEY},
                          config_dir=tmp_path)
    try:
        wait_serving(process, port, KEY)
        process.send_signal(signal.SIGTERM)
        status, stderr = finish(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert status == 0 and "Traceback" not in stderr and KEY not in stderr


@pytest.mark.parametrize("args, words", [
    (["--port", "99999"], ["--port", "99999", "65535"]),
    (["--port", "-1"], ["--port"]),
    (["--port", "http"], ["--port", "'http'"]),
    (["--max-body-size", "-5"], ["--max-body-size"]),
    (["--max-messages", "0"], ["--max-messages"]),
    (["--max-json-depth", "many"], ["--max-json-depth"]),
    (["--max-in-flight", "-1"], ["--max-in-flight"]),
    (["--cors-origin", "evil.example"], ["--cors-origin", "scheme"]),
    (["--allowed-host", "a b"], ["--allowed-host"]),
    (["--no-such-flag"], ["--no-such-flag"]),
])
def test_every_argument_error_is_one_line(tmp_path, args, words):
    process = g4f_command("api", *args, config_dir=tmp_path)
    status, stderr = finish(process)
    line = one_line(stderr)
    # argparse reports an unknown flag from the top parser ("g4f: error: unrecognized arguments")
    assert status == 2 and line.startswith(("g4f api: error:", "g4f: error:")), line
    for word in words:
        assert word in line, line


@pytest.mark.parametrize("args", [[], ["nope"], ["chat", "--nope"]])
def test_command_errors_are_one_line_too(tmp_path, args):
    status, stderr = finish(g4f_command(*args, config_dir=tmp_path))
    assert status == 2 and one_line(stderr).startswith("g4f")


def test_help_is_still_help(tmp_path):
    process = g4f_command("api", "--help", config_dir=tmp_path)
    stdout, _ = process.communicate(timeout=20)
    assert process.returncode == 0
    for flag in ("--allowed-host", "--cors-origin", "--no-auth", "--max-messages", "--max-json-depth",
                 "--max-in-flight", "--max-json-values"):
        assert flag in stdout


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("0.0.0.0", False), ("::", False), ("", False), ("10.0.0.1", False), ("192.168.1.2", False),
    ("example.invalid", False),
])
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_settings_say_why_they_refuse():
    with pytest.raises(G4FError, match="--api-key"):
        ServerSettings(host="0.0.0.0", api_keys=()).check()
    ServerSettings(host="0.0.0.0", api_keys=(KEY,)).check()
    ServerSettings(host="127.0.0.1", api_keys=()).check()
    ServerSettings(host="0.0.0.0", api_keys=(), no_auth=True).check()
    with pytest.raises(G4FError, match="port"):
        ServerSettings(port=70000).check()
