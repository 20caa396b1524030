"""Importing is cheap: checked in a fresh interpreter, through ``sys.modules``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from g4f.providers.registry import BUILTIN_PROVIDERS

ROOT = Path(__file__).parent.parent

HEAVY = ("aiohttp", "curl_cffi", "nodriver", "browser_cookie3", "orjson")
#: Standard modules ``import g4f`` has no reason to load: the event loop, sockets, TLS, HTTP.
AVOIDABLE = ("asyncio", "socket", "ssl", "http.client", "urllib.request", "concurrent.futures", "json", "email")


def modules_after(code: str) -> set[str]:
    """The modules loaded by ``code`` in a fresh interpreter."""
    script = (  # json is imported after the measurement, so it does not count
        f"import sys\n{code}\n"
        "loaded = sorted(sys.modules)\n"
        "import json\n"
        "print(json.dumps(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            check=False,
                            env={"PATH": "/usr/bin:/bin", "G4F_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout))


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == name or m.startswith(f"{name}.") for name in names))


def provider_modules(modules: set[str]) -> list[str]:
    return sorted(
        m for m in modules
        if m.startswith("g4f.Provider.") and m.count(".") >= 3 and not m.rsplit(".", 1)[1].startswith("_")
    )


def test_import_g4f_is_cheap():
    modules = modules_after("import g4f")
    assert loaded(modules, HEAVY) == []
    assert loaded(modules, AVOIDABLE) == []
    assert provider_modules(modules) == []
    assert sorted(m for m in modules if m.startswith("g4f")) == ["g4f", "g4f.errors", "g4f.secrets", "g4f.version"]


def test_g4f_names_in_use_stay_cheap():
    # What a user touches before the first request: the version, errors, the lazy namespaces.
    modules = modules_after(
        "import g4f, g4f.errors, g4f.requests, g4f.Provider, g4f.Provider.needs_auth\n"
        "g4f.version.utils.current_version\n"
        "from g4f.providers.registry import list_providers\n"
        "assert 'Groq' in list_providers()\n"
    )
    assert loaded(modules, HEAVY) == []
    assert provider_modules(modules) == []


def test_from_g4f_provider_import_groq_imports_groq_alone():
    modules = modules_after("from g4f.Provider import Groq\nassert Groq.__name__ == 'Groq'")
    assert provider_modules(modules) == ["g4f.Provider.needs_auth.Groq", "g4f.Provider.template.OpenaiTemplate"]
    assert loaded(modules, HEAVY) == []  # no HTTP library until the first request


def test_from_needs_auth_import_groq_imports_groq_alone():
    modules = modules_after("from g4f.Provider.needs_auth import Groq\nassert isinstance(Groq, type)")
    assert [m for m in provider_modules(modules) if m.startswith("g4f.Provider.needs_auth")] == [
        "g4f.Provider.needs_auth.Groq"
    ]
    assert loaded(modules, HEAVY) == []


@pytest.mark.parametrize("name", sorted(BUILTIN_PROVIDERS))
def test_builtin_provider_modules_import_no_http_library(name):
    module, _, attribute = BUILTIN_PROVIDERS[name].partition(":")
    modules = modules_after(f"from {module} import {attribute}")
    assert loaded(modules, HEAVY) == [], f"{module} imports an HTTP or browser library at import time"
    others = [m for m in provider_modules(modules) if m != module and not m.startswith("g4f.Provider.template.")]
    assert others == [], f"{module} imports other provider modules"


def test_a_user_provider_module_via_the_registry_is_imported_alone(tmp_path):
    # The same laziness holds for providers that are not built in (registered by name).
    package = tmp_path / "user_providers"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in ("One", "Two"):
        (package / f"{name}.py").write_text(
            "from g4f.providers.base_provider import AsyncGeneratorProvider\n"
            f"class {name}(AsyncGeneratorProvider):\n"
            "    working = True\n"
            "    @classmethod\n"
            "    async def create_async_generator(cls, model, messages, stream=True, **kwargs):\n"
            "        yield 'x'\n"
        )
    modules = modules_after(
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "from g4f.providers.registry import ProviderRegistry\n"
        "registry = ProviderRegistry({'One': 'user_providers.One:One', 'Two': 'user_providers.Two:Two'})\n"
        "assert registry.names() == ['One', 'Two']\n"
        "assert registry.get('one').__name__ == 'One'\n"
    )
    assert sorted(m for m in modules if m.startswith("user_providers.")) == ["user_providers.One"]
    assert loaded(modules, HEAVY) == []
