"""Every code sample in docs/ runs, against local replicas: in this process, and pasted into a file.

Conventions every page follows (new pages too; docs/README.md says the same to authors):

* A ``python`` sample is a complete program: pasted into a file, ``python file.py`` runs it as
  written. This test runs it twice: here (its output checked), and saved to a file run by
  ``python`` in a subprocess, with the same replicas and environment variables. Async code goes
  inside ``async def main():`` and the sample ends with ``asyncio.run(main())``.
* Top-level ``await`` only in a sample meant for a running event loop (Jupyter, IPython,
  ``python -m asyncio``), whose first line says so: ``# In a running event loop (Jupyter,
  python -m asyncio):``. The file test runs such a sample as that loop would (inside a coroutine).
  A sample with top-level ``await`` and without that line fails here, and so does the line on a
  sample that does not need it.
* ``continue`` (below) extends the previous python sample of the page: the file holds both.
* A sample uses only what a reader has: credentials written as below, ``export`` lines, the
  commands the reader would type. The replicas stand in for the services, reached through each
  provider's base URL variable (``GROQ_BASE_URL``, ``XAI_BASE_URL``, ``OLLAMA_HOST``, ...).
* Samples that need a real browser (``env=grok-login``) skip with the reason where no Chromium is
  found (``tests/chromium.py``); ``.ci/run`` installs it and sets ``G4F_REQUIRE_CHROMIUM=1``.

A fenced block's info string is its language and, optionally, attributes this test reads::

    ```python env=groq output="You said"
    ```

* ``python``: executed with its stdout captured (see above).
* ``sh`` (``bash``, ``shell``; ``console`` runs its ``$ `` lines): each line runs: ``g4f ...`` through the command line in-process (``g4f api`` as a real
  process, until it answers), ``curl`` for real, ``export NAME=value`` sets a variable, ``pip
  install`` is checked against what it installs (a local path and extras that exist), never sent
  to an index.
* ``toml`` / ``json``: parsed. ``text``: output shown to the reader, not code.

Attributes: ``env=groq,grok,grok-login,xai,local,acme,api`` starts those replicas (and the API server) and
points the providers at them through their base URL only, with credentials where a user would
have them (environment variables, cookie files); ``output="..."`` must appear in the output and
``absent="..."`` must not; ``script=[Provider:]tool-call|rate-limit|server-error`` scripts what the replicas do next;
``raises=ErrorName`` is the error the sample ends with; ``exit=N`` the status of a ``g4f``
command; ``pytest`` marks a test module, run by pytest with ``g4f.testing.fixtures``; ``continue`` runs the sample after the previous python sample of the same page, in its
namespace. Placeholders in samples (``gsk_...``, ``xai-...``, ``your-sso-cookie``) are the
credentials the replicas accept.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import inspect
import io
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.chromium import skip_without_chromium

try:
    import tomllib
except ImportError:  # Python 3.10
    from pip._vendor import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLE = ROOT / "examples" / "g4f-acme"

#: Credentials as the docs write them; the replicas accept exactly these.
GROQ_KEY = "gsk_..."
XAI_KEY = "xai-..."
ACME_KEY = "acme-..."
GROK_SSO = "your-sso-cookie"
API_URLS = ("http://localhost:1337", "http://127.0.0.1:1337")
#: The first line of a sample written for a running event loop (the only place for top-level ``await``).
RUNNING_LOOP_MARK = "# In a running event loop"
#: Environments that drive a real Chromium: skipped where none is found (tests/chromium.py).
BROWSER_ENVS = frozenset({"grok-login"})
#: Runs a file the way ``python -m asyncio`` runs what is typed into it: top-level ``await`` allowed.
RUNNING_LOOP_RUNNER = """\
import ast, asyncio, inspect, sys

