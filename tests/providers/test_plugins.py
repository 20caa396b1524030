"""Plugin providers found through the ``g4f.providers`` entry point group.

Every plugin here is a real distribution: a ``*.dist-info`` folder with ``METADATA`` and
``entry_points.txt`` in a directory put on ``sys.path``, read by the real ``importlib.metadata``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

import g4f
import g4f.Provider
from g4f.errors import ProviderNotFoundError
from g4f.providers.registry import (
    BUILTIN_PROVIDERS,
    PluginWarning,
    ProviderRegistry,
    get_provider,
    list_providers,
    register_provider,
    registry,
)
from g4f.providers.types import BaseProvider

ECHO_SOURCE = """
from g4f.providers.base_provider import AsyncGeneratorProvider, ProviderModelMixin

class {cls}(AsyncGeneratorProvider, ProviderModelMixin):
    label = "{cls} plugin"
    working = True
    default_model = "{model}"
    models = ["{model}"]

    @classmethod
    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        yield "{cls} says: "
        yield messages[-1]["content"]
"""

MESSAGES = [{"role": "user", "content": "hi"}]


class Site:
    """A directory on sys.path where tests install real distributions."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.modules: list[str] = []

    def module(self, name: str, source: str) -> None:
        (self.root / f"{name}.py").write_text(textwrap.dedent(source))
        self.modules.append(name)

    def echo_module(self, name: str, cls: str, model: str = "echo-model") -> None:
        self.module(name, ECHO_SOURCE.format(cls=cls, model=model))

    def distribution(self, name: str, entry_points: dict[str, str], version: str = "1.0") -> Path:
        info = self.root / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        lines = "".join(f"{ep} = {target}\n" for ep, target in entry_points.items())
        (info / "entry_points.txt").write_text(f"[g4f.providers]\n{lines}")
        return info


def _forget(names: list[str]) -> None:
    for name in names:
        sys.modules.pop(name, None)


