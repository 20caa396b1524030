"""Every provider, by name, imported on first use.

``from g4f.Provider import Groq`` imports Groq's module alone; plugins installed through the
``g4f.providers`` entry point group are reachable the same way. ``g4f.Provider.needs_auth``,
``g4f.Provider.local`` and ``g4f.Provider.template`` are the packages that hold them.
"""

from __future__ import annotations

import importlib
from typing import Any

# Framework classes that gpt4free users import from here.
_FRAMEWORK = {
    "AnyProvider": "g4f.providers.any_provider",
    "IterListProvider": "g4f.providers.retry_provider",
    "RetryProvider": "g4f.providers.retry_provider",
    "BaseProvider": "g4f.providers.types",
    "AsyncGeneratorProvider": "g4f.providers.base_provider",
    "AsyncAuthedProvider": "g4f.providers.base_provider",
    "ProviderModelMixin": "g4f.providers.base_provider",
    "OpenaiTemplate": "g4f.Provider.template.OpenaiTemplate",
}
_SUBPACKAGES = ("needs_auth", "local", "template")


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _FRAMEWORK:
        value = getattr(importlib.import_module(_FRAMEWORK[name]), name)
    else:
        from ..errors import ProviderNotFoundError
        from ..providers.registry import registry

        try:
            value = registry.get(name)
        except ProviderNotFoundError:
            raise AttributeError(f"module 'g4f.Provider' has no attribute {name!r}") from None
        if registry.origin(name) == "registered":
            return value  # not cached: a provider registered at run time may be replaced or removed
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    from ..providers.registry import registry

    return sorted({*globals(), *_FRAMEWORK, *_SUBPACKAGES, *registry.names()})
