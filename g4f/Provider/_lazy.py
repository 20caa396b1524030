"""Lazy provider packages: ``from g4f.Provider.needs_auth import Groq`` imports Groq's module alone.

A provider lives in a module named like its class (``needs_auth/Groq.py`` defines ``Groq``). The
import system binds a package's submodule as an attribute of the package, which would make
``needs_auth.Groq`` the module rather than the class; these packages bind the class instead.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types
from typing import Any

__all__ = ["make_lazy_package"]


class _ProviderPackage(types.ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and value.__name__ == f"{self.__name__}.{name}":
            provider = value.__dict__.get(name)
            if isinstance(provider, type):
                value = provider
        super().__setattr__(name, value)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        full = f"{self.__name__}.{name}"
        if importlib.util.find_spec(full) is None:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        module = importlib.import_module(full)
        value = getattr(module, name, module)
        super().__setattr__(name, value)
        return value

    def __dir__(self) -> list[str]:
        names = set(super().__dir__())
        for path in getattr(self, "__path__", []):
            names.update(f[:-3] for f in os.listdir(path) if f.endswith(".py") and not f.startswith("_"))
        return sorted(names)


def make_lazy_package(name: str) -> None:
    """Turn the package ``name`` (call with ``__name__``) into a lazy provider package."""
    sys.modules[name].__class__ = _ProviderPackage
