"""The compose example of docs/scale-out.md is the one in examples/scale-out/, and it fits together."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "scale-out"


def test_the_page_shows_the_compose_file_as_it_is():
    page = (ROOT / "docs" / "scale-out.md").read_text()
    blocks = re.findall(r"```text\n(.*?)```", page, re.DOTALL)
    compose = (EXAMPLE / "compose.yaml").read_text()
    assert compose in blocks


def test_the_example_uses_what_g4f_has():
    compose = (EXAMPLE / "compose.yaml").read_text()
    env = (EXAMPLE / "env.example").read_text()
    nginx = (EXAMPLE / "nginx.conf").read_text()
    for variable in re.findall(r"\$\{(\w+)\}", compose):
        assert f"{variable}=" in env, f"{variable} is not in env.example"
    for service in ("g4f-1", "g4f-2"):
        assert f"server {service}:1337" in nginx and f"{service}:" in compose
    assert "proxy_buffering off" in nginx  # streamed answers are not held back
    command = re.search(r'command: \["g4f", "api",(.*?)\]', compose, re.DOTALL)
    assert command is not None
    options = set(re.findall(r'"(--[a-z-]+)"', command.group(1)))
    assert {"--workers", "--rate-limit", "--token-limit"} <= options
    result = subprocess.run([sys.executable, "-m", "g4f.cli", "api", "--help"], capture_output=True, text=True,
                            timeout=60, check=True, cwd=ROOT)
    assert all(option in result.stdout for option in options), [o for o in options if o not in result.stdout]
