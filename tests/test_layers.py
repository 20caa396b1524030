"""Each layer of g4f imports only the layers below it, and no module imports itself in a circle.

The layers, lowest first (DESIGN.md): data without I/O libraries (errors, secrets, typing,
version, config, models) → ``requests`` (HTTP) → ``auth`` → ``providers`` (the framework) →
``shared`` (state shared between workers) → ``Provider`` (the implementations) → ``client`` →
``api`` → ``cli``; ``g4f/__init__`` is the facade on top. ``g4f.testing`` (the test kit) stands beside ``client``: it may use everything up
to ``Provider``, and nothing outside it may import it.

Checked twice, because each check sees what the other cannot:

* at run time: every module is imported alone in a fresh interpreter, and the g4f modules it
  pulled in must belong to its own layer or a lower one (an import-time circle fails here too:
  some module of it cannot be imported first);
* in the source: every import statement, including the ones inside functions that run only on
  first use, names a module of the same or a lower layer, and together they form no cycle.
  ``if TYPE_CHECKING:`` imports are annotations only and are not counted.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "g4f"

#: Layers, lowest first: (name, the modules and packages that form it).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("data", ("g4f.errors", "g4f.secrets", "g4f.typing", "g4f.version", "g4f.config", "g4f.models",
              "g4f._lazy", "g4f._events", "g4f._environ", "g4f.debug")),
    ("requests", ("g4f.requests",)),
    ("auth", ("g4f.auth", "g4f.cookies")),
    ("providers", ("g4f.providers",)),
    ("shared", ("g4f.shared",)),  # state shared between workers (Redis): health, limits, credentials
    ("Provider", ("g4f.Provider",)),
    ("testing", ("g4f.testing",)),
    ("client", ("g4f.client",)),
    ("api", ("g4f.api", "g4f.gui")),
    ("cli", ("g4f.cli",)),
    ("facade", ("g4f",)),  # g4f/__init__ only
)
LAYER_NAMES = [name for name, _ in LAYERS]

#: Modules that do something when imported (``python -m g4f.cli``): checked in the source only.
NOT_IMPORTABLE_ALONE = frozenset({"g4f.cli.__main__"})


def layer_of(module: str) -> int:
    """The index in LAYERS of ``module``'s layer (the facade is ``g4f/__init__`` alone)."""
    if module == "g4f":
        return LAYER_NAMES.index("facade")
    for index, (_, members) in enumerate(LAYERS[:-1]):
        if any(module == member or module.startswith(member + ".") for member in members):
            return index
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS in {Path(__file__).name}")


#: Modules outside the test kit that exist to serve it: ``g4f replica`` runs its OpenAI replica.
TEST_KIT_COMMANDS = frozenset({"g4f.cli.replica"})


def may_import(importer: str, imported: str) -> bool:
    """Whether ``importer`` may import ``imported``: same or lower layer, and the test kit only from
    itself (and the commands that serve it)."""
    low, high = layer_of(imported), layer_of(importer)
    testing = LAYER_NAMES.index("testing")
    if low == testing and high != testing:
        return importer in TEST_KIT_COMMANDS
    if high == testing:
        return low <= LAYER_NAMES.index("Provider") or low == testing
    return low <= high


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = sorted(module_name(path) for path in PACKAGE.rglob("*.py"))


# -- at run time ---------------------------------------------------------------------------------
#: Runs in a fresh interpreter. With fork, the third-party libraries g4f uses are loaded once and
#: each module is imported in a forked child that has loaded no g4f module yet; without fork
#: (Windows) each module gets an interpreter of its own.
PROBE = r"""
import importlib, json, os, sys

def probe(name):
    try:
        importlib.import_module(name)
        error = None
    except BaseException as exc:
        error = f"{type(exc).__name__}: {exc}"
    loaded = sorted(m for m in sys.modules if m == "g4f" or m.startswith("g4f."))
    return json.dumps({"module": name, "error": error, "loaded": loaded})

names = sys.argv[1:]
if len(names) == 1:
    print(probe(names[0]), flush=True)
    raise SystemExit(0)
for library in ("aiohttp", "aiohttp.web", "curl_cffi.requests", "pytest", "pytest_asyncio"):
    try:
        importlib.import_module(library)
    except ImportError:
        pass
assert not any(m == "g4f" or m.startswith("g4f.") for m in sys.modules), "a library imported g4f"
sys.stdout.flush()
for name in names:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        os.write(write, probe(name).encode())
        os._exit(0)
    os.close(write)
    chunks = []
    while True:
        chunk = os.read(read, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    print(b"".join(chunks).decode(), flush=True)
"""


