"""g4f's one lazy loader: a name is imported on first use, then it is a plain attribute.

``import g4f`` must stay cheap (no HTTP library, no provider), yet users reach everything through
short paths (``g4f.requests.StreamSession``, ``g4f.Provider.Groq``). Every lazy name in g4f goes
through :func:`load` here, in one of three shapes:

* a package ``__getattr__`` that delegates to :func:`load_lazy` with a map from each name to
  the module that defines it (``g4f.requests``, ``g4f.testing``, ``g4f.auth``, ``g4f.Provider``);
* :class:`Submodules`, that map for a package whose modules are each named after the one thing
  they define (``g4f.Provider.needs_auth.Groq`` defines ``Groq``);
* :class:`LazyImports`, an object whose attributes are imported on first access, for code on a
  hot path that must not import at module level (the import is too heavy) nor in a function
  (an import statement costs about 2 µs per call even when the module is loaded).

After the first access the value is stored where it was looked up (the package's or the
object's ``__dict__``), so later lookups never reach this module again.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["LazyImports", "Submodules", "load", "load_lazy"]


def load(target: str, name: str, package: str | None = None) -> Any:
    """The attribute ``name`` of the module ``target`` (absolute, or relative to ``package``).

    A module named like what it defines stands for it: if ``target`` is the submodule ``name``
    itself, the value is its attribute ``name`` when it has one (a provider class), else the
    module (a subpackage).
    """
    module = importlib.import_module(target, package)
    if module.__name__.rpartition(".")[2] == name:
        # Its own namespace only: a lazy package's __getattr__ must not be asked (g4f.Provider would
        # look for a provider called "Provider"), and a same-named submodule (g4f.client.client,
        # bound by the import system) does not stand for the package.
        value = vars(module).get(name, module)
        return module if isinstance(value, types.ModuleType) else value
    return getattr(module, name)


def load_lazy(package: str, where: Mapping[str, str], name: str) -> Any:
    """Import ``name`` from the module that ``where`` names for it, and keep it on ``package``.

    ``where`` maps names to modules, relative to ``package`` (``".streams"``) or absolute
    (``"g4f.providers.retry_provider"``). Meant for a package's ``__getattr__``::

        def __getattr__(name: str) -> Any:
            return load_lazy(__name__, _WHERE, name)
    """
    target = where.get(name)
    if target is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = load(target, name, package)
    setattr(sys.modules[package], name, value)
    return value


class Submodules(Mapping[str, str]):
    """The map ``{"Groq": ".Groq", ...}`` of a package's public submodules, for :func:`load_lazy`.

    Found on disk when asked, so a package of providers needs no list of its own modules.
    """

    def __init__(self, package: str) -> None:
        self._package = package

    def __getitem__(self, name: str) -> str:
        if name.startswith("_") or importlib.util.find_spec(f"{self._package}.{name}") is None:
            raise KeyError(name)
        return f".{name}"

    def __iter__(self) -> Iterator[str]:
        import pkgutil  # only for dir(): not worth loading with every lazy package

        path = getattr(sys.modules[self._package], "__path__", [])
        return iter(sorted(info.name for info in pkgutil.iter_modules(path) if not info.name.startswith("_")))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class LazyImports:
    """An object whose attributes are imported on first access and are plain attributes afterwards.

    >>> http = LazyImports(get_session="g4f.requests.aiohttp_session", loads="g4f.requests.jsonlib")
    >>> http.loads(b"[1]")   # the first access imports every module listed, once
    [1]

    The first access to any listed name imports them all and turns the object into a plain one
    (its class no longer has ``__getattr__``), so every later lookup costs what an attribute of
    any object costs. List together what is used together. Module names may be relative to
    ``package``: ``LazyImports(__package__, dumps="...requests.jsonlib")``.
    """

    def __new__(cls, package: str | None = None, /, **where: str) -> Self:
        return super().__new__(_Pending if cls is LazyImports else cls)  # type: ignore[return-value]

    def __init__(self, package: str | None = None, /, **where: str) -> None:
        self._package = package
        self._where = where

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._where})

    def __repr__(self) -> str:
        return f"LazyImports({', '.join(sorted(self._where))})"

    if TYPE_CHECKING:  # for type checkers: any listed name (at run time only while pending)

        def __getattr__(self, name: str) -> Any: ...


class _Pending(LazyImports):
    """A :class:`LazyImports` whose names are not imported yet."""

    def __getattr__(self, name: str) -> Any:
        # Only names not in __dict__ get here. Private names are never lazy: this keeps copy,
        # pickle and a half-initialised object away from the lookups below.
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._where:
            raise AttributeError(f"{self!r} has no attribute {name!r}")
        loaded = {attribute: load(target, attribute, self._package) for attribute, target in self._where.items()}
        self.__dict__.update(loaded)
        object.__setattr__(self, "__class__", LazyImports)  # all loaded: plain lookups from now on
        return loaded[name]
