"""Find providers by name or model without importing them all.

Built-in providers are listed in a table of import paths and imported on first use. Installed
plugins announce themselves through the entry point group ``g4f.providers``
(``name = "package.module:Class"``); listing them reads package metadata only, and a plugin's
module is imported when it is first used. Rules:

* A built-in name wins over a plugin of the same name (case-insensitive): the plugin is ignored
  with a warning, so installing a package can never replace the provider a user asked for.
* A plugin that fails to import is reported once, as a :class:`PluginWarning` naming it and the
  cause; every other provider keeps working.
* ``G4F_DISABLE_PLUGIN_AUTOLOAD=1`` turns plugin discovery off; ``G4F_BLOCKED_PLUGINS`` (comma
  separated names) skips the named ones.
"""

from __future__ import annotations

import difflib
import importlib
import logging
import os
import threading
import warnings
from collections.abc import Iterator
from typing import Any

from ..errors import ProviderNotFoundError
from .types import BaseProvider

__all__ = [
    "BUILTIN_PROVIDERS",
    "ENTRY_POINT_GROUP",
    "PluginWarning",
    "ProviderRegistry",
    "registry",
    "get_provider",
    "list_providers",
    "providers_for_model",
    "register_provider",
]

logger = logging.getLogger("g4f")

ENTRY_POINT_GROUP = "g4f.providers"

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
    """A plugin provider could not be loaded or was shadowed by a built-in."""


def _load(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attr) if attr else module


class ProviderRegistry:
    """Providers by name: the built-ins, installed plugins and providers registered at run time."""

    def __init__(self, builtins: dict[str, str] | None = None) -> None:
        self._targets: dict[str, str] = dict(BUILTIN_PROVIDERS if builtins is None else builtins)
        self._loaded: dict[str, type[BaseProvider]] = {}
        self._plugins: dict[str, Any] | None = None  # name -> EntryPoint
        self._failed: dict[str, str] = {}
        self._lock = threading.RLock()

    # -- discovery ---------------------------------------------------------------------------
    def _discover_plugins(self) -> dict[str, Any]:
        if self._plugins is not None:
            return self._plugins
        with self._lock:
            if self._plugins is not None:
                return self._plugins
            plugins: dict[str, Any] = {}
            if os.environ.get("G4F_DISABLE_PLUGIN_AUTOLOAD", "").lower() not in ("", "0", "false", "no"):
                self._plugins = plugins
                return plugins
            blocked = {n.strip().lower() for n in os.environ.get("G4F_BLOCKED_PLUGINS", "").split(",") if n.strip()}
            from importlib.metadata import entry_points

            taken = {name.lower() for name in self._targets} | {name.lower() for name in self._loaded}
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                if ep.name.lower() in blocked:
                    continue
                if ep.name.lower() in taken:
                    warnings.warn(
                        f"g4f plugin provider {ep.name!r} ({ep.value}) is ignored: "
                        f"a built-in provider already has that name",
                        PluginWarning,
                        stacklevel=2,
                    )
                    continue
                plugins[ep.name] = ep
                taken.add(ep.name.lower())
            self._plugins = plugins
            return plugins

    def names(self) -> list[str]:
        """Every provider name: built-ins, registered, then plugins. Imports nothing."""
        names = list(self._targets)
        names += [n for n in self._loaded if n not in self._targets]
        names += [n for n in self._discover_plugins() if n not in names]
        return names

    def is_plugin(self, name: str) -> bool:
        return name in self._discover_plugins()

    # -- lookup ------------------------------------------------------------------------------
    def _canonical(self, name: str) -> str | None:
        if name in self._loaded or name in self._targets or name in self._discover_plugins():
            return name
        lowered = name.lower()
        for candidate in self.names():
            if candidate.lower() == lowered:
                return candidate
        return None

    def get(self, name: str) -> type[BaseProvider]:
        """The provider class called ``name`` (case-insensitive); imports its module."""
        canonical = self._canonical(name)
        if canonical is None:
            close = difflib.get_close_matches(name, self.names(), n=3, cutoff=0.5)
            close += [n for n in self.names() if name.lower() in n.lower() and n not in close]
            hint = f"; did you mean {', '.join(close[:3])}?" if close else f"; known: {', '.join(self.names())}"
            raise ProviderNotFoundError(f"no provider named {name!r}{hint}")
        cached = self._loaded.get(canonical)
        if cached is not None:
            return cached
        with self._lock:
            if canonical in self._loaded:
                return self._loaded[canonical]
            if canonical in self._targets:
                provider = _load(self._targets[canonical])
            else:
                provider = self._load_plugin(canonical)
            self._loaded[canonical] = provider
            return provider

    def _load_plugin(self, name: str) -> type[BaseProvider]:
        ep = self._discover_plugins()[name]
        try:
            provider = ep.load()
        except Exception as exc:
            message = f"g4f plugin provider {name!r} ({ep.value}) failed to load: {type(exc).__name__}: {exc}"
            if name not in self._failed:
                self._failed[name] = message
                warnings.warn(message, PluginWarning, stacklevel=3)
            raise ProviderNotFoundError(message) from exc
        if not (isinstance(provider, type) and issubclass(provider, BaseProvider)):
            message = f"g4f plugin provider {name!r} ({ep.value}) is not a provider class"
            if name not in self._failed:
                self._failed[name] = message
                warnings.warn(message, PluginWarning, stacklevel=3)
            raise ProviderNotFoundError(message)
        return provider

    def register(self, provider: type[BaseProvider], name: str | None = None) -> None:
        """Make ``provider`` available by ``name`` (default: its class name)."""
        with self._lock:
            self._loaded[name or provider.get_name()] = provider

    # -- iteration ---------------------------------------------------------------------------
    def providers(self) -> Iterator[type[BaseProvider]]:
        """Every provider class that loads; one that fails is skipped (plugins warn once)."""
        for name in self.names():
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
    return registry.get(name)


def list_providers() -> list[str]:
    return registry.names()


def providers_for_model(model: str) -> list[type[BaseProvider]]:
    return registry.for_model(model)


def register_provider(provider: type[BaseProvider], name: str | None = None) -> type[BaseProvider]:
    """Register a provider class; usable as a decorator."""
    registry.register(provider, name)
    return provider
