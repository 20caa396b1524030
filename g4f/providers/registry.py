"""Find providers by name or model without importing them all.

Built-in providers are listed in a table of import paths and imported on first use. Installed
plugins announce themselves through the entry point group ``g4f.providers``::

    # the plugin's pyproject.toml
    [project.entry-points."g4f.providers"]
    Acme = "g4f_acme.provider:Acme"

Listing names reads package metadata only; a plugin's module is imported when it is first used.
The rules, in the order they apply:

* ``G4F_DISABLE_PLUGIN_AUTOLOAD=1`` turns plugin discovery off (as ``PYTEST_DISABLE_PLUGIN_AUTOLOAD``
  does for pytest). ``G4F_BLOCKED_PLUGINS`` (comma separated) skips plugins by entry point name or
  by distribution name; :meth:`ProviderRegistry.block` does the same from code.
* Names compare case-insensitively. A built-in name wins over a plugin of the same name: the plugin
  is ignored with a :class:`PluginWarning`, so installing a package can never replace the provider a
  user asked for. When two installed distributions declare the same name, the first one found on
  ``sys.path`` wins (the one Python itself would import) and a warning names both.
* A provider registered from code (:func:`register_provider`) wins over built-ins and plugins: the
  caller asked for it explicitly.
* A plugin that fails to import, or does not name a provider class, is reported once, as a
  :class:`PluginWarning` naming it, its distribution and the cause. It drops out of the listing and
  every other provider keeps working; asking for it by name raises
  :class:`~g4f.errors.ProviderNotFoundError` with the same cause.
"""

from __future__ import annotations

import difflib
import importlib
import logging
import os
import sys
import threading
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

from ..errors import ProviderNotFoundError
from .types import BaseProvider

__all__ = [
    "BLOCKED_PLUGINS_ENV",
    "BUILTIN_PROVIDERS",
    "DISABLE_AUTOLOAD_ENV",
    "ENTRY_POINT_GROUP",
    "PluginInfo",
    "PluginWarning",
    "ProviderRegistry",
    "RegistrySnapshot",
    "get_provider",
    "list_providers",
    "providers_for_model",
    "register_provider",
    "registry",
]

logger = logging.getLogger("g4f")

ENTRY_POINT_GROUP = "g4f.providers"
DISABLE_AUTOLOAD_ENV = "G4F_DISABLE_PLUGIN_AUTOLOAD"
BLOCKED_PLUGINS_ENV = "G4F_BLOCKED_PLUGINS"

#: Built-in providers: name -> "module:Class". Imported only when used.
BUILTIN_PROVIDERS: dict[str, str] = {
    "Groq": "g4f.Provider.needs_auth.Groq:Groq",
    "Grok": "g4f.Provider.needs_auth.Grok:Grok",
    "xAI": "g4f.Provider.needs_auth.xAI:xAI",
    "OpenAI": "g4f.Provider.needs_auth.OpenAI:OpenAI",
    "OpenRouter": "g4f.Provider.needs_auth.OpenRouter:OpenRouter",
    "Ollama": "g4f.Provider.local.Ollama:Ollama",
    "LocalOpenAI": "g4f.Provider.local.LocalOpenAI:LocalOpenAI",
}


class PluginWarning(UserWarning):
    """A plugin provider could not be loaded, or was ignored because of its name."""


@dataclass(frozen=True)
class PluginInfo:
    """An installed plugin provider as its package metadata declares it (nothing imported)."""

    name: str
    #: The entry point's value, ``"module:Class"``.
    target: str
    #: The distribution that declares it and its version ("" when unknown).
    distribution: str
    version: str

    @property
    def origin(self) -> str:
        """``"plugin <distribution> <version>"``, as listings show it."""
        return " ".join(part for part in ("plugin", self.distribution, self.version) if part)


@dataclass(frozen=True)
class RegistrySnapshot:
    """The run-time changes of a registry at one moment (see :meth:`ProviderRegistry.snapshot`)."""

    registered: tuple[tuple[str, type[BaseProvider]], ...]
    blocked: frozenset[str]


