"""``g4f api`` as a user runs it: a separate process that serves, then shuts down cleanly on a signal."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from ..client.conftest import closed_port

KEY = "g4f-process-key-5e6f7a8b9c"


def start(args, env_extra=None, config_dir=None):
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(env_extra or {})
    env["G4F_CONFIG_DIR"] = str(config_dir)
    return subprocess.Popen([sys.executable, "-m", "g4f.cli", "api", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until_listening(port, process, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not start listening")


def get(url, key=None):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"} if key else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_serves_then_stops_gracefully_on_sigterm(tmp_path):
    port = closed_port()
    process = start(["--port", str(port)], {"G4F_API_KEY": KEY}, tmp_path)
    try:
        wait_until_listening(port, process)
        status, body = get(f"http://127.0.0.1:{port}/v1/models")
        assert status == 401 and body["error"]["type"] == "authentication_error"
        status, body = get(f"http://127.0.0.1:{port}/v1/models", KEY)
        assert status == 200 and body["object"] == "list"
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert f"g4f API on http://127.0.0.1:{port}/v1" in stderr
    assert "Traceback" not in stderr and KEY not in stderr


def test_sigint_also_stops_it(tmp_path):
    port = closed_port()
    process = start(["--port", str(port), "--host", "127.0.0.1"], config_dir=tmp_path)
    try:
        wait_until_listening(port, process)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0 and "Traceback" not in stderr


def test_a_port_in_use_is_one_clear_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = start(["--port", str(port)], config_dir=tmp_path)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 1
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"g4f: error: cannot listen on 127.0.0.1:{port}")
