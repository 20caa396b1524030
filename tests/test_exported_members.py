"""Each public module's ``__all__`` is exactly what it defines for users (httpx's test, per module).

A name defined at a module's top level without a leading underscore is public; it must be listed,
and everything listed must exist. Imported names are not the module's own and are not checked.
"""

from __future__ import annotations

import ast
import importlib
import inspect

import pytest

MODULES = [
    "g4f",
    "g4f.errors",
    "g4f.secrets",
    "g4f.config",
    "g4f.version",
    "g4f.typing",
    "g4f.providers.types",
    "g4f.providers.base_provider",
    "g4f.providers.asyncio",
    "g4f.providers.response",
    "g4f.providers.helper",
    "g4f.providers.resolve",
    "g4f.providers.registry",
    "g4f.providers.call",
    "g4f.providers.attempts",
    "g4f.providers.failures",
    "g4f.providers.retry",
    "g4f.providers.retry_provider",
    "g4f.requests",
    "g4f.requests.body",
    "g4f.requests.closing",
    "g4f.requests.decoders",
    "g4f.requests.streams",
    "g4f.requests.status",
    "g4f.requests.transport",
    "g4f.requests.aiohttp_session",
    "g4f.requests.jsonlib",
    "g4f.requests.limits",
    "g4f.requests.curl",
    "g4f.auth.cache",
    "g4f.auth.result",
    "g4f.Provider._lazy",
    "g4f.client",
    "g4f.client.image_stubs",
    "g4f.client.images",
    "g4f.client.responses",
    "g4f.client.responses_convert",
    "g4f.client.responses_stubs",
]

#: Module-level names that are plumbing rather than API.
NOT_API = {"logger", "T"}


def defined_names(module) -> set[str]:
    """Top-level names the module's source defines (also inside top-level if/try blocks)."""
    tree = ast.parse(inspect.getsource(module))
    names: set[str] = set()
    imported: set[str] = set()  # e.g. ``try: from x import A / except ImportError: A = None``

    def visit(statements):
        for node in statements:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                imported.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            elif isinstance(node, ast.If):
                if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                    visit(node.body)
                    visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)

    visit(tree.body)
    return {name for name in names - imported if not name.startswith("_") and name not in NOT_API}


@pytest.mark.parametrize("name", MODULES)
def test_all_matches_what_the_module_defines(name):
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(exported) == len(set(exported)), "duplicates in __all__"
    for member in exported:
        assert hasattr(module, member), f"{name}.__all__ lists {member!r}, which does not exist"
    unlisted = defined_names(module) - set(exported)
    assert not unlisted, f"{name} defines public names missing from __all__: {sorted(unlisted)}"


@pytest.mark.parametrize("name", ["g4f", "g4f.requests"])
def test_star_import_gives_exactly_all(name):
    namespace: dict = {}
    exec(f"from {name} import *", namespace)  # noqa: S102 - the behaviour under test
    namespace.pop("__builtins__")
    assert sorted(namespace) == sorted(importlib.import_module(name).__all__)


def test_top_level_api_of_the_design():
    import g4f

    assert set(g4f.__all__) >= {"ChatCompletion", "get_cookies", "aclose", "__version__"}
    assert callable(g4f.ChatCompletion.create) and inspect.iscoroutinefunction(g4f.ChatCompletion.create_async)
    assert g4f.version.utils.current_version == g4f.__version__


def test_errors_module_exports_every_error():
    from g4f import errors

    classes = {name for name, value in vars(errors).items()
               if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ == errors.__name__}
    assert classes == set(errors.__all__)