@pytest.fixture
def site(tmp_path, monkeypatch):
    """An empty site directory first on sys.path; the global registry reads plugins afresh."""
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    for name in ("G4F_DISABLE_PLUGIN_AUTOLOAD", "G4F_BLOCKED_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    site = Site(root)
    provider_globals = set(vars(g4f.Provider))
    registry.refresh()
    yield site
    monkeypatch.undo()
    registry.refresh()
    _forget(site.modules)
    for name in set(vars(g4f.Provider)) - provider_globals:
        delattr(g4f.Provider, name)


def test_listing_names_imports_no_plugin_module(site):
    site.echo_module("acme_echo", "AcmeEcho")
    site.distribution("g4f-acme", {"AcmeEcho": "acme_echo:AcmeEcho"}, version="2.3.1")

    assert "AcmeEcho" in list_providers()
    assert [p.name for p in registry.plugins() if p.name == "AcmeEcho"] == ["AcmeEcho"]
    assert "AcmeEcho" in dir(g4f.Provider)
    assert "acme_echo" not in sys.modules

    provider = get_provider("acmeecho")  # names compare case-insensitively
    assert "acme_echo" in sys.modules
    assert provider.__name__ == "AcmeEcho" and issubclass(provider, BaseProvider)
    assert registry.origin("AcmeEcho") == "plugin g4f-acme 2.3.1"
    assert registry.is_plugin("AcmeEcho")


async def test_a_plugin_answers_through_every_door(site):
    site.echo_module("acme_doors", "AcmeDoors")
    site.distribution("g4f-acme-doors", {"AcmeDoors": "acme_doors:AcmeDoors"})

    answer = await g4f.ChatCompletion.create_async("echo-model", MESSAGES, provider="AcmeDoors")
    assert answer == "AcmeDoors says: hi"
    assert g4f.Provider.AcmeDoors is get_provider("AcmeDoors")
    from g4f.Provider import AcmeDoors

    assert await AcmeDoors.create_async("echo-model", MESSAGES) == "AcmeDoors says: hi"


def test_listing_in_a_fresh_process_imports_neither_plugins_nor_http_libraries(site):
    site.echo_module("acme_fresh", "AcmeFresh")
    site.distribution("g4f-acme-fresh", {"AcmeFresh": "acme_fresh:AcmeFresh"})
    code = textwrap.dedent("""
        import sys
        from g4f.providers.registry import list_providers
        names = list_providers()
        assert "AcmeFresh" in names, names
        loaded = [m for m in ("acme_fresh", "aiohttp", "curl_cffi", "g4f.Provider.needs_auth.Groq")
                  if m in sys.modules]
        assert not loaded, loaded
        print("ok")
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site.root), *sys.path])}
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_a_broken_plugin_warns_once_naming_it_and_the_rest_works(site):
    site.module("acme_broken", "import acme_dependency_that_is_not_installed\n")
    site.echo_module("acme_fine", "AcmeFine")
    site.distribution("g4f-acme-broken", {"AcmeBroken": "acme_broken:AcmeBroken"}, version="0.9")
    site.distribution("g4f-acme-fine", {"AcmeFine": "acme_fine:AcmeFine"})

    assert "AcmeBroken" in list_providers()  # listing imports nothing, so it cannot know yet
    with pytest.warns(PluginWarning) as caught:
        loaded = {p.__name__ for p in registry.providers(["AcmeBroken", "AcmeFine"])}
    assert loaded == {"AcmeFine"}
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "'AcmeBroken'" in message and "g4f-acme-broken 0.9" in message
    assert "ModuleNotFoundError" in message and "acme_dependency_that_is_not_installed" in message
    assert caught[0].filename == __file__  # points at the caller, not at g4f's internals

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second report would raise here
        assert {p.__name__ for p in registry.providers(["AcmeBroken", "AcmeFine"])} == {"AcmeFine"}
        with pytest.raises(ProviderNotFoundError, match="acme_dependency_that_is_not_installed"):
            get_provider("AcmeBroken")
        assert "AcmeBroken" not in list_providers()
        assert "AcmeBroken" not in [p.name for p in registry.plugins()]


def test_a_plugin_that_raises_while_importing_is_reported_with_the_cause(site):
    site.module("acme_raises", "raise RuntimeError('config file missing')\n")
    site.distribution("g4f-acme-raises", {"AcmeRaises": "acme_raises:AcmeRaises"})

    with (
        pytest.warns(PluginWarning, match=r"'AcmeRaises'.*RuntimeError: config file missing"),
        pytest.raises(ProviderNotFoundError, match="config file missing") as info,
    ):
        get_provider("AcmeRaises")
    assert isinstance(info.value.__cause__, RuntimeError)


def test_an_entry_point_that_is_not_a_provider_class_is_refused(site):
    site.module("acme_notaclass", "def AcmeFunction():\n    return 'not a provider'\n")
    site.distribution("g4f-acme-notaclass", {"AcmeFunction": "acme_notaclass:AcmeFunction"})

    with (
        pytest.warns(PluginWarning, match="'AcmeFunction'.*is not a provider class"),
        pytest.raises(ProviderNotFoundError, match="not a provider class"),
    ):
        get_provider("AcmeFunction")


def test_a_plugin_cannot_shadow_a_builtin_and_a_warning_says_so(site):
    site.echo_module("acme_groq", "Groq")
    site.distribution("g4f-fake-groq", {"groq": "acme_groq:Groq"})

    with pytest.warns(PluginWarning, match=r"'groq'.*g4f-fake-groq.*ignored.*built-in provider 'Groq'"):
        names = list_providers()
    assert [n for n in names if n.lower() == "groq"] == ["Groq"]
    assert registry.origin("groq") == "built-in"
    assert not registry.is_plugin("Groq")
    assert "acme_groq" not in sys.modules


def test_of_two_plugins_with_one_name_the_first_on_sys_path_wins(site, tmp_path, monkeypatch):
    later = Site(tmp_path / "later-site")
    later.root.mkdir()
    monkeypatch.syspath_prepend(str(site.root))  # site.root stays first
    sys.path.insert(sys.path.index(str(site.root)) + 1, str(later.root))
    site.echo_module("acme_first", "AcmeTwin")
    site.distribution("g4f-first", {"AcmeTwin": "acme_first:AcmeTwin"})
    later.echo_module("acme_second", "AcmeTwin")
    later.distribution("g4f-second", {"AcmeTwin": "acme_second:AcmeTwin"})
    registry.refresh()
    try:
        with pytest.warns(PluginWarning, match=r"g4f-second.*ignored.*g4f-first.*first on sys.path"):
            assert registry.origin("AcmeTwin") == "plugin g4f-first 1.0"
        assert get_provider("AcmeTwin").__module__ == "acme_first"
    finally:
        sys.path.remove(str(later.root))
        _forget(later.modules)


def test_autoload_can_be_disabled(site, monkeypatch):
    site.echo_module("acme_disabled", "AcmeDisabled")
    site.distribution("g4f-acme-disabled", {"AcmeDisabled": "acme_disabled:AcmeDisabled"})
    monkeypatch.setenv("G4F_DISABLE_PLUGIN_AUTOLOAD", "1")
    registry.refresh()

    assert registry.plugins() == []
    names = list_providers()
    assert names[: len(BUILTIN_PROVIDERS)] == list(BUILTIN_PROVIDERS)
    assert "AcmeDisabled" not in names and not any(registry.is_plugin(name) for name in names)
    with pytest.raises(ProviderNotFoundError, match="AcmeDisabled"):
        get_provider("AcmeDisabled")


def test_blocked_plugins_are_skipped_by_entry_point_or_distribution_name(site, monkeypatch):
    site.echo_module("acme_blocked", "AcmeBlocked")
    site.echo_module("acme_dist_blocked", "AcmeDistBlocked")
    site.echo_module("acme_allowed", "AcmeAllowed")
    site.distribution("g4f-acme-blocked", {"AcmeBlocked": "acme_blocked:AcmeBlocked"})
    site.distribution("g4f-acme-dist", {"AcmeDistBlocked": "acme_dist_blocked:AcmeDistBlocked"})
    site.distribution("g4f-acme-allowed", {"AcmeAllowed": "acme_allowed:AcmeAllowed"})
    monkeypatch.setenv("G4F_BLOCKED_PLUGINS", " acmeblocked , G4F-ACME-DIST")
    registry.refresh()

    names = list_providers()
    assert "AcmeAllowed" in names
    assert "AcmeBlocked" not in names and "AcmeDistBlocked" not in names
    with pytest.raises(ProviderNotFoundError):
        get_provider("AcmeBlocked")


def test_block_from_code_like_pytest_no_option(site):
    site.echo_module("acme_codeblock", "AcmeCodeBlock")
    site.distribution("g4f-acme-codeblock", {"AcmeCodeBlock": "acme_codeblock:AcmeCodeBlock"})
    local = ProviderRegistry(builtins={})
    assert "AcmeCodeBlock" in local.names()

    local.block("AcmeCodeBlock")
    assert "AcmeCodeBlock" not in local.names()
    assert "acme_codeblock" not in sys.modules


def test_a_provider_registered_in_code_wins_over_a_plugin(site):
    site.echo_module("acme_override", "AcmeOverride")
    site.distribution("g4f-acme-override", {"AcmeOverride": "acme_override:AcmeOverride"})

    class AcmeOverride(BaseProvider):
        working = True

    register_provider(AcmeOverride)
    try:
        assert get_provider("acmeoverride") is AcmeOverride
        assert registry.origin("AcmeOverride") == "registered"
        assert list_providers().count("AcmeOverride") == 1
        assert "acme_override" not in sys.modules
    finally:
        registry.unregister("AcmeOverride")
    assert get_provider("AcmeOverride").__module__ == "acme_override"


def test_unknown_names_suggest_close_ones(site):
    site.echo_module("acme_suggest", "AcmeSuggest")
    site.distribution("g4f-acme-suggest", {"AcmeSuggest": "acme_suggest:AcmeSuggest"})
    with pytest.raises(ProviderNotFoundError, match="did you mean AcmeSuggest"):
        get_provider("AcmeSugest")


def test_refresh_finds_a_plugin_installed_after_the_first_listing(site):
    before = list_providers()
    assert "AcmeLate" not in before
    site.echo_module("acme_late", "AcmeLate")
    site.distribution("g4f-acme-late", {"AcmeLate": "acme_late:AcmeLate"})
    assert "AcmeLate" not in list_providers()  # discovery is read once ...
    registry.refresh()  # ... until asked again
    assert "AcmeLate" in list_providers()


def test_refresh_finds_a_plugin_written_within_the_same_mtime_tick(site):
    """The import and metadata finders cache a directory's listing until its mtime changes, and
    mtimes tick coarsely: a plugin written in the same tick as an earlier look at its directory
    (here: the look, then the files, then the directory's mtime put back) is found after refresh."""
    import importlib.util

    before = os.stat(site.root).st_mtime_ns
    assert list_providers() and importlib.util.find_spec("acme_same_tick") is None  # both finders look
    site.echo_module("acme_same_tick", "AcmeSameTick")
    site.distribution("g4f-acme-same-tick", {"AcmeSameTick": "acme_same_tick:AcmeSameTick"})
    os.utime(site.root, ns=(before, before))  # as if written within the same tick
    registry.refresh()
    assert "AcmeSameTick" in list_providers()
    assert get_provider("AcmeSameTick").__name__ == "AcmeSameTick"


def test_providers_for_a_model_include_plugins(site):
    site.echo_module("acme_model", "AcmeModel", model="acme-only-model")
    site.distribution("g4f-acme-model", {"AcmeModel": "acme_model:AcmeModel"})
    local = ProviderRegistry(builtins={})
    assert [p.__name__ for p in local.for_model("acme-only-model")] == ["AcmeModel"]


# -- the example plugin package (examples/g4f-acme) ----------------------------------------------
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "g4f-acme"


def example_entry_points() -> dict[str, str]:
    """The ``g4f.providers`` table of the example's pyproject.toml."""
    text = (EXAMPLE / "pyproject.toml").read_text()
    section = text.split('[project.entry-points."g4f.providers"]', 1)[1].split("\n[", 1)[0]
    pairs = re.findall(r'^\s*([\w.-]+)\s*=\s*"([^"]+)"', section, re.MULTILINE)
    return dict(pairs)


@pytest.fixture
def example_installed(site, monkeypatch):
    """The example installed as pip installs it: its package and metadata in a site directory."""
    entry_points = example_entry_points()
    assert entry_points == {"AcmeCloud": "g4f_acme.cloud:AcmeCloud", "AcmeStream": "g4f_acme.stream:AcmeStream"}
    shutil.copytree(EXAMPLE / "src" / "g4f_acme", site.root / "g4f_acme",
                    ignore=shutil.ignore_patterns("__pycache__"))
    site.distribution("g4f-acme", entry_points, version="0.1.0")
    registry.refresh()
    yield site
    _forget([name for name in sys.modules if name == "g4f_acme" or name.startswith("g4f_acme.")])


def test_the_example_plugin_is_found_and_meets_the_contract_of_its_kind(example_installed):
    assert {"AcmeCloud", "AcmeStream"} <= set(list_providers())
    assert registry.origin("AcmeStream") == "plugin g4f-acme 0.1.0"
    assert "g4f_acme.stream" not in sys.modules
    cloud = get_provider("AcmeCloud")
    assert cloud.__mro__[1].__name__ == "OpenaiTemplate"
    assert [p.__name__ for p in registry.for_model("acme-stream-1")] == ["AcmeStream"]


def test_the_example_plugins_own_tests_pass(example_installed, tmp_path):
    """Its tests use g4f's kit (fixtures, replica, check_provider), list it with `g4f providers`
    and let auto-selection pick it; they run as its author would run them, in its own folder.

    Their temporary folders live under this test's own (``--basetemp``), not in the
    ``/tmp/pytest-of-<user>`` every pytest run on the machine shares. pytest prunes that shared
    folder; when another run removes the same old folder at the same moment, pytest warns, and
    where warnings are errors the warning is raised inside its pruning loop, which leaves the
    loop's ``os.scandir`` iterator open: a ResourceWarning (reproduced with six processes pruning
    one folder). With a folder of its own the run prunes nothing and races with no other run.
    """
    env = {**os.environ, "PYTHONPATH": str(example_installed.root)}
    env.pop("G4F_CONFIG_DIR", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "basetemp")],
        cwd=EXAMPLE, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert re.search(r"\b9 passed\b", result.stdout), result.stdout[-500:]


def test_a_distribution_with_incomplete_metadata_still_loads(site):
    site.echo_module("acme_nameless", "AcmeNameless")
    info = site.distribution("g4f-acme-nameless", {"AcmeNameless": "acme_nameless:AcmeNameless"})
    (info / "METADATA").write_text("Metadata-Version: 2.1\n")  # no Name, no Version
    registry.refresh()

    assert registry.origin("AcmeNameless") == "plugin"
    assert get_provider("AcmeNameless").__name__ == "AcmeNameless"


@pytest.mark.parametrize("library", ["importlib.metadata", "importlib_metadata"])
def test_incomplete_metadata_reads_as_empty_through_either_metadata_library(site, library):
    """``distributions()`` also yields the ``importlib_metadata`` backport's objects once anything
    imports it (its finder joins sys.meta_path), and there a missing field raises KeyError."""
    import importlib

    from g4f.providers.registry import _distribution_name, _metadata_field

    metadata = pytest.importorskip(library) if library == "importlib_metadata" else importlib.import_module(library)
    info = site.distribution("g4f-acme-fieldless", {})
    (info / "METADATA").write_text("Metadata-Version: 2.1\n")
    dist = metadata.PathDistribution(info)
    assert (_distribution_name(dist), _metadata_field(dist, "Version")) == ("", "")


def test_a_distribution_with_unreadable_entry_points_is_skipped_and_the_others_work(site):
    site.echo_module("acme_neighbour", "AcmeNeighbour")
    site.distribution("g4f-acme-neighbour", {"AcmeNeighbour": "acme_neighbour:AcmeNeighbour"})
    broken = site.distribution("g4f-acme-garbled", {})
    (broken / "entry_points.txt").write_text("[g4f.providers]\nthis line is not an entry point\n")
    registry.refresh()

    with pytest.warns(PluginWarning, match=r"g4f_acme_garbled-1\.0\.dist-info.*metadata cannot be read"):
        names = list_providers()
    assert "AcmeNeighbour" in names
    assert get_provider("AcmeNeighbour").__name__ == "AcmeNeighbour"


def test_g4f_providers_with_a_broken_plugin_warns_once_and_lists_the_rest(site):
    site.module("acme_cli_broken", "import acme_missing_dependency_for_the_cli\n")
    site.echo_module("acme_cli_fine", "AcmeCliFine")
    site.distribution("g4f-acme-cli-broken", {"AcmeCliBroken": "acme_cli_broken:AcmeCliBroken"})
    site.distribution("g4f-acme-cli-fine", {"AcmeCliFine": "acme_cli_fine:AcmeCliFine"})
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site.root), *sys.path])}
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from g4f.cli import main; sys.exit(main(['providers']))"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert "echo-model" in rows["AcmeCliFine"] and "Groq" in rows
    assert "cannot load" in rows["AcmeCliBroken"]
    warnings_shown = [line for line in result.stderr.splitlines() if "PluginWarning" in line]
    assert len(warnings_shown) == 1, result.stderr
    assert "'AcmeCliBroken'" in warnings_shown[0] and "acme_missing_dependency_for_the_cli" in warnings_shown[0]
