"""g4f's one lazy loader (``g4f/_lazy.py``): imported on first use, a plain attribute afterwards.

What users rely on: short import paths that cost nothing until used (``g4f.requests.X``,
``g4f.Provider.Groq``, ``from g4f.Provider.needs_auth import Groq``), and for the template's hot
path an object whose attributes cost a dict lookup once loaded. Import effects are checked in a
fresh interpreter, where nothing of g4f is loaded yet.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

from g4f._lazy import LazyImports, Submodules, load, load_lazy

ROOT = Path(__file__).resolve().parent.parent


def fresh(code: str) -> object:
    """Run ``code`` in a fresh interpreter; it ends with ``print(json.dumps(...))`` of its result."""
    result = subprocess.run([sys.executable, "-c", f"import json, sys\n{code}"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=False,
                            env={"PATH": "/usr/bin:/bin", "G4F_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


# -- LazyImports -----------------------------------------------------------------------------------
def test_lazy_imports_import_on_first_access_only() -> None:
    seen = fresh(
        "from g4f._lazy import LazyImports\n"
        "http = LazyImports(loads='g4f.requests.jsonlib', sse_stream='g4f.requests.streams')\n"
        "modules = ('g4f.requests.jsonlib', 'g4f.requests.streams')\n"
        "before = [m for m in modules if m in sys.modules]\n"
        "value = http.loads(b'[1, 2]')\n"
        "after = [m for m in modules if m in sys.modules]\n"
        "print(json.dumps([before, value, after]))\n"
    )
    assert seen == [[], [1, 2], ["g4f.requests.jsonlib", "g4f.requests.streams"]]  # all at once


def test_lazy_imports_are_plain_attributes_once_loaded() -> None:
    from g4f.requests import jsonlib, streams

    http = LazyImports(loads="g4f.requests.jsonlib", sse_stream="g4f.requests.streams")
    assert isinstance(http, LazyImports) and "loads" not in vars(http)
    assert http.loads is jsonlib.loads
    # Every name is in the instance dict and the class has no __getattr__ any more: a lookup is
    # what it is on any object, whatever the name.
    assert vars(http)["loads"] is jsonlib.loads and vars(http)["sse_stream"] is streams.sse_stream
    assert isinstance(http, LazyImports) and not hasattr(type(http), "__getattr__")
    with pytest.raises(AttributeError):
        _ = http.dumps


def test_lazy_imports_relative_to_a_package() -> None:
    from g4f.requests.streams import sse_stream

    http = LazyImports("g4f.Provider.template", sse_stream="...requests.streams")
    assert http.sse_stream is sse_stream


def test_lazy_imports_refuse_unknown_and_private_names() -> None:
    http = LazyImports(loads="g4f.requests.jsonlib")
    with pytest.raises(AttributeError, match="'dumps'"):
        _ = http.dumps
    with pytest.raises(AttributeError):
        _ = http._missing
    assert "loads" in dir(http) and repr(http) == "LazyImports(loads)"


def test_lazy_imports_survive_copy() -> None:
    # copy looks up __reduce_ex__/__setstate__ on a blank instance: no recursion into _where.
    http = LazyImports(loads="g4f.requests.jsonlib")
    clone = copy.copy(http)
    assert clone.loads is http.loads


def test_a_missing_module_is_an_import_error_not_an_attribute_error() -> None:
    http = LazyImports(thing="g4f.no_such_module")
    with pytest.raises(ModuleNotFoundError):
        _ = http.thing


# -- load / load_lazy / Submodules -----------------------------------------------------------------
def test_load_takes_the_attribute_and_a_module_named_like_it_stands_for_it() -> None:
    from g4f.Provider.needs_auth.Groq import Groq
    from g4f.requests.jsonlib import dumps

    assert load("g4f.requests.jsonlib", "dumps") is dumps
    assert load(".needs_auth.Groq", "Groq", "g4f.Provider") is Groq  # the class, not its module
    package = load(".needs_auth", "needs_auth", "g4f.Provider")
    assert isinstance(package, types.ModuleType) and package.__name__ == "g4f.Provider.needs_auth"
    with pytest.raises(AttributeError):
        load("g4f.requests.jsonlib", "nothing")


def test_load_lazy_keeps_the_value_on_the_package() -> None:
    import g4f.requests

    vars(g4f.requests).pop("parse_retry_after", None)
    value = load_lazy("g4f.requests", {"parse_retry_after": ".status"}, "parse_retry_after")
    assert vars(g4f.requests)["parse_retry_after"] is value
    with pytest.raises(AttributeError, match="module 'g4f.requests' has no attribute 'nothing'"):
        load_lazy("g4f.requests", {}, "nothing")


def test_submodules_maps_the_public_modules_of_a_package() -> None:
    import g4f.Provider.needs_auth  # noqa: F401 - the package must be loaded to list it

    providers = Submodules("g4f.Provider.needs_auth")
    assert providers["Groq"] == ".Groq" and "Grok" in providers
    assert {"Groq", "Grok", "OpenAI"} <= set(providers) and len(providers) == len(list(providers))
    for name in ("Nothing", "__init__", "_private"):
        assert name not in providers


# -- the provider namespaces -----------------------------------------------------------------------
def test_a_provider_package_binds_the_class_even_when_the_module_was_imported_first() -> None:
    # The registry imports ``g4f.Provider.needs_auth.Groq`` as a module; the import system then binds
    # that module on the package. The package must still hand out the class.
    seen = fresh(
        "import importlib\n"
        "importlib.import_module('g4f.Provider.needs_auth.Groq')\n"
        "import g4f.Provider.needs_auth as package\n"
        "from g4f.Provider.needs_auth import Groq\n"
        "print(json.dumps([isinstance(Groq, type), Groq is package.Groq, Groq.__module__]))\n"
    )
    assert seen == [True, True, "g4f.Provider.needs_auth.Groq"]


def test_the_provider_namespace_serves_providers_framework_classes_and_subpackages() -> None:
    seen = fresh(
        "import g4f.Provider as P\n"
        "names = [P.OpenaiTemplate.__name__, P.IterListProvider.__module__, P.needs_auth.__name__, P.Groq.__name__]\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('g4f.Provider.needs_auth.'))\n"
        "listed = [n in dir(P.needs_auth) for n in ('Groq', 'Grok')] + [n in dir(P) for n in ('Groq', 'template')]\n"
        "print(json.dumps([names, loaded, listed]))\n"
    )
    assert seen == [
        ["OpenaiTemplate", "g4f.providers.retry_provider", "g4f.Provider.needs_auth", "Groq"],
        ["g4f.Provider.needs_auth.Groq"],  # dir() lists Grok without importing it
        [True, True, True, True],
    ]


def test_an_unknown_provider_name_is_an_attribute_error() -> None:
    import g4f.Provider
    import g4f.Provider.needs_auth

    for package in (g4f.Provider.needs_auth, g4f.Provider):
        with pytest.raises(AttributeError):
            getattr(package, "NoSuchProvider")  # noqa: B009 - the lookup under test