def _load(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attr) if attr else module


def _installed_entry_points() -> Iterator[tuple[PluginInfo, Any]]:
    """The ``g4f.providers`` entry points of every installed distribution, first on sys.path first.

    Like ``importlib.metadata.entry_points``, a distribution installed twice counts once; unlike
    it, a distribution with unreadable metadata is skipped with a warning instead of hiding
    every other plugin.
    """
    from importlib.metadata import distributions

    seen: set[str] = set()
    for dist in distributions():
        try:
            key = getattr(dist, "_normalized_name", None) or _distribution_name(dist).lower()
            if key in seen:
                continue
            seen.add(key)
            found = list(dist.entry_points.select(group=ENTRY_POINT_GROUP))
            if not found:
                continue
            name, version = _distribution_name(dist), _metadata_field(dist, "Version")
        except Exception as exc:  # noqa: BLE001  broken metadata must not break the other plugins
            where = getattr(dist, "_path", None) or dist
            _warn(f"g4f skipped the plugins of {where}: its metadata cannot be read: {type(exc).__name__}: {exc}")
            continue
        for ep in found:
            yield PluginInfo(name=ep.name, target=ep.value, distribution=name, version=version), ep


def _distribution_name(dist: Any) -> str:
    return _metadata_field(dist, "Name")


def _metadata_field(dist: Any, field: str) -> str:
    """A metadata field, "" where it is missing. ``.get``, not ``dist.version``: the standard
    library's metadata answers None for a missing field, the ``importlib_metadata`` backport
    (whose finder joins ``distributions()`` once anything imports it) raises KeyError."""
    metadata = dist.metadata
    return str((metadata.get(field) if metadata is not None else None) or "")


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no", "off")


def _split_names(value: str) -> set[str]:
    return {part.strip().lower() for part in value.split(",") if part.strip()}


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _warn(message: str) -> None:
    """Warn at the first frame outside g4f, so the warning points at the caller's code."""
    frame: Any = sys._getframe(0)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, PluginWarning, stacklevel=level)


