"""The contenders of the proxy benchmark (bench/proxies.py): how each is installed, started in
front of the upstream, measured from outside and stopped.

Every proxy is a real server process on 127.0.0.1 (a free port) relaying to the same upstream,
``bench/replica.py``; nothing in it knows it is being benchmarked:

* ``g4f api``: this checkout's server, ``python -m g4f.cli api``, its ``LocalOpenAI`` provider
  pointed at the upstream the way users point it at their own server (``$G4F_LOCAL_API_BASE``,
  ``$G4F_LOCAL_API_KEY``), named in each request's ``provider`` field.
* ``LiteLLM``: ``litellm --config`` with one ``openai/bench-model`` entry whose ``api_base`` is
  the upstream and a master key (LiteLLM refuses to start without one). Offline, as its
  "Outbound Requests and Offline Mode" page says: ``LITELLM_OFFLINE_MODE=true`` (bundled cost
  map, no catalogue fetches), ``LITELLM_TELEMETRY=False``, and ``HF_HUB_OFFLINE=1`` so a
  tokenizer lookup fails at once instead of retrying for a minute against a host that does not
  answer.
* ``gpt4free``: the ``g4f`` package from PyPI (the project this one is compatible with), its own
  ``g4f api`` (FastAPI + uvicorn), started by ``bench/proxy_gpt4free.py`` inside its venv with its
  ``Custom`` provider's ``base_url`` set to the upstream (the one line that differs from a user's
  server, as ``bench/api_server.py`` does for ours). gpt4free fetches a "live providers" list
  from its website while it imports its API module and fails to start without it; the benchmark
  seeds that file's daily cache with one entry pointing at the upstream.
* ``no proxy``: the load generator straight to the upstream, the base of every comparison.

LiteLLM and gpt4free each live in a venv of their own, under ``$G4F_BENCH_VENVS`` (default
``~/.cache/g4f-bench/venvs``), created and filled by pip on first use with the pinned versions
below and reused after that. gpt4free's package is also called ``g4f``: it is never imported
here nor installed into this project's environment, only run as a separate program.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

__all__ = [
    "API_KEY",
    "CONTENDERS",
    "MODEL",
    "Contender",
    "Endpoint",
    "ServerProcess",
    "Venv",
    "upstream",
    "venv_root",
]

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
MODEL = "bench-model"  # listed by the replica; no proxy maps it to a tokenizer it would download
API_KEY = "gsk_bench_not_a_secret"  # the upstream's key: the replica only checks that one is sent
LITELLM_REQUIREMENT = "litellm[proxy]==1.108.5"
GPT4FREE_REQUIREMENT = "g4f[api]==8.8.6"
#: How long a server may take to answer its first request: LiteLLM imports for 30-50 s on a
#: loaded 2-core machine.
START_TIMEOUT = 240.0


def venv_root() -> Path:
    """Where the contenders' venvs live: ``$G4F_BENCH_VENVS``, else ``~/.cache/g4f-bench/venvs``."""
    configured = os.environ.get("G4F_BENCH_VENVS")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "g4f-bench" / "venvs"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment for a server: no API keys of the machine's owner, no g4f settings, no
    Python path of ours (a venv's interpreter must see only its own packages)."""
    env = {k: v for k, v in os.environ.items()
           if not (k.endswith("_API_KEY") or k.startswith(("G4F_", "LITELLM_")) or k in (
               "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "OPENAI_BASE_URL", "OPENAI_API_BASE"))}
    env.update(extra)
    return env


@contextlib.contextmanager
def upstream() -> Iterator[str]:
    """``bench/replica.py`` in its own process (its CPU time is nobody's); yields its ``/v1`` URL.
    It stops when its stdin closes."""
    process = subprocess.Popen([sys.executable, str(BENCH_DIR / "replica.py")], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdin is not None and process.stdout is not None
    try:
        line = process.stdout.readline()
        if not line.startswith("READY"):
            raise RuntimeError(f"the replica did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}/v1"
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


# -- venvs ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Venv:
    """A venv of one contender, holding one pinned requirement.

    A marker file records the requirement it was filled with; a venv without it (a broken or
    older install) is rebuilt from scratch.
    """

    name: str
    requirement: str
    distribution: str

    @property
    def path(self) -> Path:
        return venv_root() / self.name

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    @property
    def _marker(self) -> Path:
        return self.path / ".g4f-bench.json"

    @property
    def pinned(self) -> str:
        return self.requirement.partition("==")[2]

    def ready(self) -> bool:
        try:
            recorded = json.loads(self._marker.read_text())
        except (OSError, ValueError):
            return False
        return bool(recorded.get("requirement") == self.requirement and recorded.get("version") == self.pinned
                    and self.python.exists())

    def version(self) -> str:
        try:
            return str(json.loads(self._marker.read_text())["version"])
        except (OSError, ValueError, KeyError):
            return "?"

    def ensure(self, install: bool, log: Callable[[str], None]) -> str | None:
        """None when the venv is ready (installing it when allowed), else why it is not."""
        if self.ready():
            return None
        if not install:
            return f"no venv with {self.requirement} in {self.path} (run bench/proxies.py without --no-install)"
        log(f"installing {self.requirement} into {self.path} (once; pip from the registry)")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Never from this checkout's folder: ``python -m``/``-c`` put the current directory first
        # on sys.path, where this project's own ``g4f`` would shadow gpt4free's.
        env, cwd = _clean_env(), self.path.parent
        steps = [[sys.executable, "-m", "venv", "--clear", str(self.path)],
                 [str(self.python), "-m", "pip", "install", "--disable-pip-version-check", "-q", self.requirement]]
        for step in steps:
            try:
                done = subprocess.run(step, capture_output=True, text=True, timeout=1800, check=False, env=env,
                                      cwd=cwd)
            except (OSError, subprocess.TimeoutExpired) as exc:
                return f"{' '.join(step[:3])} failed: {exc}"
            if done.returncode:
                errors = [line for line in done.stderr.splitlines() if line.startswith("ERROR")]
                last = (errors or done.stderr.strip().splitlines() or ["no output"])[-1]
                return f"pip install {self.requirement} failed: {last}"
        code = f"import importlib.metadata as m; print(m.version({self.distribution!r}))"
        probe = subprocess.run([str(self.python), "-c", code], capture_output=True, text=True, check=False,
                               env=env, cwd=cwd)
        version = probe.stdout.strip()
        if probe.returncode or version != self.pinned:
            found = f"{self.distribution} {version or '?'} {probe.stderr.strip()[-200:]}".strip()
            return f"{self.requirement} installed, but the venv has {found}"
        self._marker.write_text(json.dumps({"requirement": self.requirement, "version": version}))
        return None


# -- server processes ----------------------------------------------------------------------------

def _process_tree(root: int) -> list[int]:
    """``root`` and its live descendants (one scan of /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(parents.get(pid, ()))
    return tree


def _status_kib(pid: int, field_name: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class ServerProcess:
    """A server in its own session (so it and its children stop together), its output in a log
    file (a pipe nobody reads would stall it), ready once ``ready_path`` answers."""

    def __init__(self, name: str, command: Sequence[str], env: Mapping[str, str], cwd: Path, port: int,
                 ready_path: str, ready_headers: Mapping[str, str] | None = None) -> None:
        self.name, self.port, self.ready_path = name, port, ready_path
        self.ready_headers = dict(ready_headers or {})
        self.log_path = cwd / "server.log"
        cwd.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(list(command), env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL,
                                        stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = self.process.pid

    def wait_ready(self, deadline: float) -> None:
        url = f"http://127.0.0.1:{self.port}{self.ready_path}"
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with status {self.process.returncode}:\n{self.log_tail()}")
            try:
                request = urllib.request.Request(url, headers=self.ready_headers)
                with urllib.request.urlopen(request, timeout=5):
                    return
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not answer {url} in time:\n{self.log_tail()}")
            time.sleep(0.2)

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server and its children so far (10 ms resolution)."""
        total = 0
        for pid in _process_tree(self.pid):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def rss_kib(self) -> int:
        return sum(_status_kib(pid, "VmRSS") for pid in _process_tree(self.pid))

    def reset_peak_rss(self) -> bool:
        """Restart the kernel's high-water mark of resident memory (``clear_refs`` 5); False
        where that is not allowed (the peak then counts from the server's start)."""
        ok = True
        for pid in _process_tree(self.pid):
            try:
                with open(f"/proc/{pid}/clear_refs", "w") as f:
                    f.write("5")
            except OSError:
                ok = False
        return ok

    def peak_rss_kib(self) -> int:
        return sum(_status_kib(pid, "VmHWM") for pid in _process_tree(self.pid))

    def stop(self) -> None:
        """SIGTERM to the server's session, SIGKILL after 10 s (gpt4free lets requests run for
        up to 10 minutes on shutdown)."""
        try:
            if self.process.poll() is None:
                os.killpg(self.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(self.pid, signal.SIGKILL)
                    self.process.wait(timeout=10)
            else:  # the leader is gone; children it left in its session go too
                os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        finally:
            self._log.close()


# -- contenders ----------------------------------------------------------------------------------

@dataclass
class Endpoint:
    """How the load generator reaches one contender, and what it should answer."""

    name: str
    base_url: str  # ends with /v1
    headers: dict[str, str] = field(default_factory=dict)
    extra_body: dict[str, Any] = field(default_factory=dict)
    server: ServerProcess | None = None
    #: gpt4free's OpenaiTemplate removes the whitespace that opens an answer (``lstrip`` of the
    #: first streamed delta, ``strip`` of a non-streamed message); the checks expect that.
    lstrips_answer: bool = False

    def expected(self, text: str) -> str:
        return text.lstrip() if self.lstrips_answer else text


class Contender:
    """One column of the table."""

    name = ""
    venv: Venv | None = None

    def prepare(self, install: bool, log: Callable[[str], None]) -> str | None:
        """None when it can run, else why not (the table says so)."""
        return self.venv.ensure(install, log) if self.venv else None

    def version(self) -> str:
        return self.venv.version() if self.venv else ""

    def launch(self, upstream: str, workdir: Path) -> Endpoint:
        """Start the server (without waiting for it: the caller starts all, then waits)."""
        raise NotImplementedError


class NoProxy(Contender):
    name = "no proxy"

    def launch(self, upstream: str, workdir: Path) -> Endpoint:
        return Endpoint(self.name, upstream, {"Authorization": f"Bearer {API_KEY}"})


class G4FApi(Contender):
    name = "g4f api"
    #: The server answers 503 beyond 256 requests in flight by default (bounded work); the
    #: benchmark keeps 500 in flight, so it raises the cap as a user serving that many would.
    max_in_flight = 1024

    def version(self) -> str:
        return "this checkout"

    def launch(self, upstream: str, workdir: Path) -> Endpoint:
        port = free_port()
        home = workdir / "g4f-api"
        env = _clean_env(PYTHONPATH=str(ROOT), G4F_CONFIG_DIR=str(home / "config"),
                         G4F_LOCAL_API_BASE=upstream, G4F_LOCAL_API_KEY=API_KEY)
        server = ServerProcess(self.name, self._command(port, env), env, home, port, "/v1/models")
        return Endpoint(self.name, f"http://127.0.0.1:{port}/v1", {}, {"provider": "LocalOpenAI"}, server)

    def _command(self, port: int, env: Mapping[str, str]) -> list[str]:
        """``g4f api`` on loopback, without the web chat, with the in-flight cap raised; where
        the command line has no ``--max-in-flight`` (yet), the same server through
        ``g4f.api.serve`` with that one setting changed."""
        usage = subprocess.run([sys.executable, "-m", "g4f.cli", "api", "--help"], env=dict(env), cwd=ROOT,
                               capture_output=True, text=True, check=False).stdout
        command = [sys.executable, "-m", "g4f.cli", "api", "--host", "127.0.0.1", "--port", str(port)]
        if "--no-gui" in usage:
            command.append("--no-gui")
        if "--max-in-flight" in usage:
            return [*command, "--max-in-flight", str(self.max_in_flight)]
        code = (f"from g4f.api import ServerSettings, serve; serve(ServerSettings(host='127.0.0.1', port={port}, "
                f"gui=False, max_in_flight={self.max_in_flight}))")
        return [sys.executable, "-c", code]


class LiteLLM(Contender):
    name = "LiteLLM"
    venv = Venv("litellm", LITELLM_REQUIREMENT, "litellm")

    def launch(self, upstream: str, workdir: Path) -> Endpoint:
        assert self.venv is not None
        port = free_port()
        home = workdir / "litellm"
        home.mkdir(parents=True, exist_ok=True)
        master_key = "sk-bench-" + secrets.token_hex(16)  # a fresh one per run, on loopback only
        config = home / "config.yaml"
        # JSON is YAML: no YAML writer needed on this side.
        config.write_text(json.dumps({
            "model_list": [{"model_name": MODEL, "litellm_params": {
                "model": f"openai/{MODEL}", "api_base": upstream, "api_key": API_KEY}}],
            "general_settings": {"master_key": master_key},
        }, indent=1))
        config.chmod(0o600)
        env = _clean_env(HOME=str(home), LITELLM_OFFLINE_MODE="true", LITELLM_LOCAL_MODEL_COST_MAP="True",
                         LITELLM_TELEMETRY="False", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
                         DO_NOT_TRACK="1")
        litellm = self.venv.path / "bin" / "litellm"
        server = ServerProcess(self.name, [str(litellm), "--config", str(config), "--host", "127.0.0.1",
                                           "--port", str(port)], env, home, port, "/health/liveliness")
        return Endpoint(self.name, f"http://127.0.0.1:{port}/v1", {"Authorization": f"Bearer {master_key}"},
                        {}, server)


class Gpt4Free(Contender):
    name = "gpt4free"
    venv = Venv("gpt4free", GPT4FREE_REQUIREMENT, "g4f")

    def launch(self, upstream: str, workdir: Path) -> Endpoint:
        assert self.venv is not None
        port = free_port()
        home = workdir / "gpt4free"
        config_dir = home / "config"
        # gpt4free's "live providers" list (g4f.dev/dist/js/providers.json), cached per day;
        # without it its API module cannot be imported offline.
        cache = config_dir / "cache" / ".models" / date.today().isoformat() / "providers.json"
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"providers": {"default": {"baseUrl": upstream}},
                                     "defaultModels": {"default": MODEL}}))
        (home / "home").mkdir(exist_ok=True)
        env = _clean_env(HOME=str(home / "home"), G4F_CONFIG_DIR=str(config_dir))
        server = ServerProcess(self.name, [str(self.venv.python), str(BENCH_DIR / "proxy_gpt4free.py"), upstream,
                                           str(port)], env, home, port, "/v1")
        # gpt4free hands the bearer token on to the provider as its key (when longer than 8).
        return Endpoint(self.name, f"http://127.0.0.1:{port}/v1", {"Authorization": f"Bearer {API_KEY}"},
                        {"provider": "Custom"}, server, lstrips_answer=True)


CONTENDERS: dict[str, Contender] = {c.name: c for c in (NoProxy(), G4FApi(), LiteLLM(), Gpt4Free())}