path = sys.argv[1]
code = compile(open(path, encoding="utf-8").read(), path, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


async def main():
    result = eval(code, {"__name__": "__main__", "__file__": path})
    if inspect.iscoroutine(result):
        await result


asyncio.run(main())
"""

FENCE = re.compile(r"^(\s*)```(\S*)[ \t]*(.*)$")
RUNNABLE = {"python", "sh", "bash", "shell", "console"}
PARSED = {"toml", "json", "text"}


@dataclass
class Sample:
    path: Path
    line: int
    lang: str
    attrs: dict[str, str]
    code: str
    previous: Sample | None = None

    @property
    def id(self) -> str:
        return f"{os.path.relpath(self.path, DOCS)}:{self.line}"  # the repository's README: ../README.md

    @property
    def envs(self) -> list[str]:
        return [e for e in self.attrs.get("env", "").split(",") if e]

    def chain(self) -> list[Sample]:
        samples = [self]
        while samples[0].previous is not None:
            samples.insert(0, samples[0].previous)
        return samples

    @property
    def for_running_loop(self) -> bool:
        """Marked as written for a running event loop (its first line is ``RUNNING_LOOP_MARK``)."""
        first = next((line for line in self.code.splitlines() if line.strip()), "")
        return first.startswith(RUNNING_LOOP_MARK)

    @property
    def needs_browser(self) -> bool:
        return any(env in BROWSER_ENVS for step in self.chain() for env in step.envs)

    def compiled(self, code: str) -> Any:
        flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if self.for_running_loop else 0
        return compile(code, self.id, "exec", flags=flags)


def _attributes(info: str) -> dict[str, str]:
    attrs = {}
    for word in shlex.split(info):
        key, _, value = word.partition("=")
        attrs[key] = value
    return attrs


def collect_samples() -> list[Sample]:
    samples: list[Sample] = []
    for path in [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]:
        lines = path.read_text().splitlines()
        last_python: Sample | None = None
        index = 0
        while index < len(lines):
            match = FENCE.match(lines[index])
            if not match:
                index += 1
                continue
            indent, lang, info = match.groups()
            start = index + 1
            end = start
            while end < len(lines) and lines[end].strip() != "```":
                end += 1
            code = "\n".join(line[len(indent):] for line in lines[start:end]) + "\n"
            sample = Sample(path, start, lang, _attributes(info), code)
            if "continue" in sample.attrs:
                assert last_python is not None, f"{sample.id}: 'continue' without an earlier python sample"
                sample.previous = last_python
            if lang == "python":
                last_python = sample
            samples.append(sample)
            index = end + 1
    return samples


ALL_SAMPLES = collect_samples()
#: ``text`` blocks show output to the reader; everything else runs or is parsed.
SAMPLES = [s for s in ALL_SAMPLES if s.lang != "text"]


def test_the_docs_have_samples_and_every_fence_is_known():
    assert len(SAMPLES) >= 20, "docs/ should teach by example"
    unknown = [f"{s.id} ({s.lang or 'no language'})" for s in ALL_SAMPLES if s.lang not in RUNNABLE | PARSED]
    assert not unknown, f"fences this test cannot run or parse: {unknown}"


#: A sample's own process makes the docs environment's class patches before the sample runs.
SITECUSTOMIZE = '''\
"""Written by tests/test_docs.py: the docs environment's class patches, made in this process too."""
import importlib
import json
import os

for target, attributes in json.loads(os.environ.get("G4F_DOCS_PATCHES") or "{}").items():
    module, _, name = target.partition(":")
    owner = importlib.import_module(module)
    for part in name.split("."):
        owner = getattr(owner, part)
    for attribute, value in attributes.items():
        setattr(owner, attribute, value)
'''


# -- a loop in a thread, for servers that must run while samples block ---------------------------
class BackgroundLoop:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Any, timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        async def shutdown() -> None:
            from g4f import aclose

            await aclose()
            await self.loop.shutdown_asyncgens()

        self.run(shutdown())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)
        self.loop.close()


@dataclass
class DocEnv:
    """Replicas, patched base URLs and credentials for one sample."""

    monkeypatch: pytest.MonkeyPatch
    workdir: Path
    background: BackgroundLoop = field(default_factory=BackgroundLoop)
    closers: list[Callable[[], Any]] = field(default_factory=list)
    api_url: str | None = None

    def serve(self, app: Any) -> str:
        from g4f.testing import LocalServer

        server = self.background.run(LocalServer(app).start())
        self.closers.append(lambda: self.background.run(server.close()))
        return server.url

    replicas: dict[str, Any] = field(default_factory=dict)
    #: Addresses written in samples -> where the replica serving them listens.
    addresses: dict[str, str] = field(default_factory=dict)
    #: Class attributes patched here, to patch the same way in a sample's own process:
    #: ``{"module:Class": {"attribute": value}}`` (Grok has no base URL variable).
    class_patches: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Background jobs of shell samples (``... &``), in order: ``kill %1`` stops the first.
    processes: list[subprocess.Popen[str]] = field(default_factory=list)

    def point(self, provider: str, base_url: str) -> None:
        """Point a provider at a replica the way a user would: through its base URL variable."""
        from g4f.providers.registry import get_provider

        variable = get_provider(provider).api_base_env  # type: ignore[attr-defined]
        assert variable, f"{provider} has no base URL variable"
        self.monkeypatch.setenv(variable, base_url)

    def openai_replica(self, provider: str, key: str | None, models: list[str], flavour: str = "OPENAI") -> Any:
        from g4f import testing

        replica = testing.OpenAIReplica(flavour=getattr(testing, flavour), api_key=key, models=models)
        self.background.run(replica.start())
        self.closers.append(lambda: self.background.run(replica.close()))
        self.point(provider, replica.base_url)
        self.replicas[provider] = replica
        return replica

    def patch(self, cls: type, **attributes: str) -> None:
        """Set class attributes here and, through ``class_patches``, in a sample's own process."""
        for name, value in attributes.items():
            self.monkeypatch.setattr(cls, name, value)
        self.class_patches.setdefault(f"{cls.__module__}:{cls.__qualname__}", {}).update(attributes)

    def script(self, script: str) -> None:
        """Script what the upstreams do next: ``name`` for every OpenAI-compatible replica of the
        sample, ``Provider:name`` for one."""
        from g4f.testing import Fault, Reply

        target, _, name = script.rpartition(":")
        for provider, replica in self.replicas.items():
            if target and provider != target:
                continue
            if name == "tool-call":  # the model decides to call a tool
                call = {"id": "call_1", "name": "get_weather", "arguments": '{"city": "Paris"}'}
                replica.replies.append(Reply(tool_calls=[call]))
            elif name == "rate-limit":  # the upstream is rate limited for the next half minute
                replica.faults.append(Fault.rate_limit(retry_after=30, times=0))
            elif name == "server-error":  # the upstream is down
                replica.faults.append(Fault.server_error(503, times=0))
            else:
                raise AssertionError(f"unknown script {name!r}")

    def start(self, name: str) -> None:
        getattr(self, f"_env_{name.replace('-', '_')}")()

    def _env_groq(self) -> None:
        from tests.replicas.groq import GROQ_MODELS

        self.openai_replica("Groq", GROQ_KEY, GROQ_MODELS, flavour="GROQ")
        self.monkeypatch.setenv("GROQ_API_KEY", GROQ_KEY)

    def _env_xai(self) -> None:
        from g4f.Provider import xAI

        self.openai_replica("xAI", XAI_KEY, xAI.get_models())
        self.monkeypatch.setenv("XAI_API_KEY", XAI_KEY)

    def _env_local(self) -> None:
        ollama = self.openai_replica("Ollama", None, ["llama3.2", "qwen2.5"])
        self.addresses["http://localhost:11434/v1"] = ollama.base_url
        self.addresses["localhost:11434"] = ollama.url.removeprefix("http://")
        self.openai_replica("LocalOpenAI", None, ["local-model"])
        self.addresses["http://localhost:8080/v1"] = self.replicas["LocalOpenAI"].base_url

    async def _serve_here(self, app: Any) -> Any:
        from g4f.testing import LocalServer

        server = await LocalServer(app).start()
        self.closers.append(lambda: self.background.run(server.close()))
        return server

    def _grok_replica(self) -> Any:
        from g4f.Provider import Grok
        from tests.replicas.grok import GrokReplica, serve_grok

        replica = self.background.run(serve_grok(self._serve_here, self.monkeypatch, GrokReplica(valid_sso={GROK_SSO})))
        self.patch(Grok, url=Grok.url, conversation_url=Grok.conversation_url, assets_url=Grok.assets_url)
        self.replicas["Grok"] = replica  # script=Grok:tool-call: its next answer calls the tool (prompt format)
        return replica

    def _env_grok(self) -> None:
        """grok.com's replica, and a cookie file as a browser extension exports it."""
        from g4f.config import cookies_dir, write_private_file

        self._grok_replica()
        cookies = [{"domain": ".grok.com", "name": "sso", "value": GROK_SSO, "path": "/"}]
        write_private_file(cookies_dir() / "grok.json", json.dumps(cookies))
        write_private_file(self.workdir / "grok-cookies.json", json.dumps(cookies))  # exported, for --cookies-file

    def _env_grok_login(self) -> None:
        """grok.com's replica and no cookies anywhere: the login runs in a real Chromium, where the
        replica's login page signs itself in (a stand-in for the user typing their password)."""
        from g4f.Provider import Grok

        self._grok_replica()
        self.monkeypatch.setenv("HOME", str(self.workdir))  # no real browser cookie store answers
        self.patch(Grok, url=f"{Grok.url}/?autologin=1")

    def _env_acme(self) -> None:
        from g4f import testing
        from g4f.providers.registry import registry

        site = self.workdir / "site-packages"
        shutil.copytree(EXAMPLE / "src" / "g4f_acme", site / "g4f_acme", ignore=shutil.ignore_patterns("__pycache__"))
        info = site / "g4f_acme-0.1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: g4f-acme\nVersion: 0.1.0\n")
        (info / "entry_points.txt").write_text(
            "[g4f.providers]\nAcmeCloud = g4f_acme.cloud:AcmeCloud\nAcmeStream = g4f_acme.stream:AcmeStream\n")
        self.monkeypatch.syspath_prepend(str(site))
        registry.refresh()
        self.closers.append(registry.refresh)
        self.closers.append(lambda: [sys.modules.pop(m) for m in list(sys.modules) if m.startswith("g4f_acme")])
        replica = testing.OpenAIReplica(api_key=ACME_KEY, models=["acme-chat", "acme-chat-mini"])
        self.background.run(replica.start())
        self.closers.append(lambda: self.background.run(replica.close()))
        self.monkeypatch.setenv("ACME_API_BASE", replica.base_url)
        self.monkeypatch.setenv("ACME_API_KEY", ACME_KEY)

    def _env_api(self) -> None:
        from g4f.api import create_app

        self.api_url = self.serve(create_app())
        for url in API_URLS:
            self.addresses[url] = self.api_url

    def substitute(self, code: str) -> str:
        for written, actual in self.addresses.items():
            code = code.replace(written, actual)
        return code

    def background_process(self, args: list[str], out: io.StringIO) -> None:
        """``g4f replica ... &``: started as a real process, running once its banner is printed;
        ``kill %N`` (or the end of the sample) stops it as Ctrl+C would."""
        script = shutil.which("g4f") or ""
        command = [script, *args] if script else [sys.executable, "-m", "g4f.cli", *args]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.processes.append(process)
        self.closers.append(lambda: process.poll() is None and (process.terminate(), process.wait(30)))
        assert process.stdout is not None
        for line in process.stdout:  # the banner ends with "Ctrl+C stops it."; EOF means it exited
            out.write(line)
            if "Ctrl+C" in line:
                return
        raise AssertionError(f"`g4f {' '.join(args)}` exited ({process.wait(30)}):\n{out.getvalue()}")

    def stop_background(self, number: int, out: io.StringIO) -> None:
        process = self.processes[number - 1]
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
        out.write(output)
        assert process.returncode == 0, f"the background job %{number} exited with {process.returncode}"

    def process_environment(self) -> dict[str, str]:
        """The environment of a sample run as its own process: this one's variables (credentials,
        base URLs, the config folder), this ``sys.path`` (plugins installed by the sample's env)
        and a ``sitecustomize`` that makes the same class patches before the sample starts."""
        folder = self.workdir / "_sample_site"
        folder.mkdir(exist_ok=True)
        (folder / "sitecustomize.py").write_text(SITECUSTOMIZE)
        path = os.pathsep.join([str(folder), *(p for p in sys.path if p)])
        return {**os.environ, "PYTHONPATH": path, "G4F_DOCS_PATCHES": json.dumps(self.class_patches),
                "PYTHONIOENCODING": "utf-8"}

    def close(self) -> None:
        for closer in reversed(self.closers):
            closer()
        self.background.close()


def base_url_variables() -> set[str]:
    """Every variable that points a built-in provider somewhere (and their older names)."""
    from g4f.Provider.template._base_url import CONVENTIONS
    from g4f.providers.registry import BUILTIN_PROVIDERS, get_provider

    names = {getattr(get_provider(name), "api_base_env", None) for name in BUILTIN_PROVIDERS}
    names |= {old for convention in CONVENTIONS.values() for old in convention.older_names}
    return {name for name in names if name}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def doc_env(tmp_path, monkeypatch) -> Iterator[DocEnv]:
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    # Where this machine's own settings would send a provider, nothing is sent: the variables are
    # unset, and the local servers' addresses lead to a closed port unless a sample's env serves them.
    for name in base_url_variables():
        monkeypatch.delenv(name, raising=False)
    dead = f"http://127.0.0.1:{closed_port()}/v1"
    monkeypatch.setenv("OLLAMA_HOST", dead)
    monkeypatch.setenv("G4F_LOCAL_API_BASE", dead)
    env = DocEnv(monkeypatch, workdir)
    from g4f.models import ModelUtils
    from g4f.providers.health import health
    from g4f.providers.registry import registry

    # Samples register providers and models, block plugins and make providers fail, as users do:
    # undone afterwards.
    health.reset()
    monkeypatch.setattr(ModelUtils, "convert", dict(ModelUtils.convert))
    snapshot = registry.snapshot()
    yield env
    env.close()
    monkeypatch.undo()
    registry.restore(snapshot)
    registry.refresh()
    health.reset()


# -- running samples -------------------------------------------------------------------------------
def run_pytest(sample: Sample, env: DocEnv, out: io.StringIO) -> None:
    """A sample that is a test module: run by pytest in its own folder, with g4f's fixtures enabled."""
    folder = env.workdir / "sample-tests"
    folder.mkdir()
    (folder / "conftest.py").write_text('pytest_plugins = ["g4f.testing.fixtures"]\n')
    (folder / "pytest.ini").write_text("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        "filterwarnings = error\n")
    (folder / "test_sample.py").write_text(env.substitute(sample.code))
    path = os.pathsep.join(p for p in sys.path if p)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "--basetemp", str(env.workdir / "sample-basetemp")], cwd=folder,  # see test_plugins
                            env={**os.environ, "PYTHONPATH": path}, capture_output=True, text=True, timeout=300,
                            check=False)
    out.write(result.stdout)
    assert result.returncode == 0, f"{sample.id}: its tests failed:\n{result.stdout[-3000:]}{result.stderr[-2000:]}"
    assert re.search(r"\b\d+ passed\b", result.stdout) and " failed" not in result.stdout, result.stdout


def run_python(sample: Sample, env: DocEnv, out: io.StringIO) -> None:
    if "pytest" in sample.attrs:
        run_pytest(sample, env, out)
        return
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    for step in sample.chain():
        code = step.compiled(env.substitute(step.code))
        with contextlib.redirect_stdout(out):
            result = eval(code, namespace)
            if inspect.iscoroutine(result):
                asyncio.run(result)


def program(sample: Sample, env: DocEnv) -> str:
    """The file a reader would paste: the sample after the samples it continues."""
    return "\n\n".join(env.substitute(step.code).rstrip("\n") for step in sample.chain()) + "\n"


def run_python_file(sample: Sample, env: DocEnv, out: io.StringIO) -> tuple[type[BaseException], str] | None:
    """Save the sample to a file and run it with ``python`` in its own process (a running-loop
    sample as ``python -m asyncio`` would run it); the output goes to ``out``, and the g4f error
    it ended with (its traceback's last line) is returned as (class, message)."""
    path = env.workdir / f"sample_{sample.line}.py"
    path.write_text(program(sample, env), encoding="utf-8")
    command = [sys.executable, str(path)]
    if any(step.for_running_loop for step in sample.chain()):
        runner = env.workdir / "_running_loop.py"
        runner.write_text(RUNNING_LOOP_RUNNER)
        command = [sys.executable, str(runner), str(path)]
    result = subprocess.run(command, cwd=env.workdir, env=env.process_environment(), capture_output=True,
                            text=True, encoding="utf-8", timeout=240, check=False)
    out.write(result.stdout)
    if result.returncode == 0:
        return None
    error = _error_named_in(result.stderr)
    assert error is not None, f"{sample.id} failed as a file ({result.returncode}):\n{result.stderr[-4000:]}"
    return error


def _error_named_in(stderr: str) -> tuple[type[BaseException], str] | None:
    """The g4f error a traceback ends with (``g4f.errors.MissingAuthError: Groq: no API key ...``
    and the lines of its message): (that class, the message), else None."""
    import g4f.errors

    matches = list(re.finditer(r"^g4f\.errors\.(\w+): ", stderr, re.MULTILINE))  # the last is what it ended with
    kind = getattr(g4f.errors, matches[-1].group(1), None) if matches else None
    if not (isinstance(kind, type) and issubclass(kind, BaseException)):
        return None
    return kind, stderr[matches[-1].end():].strip()


def _logical_lines(code: str, prompted: bool = False) -> Iterator[str]:
    """Commands of a shell sample; with ``prompted`` (a ``console`` block) only ``$ `` lines are
    commands, the others are their output."""
    buffer = ""
    for raw in code.splitlines():
        if prompted and not buffer and not raw.startswith("$ "):
            continue
        line = raw.rstrip()
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        line, buffer = (buffer + line).strip(), ""
        line = line.removeprefix("$ ")
        if line and not line.startswith("#"):
            yield line


def _piped_input(words: list[str]) -> tuple[str | None, list[str]]:
    """``echo TEXT | cmd`` / ``printf TEXT | cmd``: the text the command reads on stdin, and the command."""
    if "|" not in words:
        return None, words
    bar = words.index("|")
    source, command = words[:bar], words[bar + 1:]
    assert source[0] in ("echo", "printf") and len(source) == 2, f"unsupported pipe: {' '.join(words)}"
    text = source[1] + "\n" if source[0] == "echo" else source[1].encode().decode("unicode_escape")
    return text, command


def _free_ports_for_servers(code: str, env: DocEnv) -> None:
    """A server a sample starts on a port it names (``g4f replica --port 8000 &``) gets a free
    port instead, and every mention of the port in the sample follows it."""
    for port in re.findall(r"g4f replica\b.*?--port (\d+)", code):
        free = str(closed_port())
        env.addresses.update({f"--port {port}": f"--port {free}", f"127.0.0.1:{port}": f"127.0.0.1:{free}",
                              f"localhost:{port}": f"127.0.0.1:{free}"})


def _commands(words: list[str]) -> Iterator[list[str]]:
    """``a && b``: the commands of a line, in order (the first failure stops the sample)."""
    command: list[str] = []
    for word in words:
        if word == "&&":
            yield command
            command = []
        else:
            command.append(word)
    yield command


def run_shell(sample: Sample, env: DocEnv, out: io.StringIO) -> None:
    if "runs-this-suite" in sample.attrs:  # the test command: this very run proves it
        ci_commands = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.strip()]
        assert sample.code.strip() == ci_commands[-1].strip(), f"{sample.id} is not what .ci/run runs"
        return
    _free_ports_for_servers(sample.code, env)
    for line in _logical_lines(env.substitute(sample.code), prompted=sample.lang == "console"):
        stdin, all_words = _piped_input(shlex.split(line, comments=True))
        for words in _commands(all_words):
            with pytest.MonkeyPatch.context() as scoped:
                scoped.setattr(sys, "stdin", io.StringIO(stdin or ""))
                while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):  # NAME=value command
                    name, _, value = words.pop(0).partition("=")
                    scoped.setenv(name, value)
                run_command(sample, env, line, words, out)


def run_command(sample: Sample, env: DocEnv, line: str, words: list[str], out: io.StringIO) -> None:
    command = words[0]
    if command == "export":
        for assignment in words[1:]:
            name, _, value = assignment.partition("=")
            env.monkeypatch.setenv(name, value)
    elif command == "g4f" and words[1:2] == ["api"]:
        run_api_process(words[1:], out)
    elif command == "g4f" and words[-1] == "&":
        env.background_process(words[1:-1], out)
    elif command == "kill" and words[1:2] and words[1].startswith("%"):
        env.stop_background(int(words[1][1:]), out)
    elif command == "g4f":
        from g4f.cli import main
        from g4f.providers.registry import registry

        registry.refresh()  # each command of a shell is a new process that looks for plugins anew
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            status = main(words[1:])
        expected = int(sample.attrs.get("exit", "0"))
        assert status == expected, f"`{line}` exited with {status}, not {expected}:\n{out.getvalue()}"
    elif command == "curl":
        result = subprocess.run(words, capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, f"`{line}` failed: {result.stderr}"
        out.write(result.stdout)
    elif command == "pip":
        check_pip(words)
    else:
        raise AssertionError(f"{sample.id}: this test does not know how to run {command!r}")


def check_pip(words: list[str]) -> None:
    """A documented pip command installs local paths with extras that exist (nothing from an index)."""
    assert words[1] == "install", words
    targets = [w for w in words[2:] if not w.startswith("-")]
    assert targets, words
    for target in targets:
        path, _, extras = target.partition("[")
        project = (ROOT / path).resolve() if not Path(path).is_absolute() else Path(path)
        if not (project / "pyproject.toml").exists():
            project = (EXAMPLE / path).resolve()
        assert (project / "pyproject.toml").exists(), f"pip target {target!r} is not a local project"
        declared = tomllib.loads((project / "pyproject.toml").read_text())["project"].get("optional-dependencies", {})
        for extra in filter(None, extras.rstrip("]").split(",")):
            assert extra in declared, f"{target!r}: {project.name} has no extra {extra!r}"


def run_api_process(args: list[str], out: io.StringIO) -> None:
    """``g4f api ...`` for real: started, asked for its models, stopped with SIGTERM. It listens on
    127.0.0.1 and a free port whatever the sample says: tests talk to loopback only."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for option, value in (("--port", str(port)), ("--host", "127.0.0.1")):
        if option in args:
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
    script = shutil.which("g4f") or ""
    command = [script, *args] if script else [sys.executable, "-m", "g4f.cli", *args]
    headers = {}
    if "--api-key" in args:
        headers["Authorization"] = f"Bearer {args[args.index('--api-key') + 1]}"
    elif os.environ.get("G4F_API_KEY"):
        headers["Authorization"] = f"Bearer {os.environ['G4F_API_KEY']}"
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/models", headers=headers)
                with urllib.request.urlopen(request, timeout=5) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert process.poll() is None, f"g4f api exited: {process.communicate()[0]}"
                assert time.monotonic() < deadline, "g4f api did not answer within 60 s"
                time.sleep(0.2)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
        out.write(output)


def start_envs(sample: Sample, doc_env: DocEnv) -> None:
    if sample.needs_browser:
        skip_without_chromium()
    for name in dict.fromkeys(e for step in sample.chain() for e in step.envs):
        doc_env.start(name)
    for script in filter(None, sample.attrs.get("script", "").split(",")):
        doc_env.script(script)


def check_outcome(sample: Sample, out: io.StringIO, raised: tuple[type[BaseException], str] | None) -> None:
    """The sample ended as its attributes say: the error of ``raises=``, the ``output=`` text."""
    expected_error = sample.attrs.get("raises")
    if raised is not None:
        kind, message = raised
        assert expected_error in [k.__name__ for k in kind.__mro__], f"{sample.id} raised {kind.__name__}: {message}"
        out.write(f"{kind.__name__}: {message}\n")
    else:
        assert not expected_error, f"{sample.id} should raise {expected_error}"
    print(out.getvalue())  # shown by `pytest -rP`, and with a failure
    for expected in filter(None, [sample.attrs.get("output")]):
        assert expected in out.getvalue(), f"{sample.id}: {expected!r} not in the output:\n{out.getvalue()}"
    for unexpected in filter(None, [sample.attrs.get("absent")]):
        assert unexpected not in out.getvalue(), f"{sample.id}: {unexpected!r} in the output:\n{out.getvalue()}"


PYTHON_SAMPLES = [s for s in SAMPLES if s.lang == "python"]
#: Python samples a reader runs as a file (a ``pytest`` sample is a test module: pytest runs it from a file).
PROGRAMS = [s for s in PYTHON_SAMPLES if "pytest" not in s.attrs]


@pytest.mark.parametrize("sample", PYTHON_SAMPLES, ids=[s.id for s in PYTHON_SAMPLES])
def test_python_samples_are_programs_or_say_they_need_a_running_loop(sample: Sample):
    """Pasted into a file, a sample runs with ``python``: no top-level ``await`` unless its first
    line says it is for a running event loop, and that line only where it is needed."""
    try:
        compile(sample.code, sample.id, "exec")
    except SyntaxError as exc:
        needs_loop = "outside" in str(exc.msg) and ("await" in exc.msg or "async" in exc.msg)
        if not needs_loop:
            raise
        assert sample.for_running_loop, (
            f"{sample.id}: top-level await fails in a file ({exc.msg}, line {exc.lineno}): put the code in "
            f"`async def main():` and end with `asyncio.run(main())`, or start the sample with the line "
            f"`{RUNNING_LOOP_MARK} (Jupyter, python -m asyncio):`")
    else:
        assert not sample.for_running_loop, f"{sample.id} runs as a file: drop its {RUNNING_LOOP_MARK!r} line"


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.id for s in SAMPLES])
def test_sample_runs(sample: Sample, doc_env: DocEnv):
    if sample.lang == "toml":
        tomllib.loads(sample.code)
        return
    if sample.lang == "json":
        json.loads(sample.code)
        return
    start_envs(sample, doc_env)
    out = io.StringIO()
    raised = None
    try:
        if sample.lang == "python":
            run_python(sample, doc_env, out)
        else:
            run_shell(sample, doc_env, out)
    except Exception as exc:
        if sample.attrs.get("raises") not in [k.__name__ for k in type(exc).__mro__]:
            raise
        raised = (type(exc), str(exc))
    check_outcome(sample, out, raised)


@pytest.mark.parametrize("sample", PROGRAMS, ids=[s.id for s in PROGRAMS])
def test_sample_runs_as_a_file(sample: Sample, doc_env: DocEnv):
    """What a reader does: paste the sample into a file and run ``python file.py``."""
    start_envs(sample, doc_env)
    out = io.StringIO()
    raised = run_python_file(sample, doc_env, out)
    check_outcome(sample, out, raised)


# -- the conventions themselves, on samples written here ---------------------------------------------
def synthetic(code: str, **attrs: str) -> Sample:
    return Sample(DOCS / "synthetic.md", 1, "python", attrs, code)


def test_a_running_loop_sample_runs_here_and_as_a_file(doc_env: DocEnv):
    sample = synthetic(f"{RUNNING_LOOP_MARK} (Jupyter, python -m asyncio):\nimport asyncio\n\n"
                       "await asyncio.sleep(0)\nprint('awaited at the top level')\n")
    test_python_samples_are_programs_or_say_they_need_a_running_loop(sample)
    here, there = io.StringIO(), io.StringIO()
    run_python(sample, doc_env, here)
    assert run_python_file(sample, doc_env, there) is None
    assert here.getvalue() == there.getvalue() == "awaited at the top level\n"


@pytest.mark.parametrize(("code", "complaint"), [
    ("import asyncio\n\nawait asyncio.sleep(0)\n", "top-level await fails in a file"),
    (f"{RUNNING_LOOP_MARK}:\nprint('no await here')\n", "drop its"),
])
def test_the_marking_is_checked(code: str, complaint: str):
    with pytest.raises(AssertionError, match=complaint):
        test_python_samples_are_programs_or_say_they_need_a_running_loop(synthetic(code))


def test_a_sample_that_only_works_in_this_process_fails_as_a_file(doc_env: DocEnv):
    """The README's old async sample used a name no earlier line defined: here as in a file."""
    sample = synthetic("print(messages)\n")
    with pytest.raises(AssertionError, match="failed as a file"):
        run_python_file(sample, doc_env, io.StringIO())


def test_a_g4f_error_a_file_ends_with_is_the_expected_one(doc_env: DocEnv):
    sample = synthetic('import g4f\n\ng4f.ChatCompletion.create("llama-3.3-70b-versatile", '
                       '[{"role": "user", "content": "Hi"}], provider="Groq")\n', raises="MissingAuthError")
    raised = run_python_file(sample, doc_env, io.StringIO())
    assert raised is not None and raised[0].__name__ == "MissingAuthError" and "GROQ_API_KEY" in raised[1]


def test_the_readme_shows_what_g4f_api_prints_first(monkeypatch):
    """The README's first command: the lines it shows are the ones ``g4f api`` prints, without
    a key and with one (the processes themselves: tests/test_cli.py::test_api_*)."""
    from g4f.cli.serve import readiness

    shown = [s.code.splitlines() for s in ALL_SAMPLES if s.path.name == "README.md" and s.lang == "text"
             and "g4f web chat on http://127.0.0.1:1337/" in s.code]
    assert len(shown) == 2, shown
    for lines in shown:
        assert lines[1:] == ["g4f web chat on http://127.0.0.1:1337/ (open it in a browser)",
                             "g4f API on http://127.0.0.1:1337/v1 (Ctrl+C to stop)"]
    assert shown[0][0] == readiness()
    monkeypatch.setenv("GROQ_API_KEY", GROQ_KEY)
    assert shown[1][0] == readiness()