class ProviderRegistry:
    """Providers by name: the built-ins, installed plugins and providers registered at run time."""

    def __init__(self, builtins: dict[str, str] | None = None) -> None:
        self._targets: dict[str, str] = dict(BUILTIN_PROVIDERS if builtins is None else builtins)
        self._registered: dict[str, type[BaseProvider]] = {}
        self._loaded: dict[str, type[BaseProvider]] = {}
        self._plugins: dict[str, tuple[PluginInfo, Any]] | None = None  # name -> (info, EntryPoint)
        self._failed: dict[str, str] = {}  # lowered name -> the warning's message
        self._blocked: set[str] = set()
        self._lock = threading.RLock()

    # -- discovery ---------------------------------------------------------------------------
    def _discover_plugins(self) -> dict[str, tuple[PluginInfo, Any]]:
        plugins = self._plugins
        if plugins is not None:
            return plugins
        with self._lock:
            if self._plugins is None:
                self._plugins = self._read_entry_points()
            return self._plugins

    def _read_entry_points(self) -> dict[str, tuple[PluginInfo, Any]]:
        if _env_flag(DISABLE_AUTOLOAD_ENV):
            return {}
        plugins: dict[str, tuple[PluginInfo, Any]] = {}
        blocked = self._blocked | _split_names(os.environ.get(BLOCKED_PLUGINS_ENV, ""))
        builtins = {name.lower(): name for name in self._targets}
        seen: dict[str, PluginInfo] = {}
        for info, ep in _installed_entry_points():
            lowered = ep.name.lower()
            if lowered in blocked or info.distribution.lower() in blocked:
                logger.debug("g4f plugin provider %s (%s) is blocked", ep.name, info.origin)
                continue
            if lowered in builtins:
                _warn(
                    f"g4f plugin provider {ep.name!r} ({ep.value}, {info.origin}) is ignored: "
                    f"the built-in provider {builtins[lowered]!r} has that name; "
                    f"rename the entry point to use the plugin"
                )
                continue
            if lowered in seen:
                first = seen[lowered]
                _warn(
                    f"g4f plugin provider {ep.name!r} ({ep.value}, {info.origin}) is ignored: "
                    f"{first.name!r} ({first.target}, {first.origin}) comes first on sys.path"
                )
                continue
            seen[lowered] = info
            plugins[ep.name] = (info, ep)
        return plugins

    def refresh(self) -> None:
        """Read the installed plugins again (after ``pip install``, or a change of the environment
        variables); built-ins and registered providers are kept, plugins load anew when used.

        Python's import and metadata finders cache each directory's listing until its mtime
        changes, and a directory's mtime ticks coarsely (milliseconds): a distribution or module
        written within the same tick as an earlier look at that directory would stay unseen.
        Their caches are dropped here, as the import system's docs ask of code that writes
        modules at run time (and, on Python 3.11 and older, where that leaves the metadata
        finder's cache in place, that one too).
        """
        from importlib.metadata import MetadataPathFinder

        importlib.invalidate_caches()
        MetadataPathFinder().invalidate_caches()  # on an instance: a plain method on 3.11, a classmethod later
        with self._lock:
            for name in self._plugins or {}:
                self._loaded.pop(name, None)
            self._plugins = None
            self._failed.clear()

    def block(self, *names: str) -> None:
        """Skip the plugins with these entry point or distribution names (like pytest's ``-p no:``)."""
        with self._lock:
            self._blocked.update(name.lower() for name in names)
        self.refresh()

    # -- listing -----------------------------------------------------------------------------
    def names(self) -> list[str]:
        """Every usable provider name: built-ins, registered, then plugins. Imports nothing."""
        names = list(self._targets)
        lowered = {name.lower() for name in names}
        extra = list(self._registered) + [
            name for name in self._discover_plugins() if name.lower() not in self._failed
        ]
        for name in extra:
            if name.lower() not in lowered:
                names.append(name)
                lowered.add(name.lower())
        return names

    def is_plugin(self, name: str) -> bool:
        return self._plugin_name(name) is not None and self._canonical(name) not in self._registered

    def plugins(self) -> list[PluginInfo]:
        """The installed plugins that are used (not blocked, shadowed or failed); imports nothing."""
        return [info for info, _ in self._discover_plugins().values() if info.name.lower() not in self._failed]

    def origin(self, name: str) -> str:
        """Where a provider comes from: ``"built-in"``, ``"registered"`` or ``"plugin <dist> <version>"``."""
        canonical = self._canonical(name)
        if canonical is None:
            raise ProviderNotFoundError(f"no provider named {name!r}")
        if canonical in self._registered:
            return "registered"
        if canonical in self._targets:
            return "built-in"
        return self._discover_plugins()[canonical][0].origin

    # -- lookup ------------------------------------------------------------------------------
    def _plugin_name(self, name: str) -> str | None:
        lowered = name.lower()
        for candidate in self._discover_plugins():
            if candidate.lower() == lowered:
                return candidate
        return None

    def _canonical(self, name: str) -> str | None:
        if name in self._registered or name in self._targets:
            return name
        lowered = name.lower()
        for table in (self._registered, self._targets):
            for candidate in table:
                if candidate.lower() == lowered:
                    return candidate
        return self._plugin_name(name)

    def get(self, name: str) -> type[BaseProvider]:
        """The provider class called ``name`` (case-insensitive); imports its module.

        Raises ProviderNotFoundError for an unknown name (suggesting close ones) and for a plugin
        that failed to load (with the cause).
        """
        failure = self._failed.get(name.lower())
        if failure is not None:
            raise ProviderNotFoundError(failure)
        canonical = self._canonical(name)
        if canonical is None:
            raise ProviderNotFoundError(f"no provider named {name!r}{self._suggest(name)}")
        if canonical in self._registered:
            return self._registered[canonical]
        cached = self._loaded.get(canonical)
        if cached is not None:
            return cached
        with self._lock:
            if canonical in self._loaded:
                return self._loaded[canonical]
            provider: type[BaseProvider]
            if canonical in self._targets:
                provider = _load(self._targets[canonical])
            else:
                provider = self._load_plugin(canonical)
            self._loaded[canonical] = provider
            return provider

    def _suggest(self, name: str) -> str:
        names = self.names()
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        close += [n for n in names if name.lower() in n.lower() and n not in close]
        return f"; did you mean {', '.join(close[:3])}?" if close else f"; known: {', '.join(names)}"

    def _load_plugin(self, name: str) -> type[BaseProvider]:
        info, ep = self._discover_plugins()[name]
        where = f"g4f plugin provider {name!r} ({info.target}, {info.origin})"
        try:
            provider = ep.load()
        except Exception as exc:  # noqa: BLE001  a third-party import may raise anything
            self._fail(name, f"{where} failed to load: {type(exc).__name__}: {exc}", exc)
        if not (isinstance(provider, type) and issubclass(provider, BaseProvider)):
            self._fail(name, f"{where} is not a provider class: it is {type(provider).__name__} {provider!r}")
        return provider

    def _fail(self, name: str, message: str, cause: BaseException | None = None) -> NoReturn:
        self._failed[name.lower()] = message
        _warn(message)
        raise ProviderNotFoundError(message) from cause

    def register(self, provider: type[BaseProvider], name: str | None = None) -> None:
        """Make ``provider`` available by ``name`` (default: its class name); it wins over a
        built-in or plugin of the same name."""
        name = name or provider.get_name()
        with self._lock:
            for other in [n for n in self._registered if n.lower() == name.lower()]:
                del self._registered[other]
            self._registered[name] = provider
            self._failed.pop(name.lower(), None)

    def unregister(self, name: str) -> None:
        """Undo :meth:`register`; the built-in or plugin of that name (if any) is used again."""
        with self._lock:
            for other in [n for n in self._registered if n.lower() == name.lower()]:
                del self._registered[other]

    def snapshot(self) -> RegistrySnapshot:
        """What code changed at run time (registered providers, blocked plugins), to
        :meth:`restore` later: a test, or an application that registers providers for a while."""
        with self._lock:
            return RegistrySnapshot(tuple(self._registered.items()), frozenset(self._blocked))

    def restore(self, snapshot: RegistrySnapshot) -> None:
        """Go back to a :meth:`snapshot`: providers registered since are gone, blocks lifted."""
        with self._lock:
            self._registered = dict(snapshot.registered)
            blocked_changed = self._blocked != snapshot.blocked
            self._blocked = set(snapshot.blocked)
        if blocked_changed:
            self.refresh()

    # -- iteration ---------------------------------------------------------------------------
    def providers(self, names: Iterable[str] | None = None) -> Iterator[type[BaseProvider]]:
        """Every provider class that loads (imports each); one that fails is skipped (plugins warn once)."""
        for name in self.names() if names is None else names:
            try:
                yield self.get(name)
            except ProviderNotFoundError:
                continue
            except ImportError as exc:
                logger.warning("provider %s could not be imported: %s", name, exc)

    def for_model(self, model: str) -> list[type[BaseProvider]]:
        """The providers that list ``model`` (a name or alias) among their models."""
        found = []
        for provider in self.providers():
            serves = getattr(provider, "serves", None)
            if serves is not None and serves(model):
                found.append(provider)
        return found


registry = ProviderRegistry()


def get_provider(name: str) -> type[BaseProvider]:
    """The provider class called ``name``: a built-in, a registered provider or a plugin."""
    return registry.get(name)


def list_providers() -> list[str]:
    """Every provider name, without importing any provider."""
    return registry.names()


def providers_for_model(model: str) -> list[type[BaseProvider]]:
    """The providers that list ``model`` (imports every provider)."""
    return registry.for_model(model)


def register_provider(provider: type[BaseProvider], name: str | None = None) -> type[BaseProvider]:
    """Register a provider class; usable as a decorator."""
    registry.register(provider, name)
    return provider