def _run_probe(names: list[str]) -> list[dict[str, Any]]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "G4F_DISABLE_PLUGIN_AUTOLOAD": "1",
           "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run([sys.executable, "-c", PROBE, *names], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, check=False, env=env)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


@cache
def imported_alone() -> dict[str, dict[str, Any]]:
    """For each module: what importing it alone in a fresh interpreter loaded (and any error)."""
    names = [name for name in MODULES if name not in NOT_IMPORTABLE_ALONE]
    if hasattr(os, "fork"):
        results = _run_probe(names)
    else:  # pragma: no cover - Windows
        results = [result for name in names for result in _run_probe([name])]
    return {str(result["module"]): result for result in results}


def test_every_module_is_probed_and_belongs_to_a_layer() -> None:
    for name in MODULES:
        layer_of(name)
    assert sorted(imported_alone()) == sorted(set(MODULES) - NOT_IMPORTABLE_ALONE)


@pytest.mark.parametrize("module", [name for name in MODULES if name not in NOT_IMPORTABLE_ALONE])
def test_importing_a_module_alone_loads_no_layer_above_it(module: str) -> None:
    result = imported_alone()[module]
    assert result["error"] is None, f"{module} cannot be imported on its own: {result['error']}"
    loaded = [name for name in result["loaded"] if name != "g4f"]
    # ``g4f`` itself is the parent of every module; tests/test_import_cost.py keeps it to the data layer.
    above = [name for name in loaded if not may_import(module, name)]
    assert above == [], (
        f"importing {module} ({LAYER_NAMES[layer_of(module)]}) pulls in "
        + ", ".join(f"{name} ({LAYER_NAMES[layer_of(name)]})" for name in above)
    )


def test_each_probe_starts_fresh_and_sees_what_a_module_pulls_in() -> None:
    # The check above must be able to fail: a module's imports are seen, however indirect, and a
    # module probed later does not inherit what an earlier probe loaded.
    probes = imported_alone()
    assert any(name.startswith("g4f.providers.") for name in probes["g4f.client"]["loaded"])
    assert probes["g4f.errors"]["loaded"] == ["g4f", "g4f.errors", "g4f.secrets", "g4f.version"]
    assert not may_import("g4f.requests.status", "g4f.providers.response")


# -- in the source -------------------------------------------------------------------------------
def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, module: str, is_package: bool) -> list[tuple[str, int]]:
    """(imported g4f module, line) for every import statement outside ``if TYPE_CHECKING:``."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    known = set(MODULES)

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for statement in node.orelse:
                visit(statement)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names if alias.name.split(".")[0] == "g4f")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if target.split(".")[0] == "g4f":
                for alias in node.names:  # ``from . import curl`` imports the submodule
                    sub = f"{target}.{alias.name}"
                    found.append((sub if sub in known else target, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


@cache
def source_imports() -> dict[str, list[tuple[str, int]]]:
    graph: dict[str, list[tuple[str, int]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        graph[module] = [(target, line) for target, line in _imports(tree, module, path.name == "__init__.py")
                         if target != module]
    return graph


def test_no_import_statement_names_a_layer_above() -> None:
    upward = sorted((module, line, target) for module, imports in source_imports().items()
                    for target, line in imports if not may_import(module, target))
    assert upward == [], "upward imports:\n" + "\n".join(
        f"  {module}:{line} ({LAYER_NAMES[layer_of(module)]}) imports {target} ({LAYER_NAMES[layer_of(target)]})"
        for module, line, target in upward)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_cycle_detection_finds_a_circle() -> None:
    # The check below must be able to fail: the circle this project once had in g4f.requests.
    circle = {"status": {"streams"}, "streams": {"transport", "decoders"}, "transport": {"status"}, "decoders": set()}
    assert _cycles(circle) == [["status", "streams", "transport"]]


def test_no_import_cycle_even_through_imports_inside_functions() -> None:
    imports = source_imports()
    graph = {module: {target for target, _ in found} for module, found in imports.items()}
    cycles = _cycles(graph)
    assert cycles == [], "import cycles:\n" + "\n".join(
        "  " + ", ".join(f"{module}:{line} imports {target}" for module in cycle
                         for target, line in imports[module] if target in cycle)
        for cycle in cycles)
