"""Lazy provider packages: ``from g4f.Provider.needs_auth import Groq`` imports Groq's module alone.

A provider lives in a module named like its class (``needs_auth/Groq.py`` defines ``Groq``), and
the package's names are its submodules (:class:`g4f._lazy.Submodules`), loaded by g4f's one lazy
loader. One thing a module ``__getattr__`` cannot do is kept here: the import system binds a
package's submodule as an attribute of the package when it is imported (``import
g4f.Provider.needs_auth.Groq``, or the registry loading it), which would make ``needs_auth.Groq``
the module rather than the class; these packages bind the class instead.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from .._lazy import Submodules, load_lazy

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
        return load_lazy(self.__name__, Submodules(self.__name__), name)

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *Submodules(self.__name__)})


def make_lazy_package(name: str) -> None:
    """Turn the package ``name`` (call with ``__name__``) into a lazy provider package."""
    sys.modules[name].__class__ = _ProviderPackage
