"""Every provider, by name, imported on first use.

``from g4f.Provider import Groq`` imports Groq's module alone; plugins installed through the
``g4f.providers`` entry point group are reachable the same way. ``g4f.Provider.needs_auth``,
``g4f.Provider.local`` and ``g4f.Provider.template`` are the packages that hold them.
"""

from __future__ import annotations

from typing import Any

from .._lazy import load_lazy

_WHERE = {
    # Framework classes that gpt4free users import from here.
    "AnyProvider": "g4f.providers.any_provider",
    "IterListProvider": "g4f.providers.retry_provider",
    "RetryProvider": "g4f.providers.retry_provider",
    "BaseProvider": "g4f.providers.types",
    "AsyncGeneratorProvider": "g4f.providers.base_provider",
    "AsyncAuthedProvider": "g4f.providers.base_provider",
    "ProviderModelMixin": "g4f.providers.base_provider",
    "OpenaiTemplate": ".template.OpenaiTemplate",
    "WireProvider": ".template.WireProvider",
    "WireAuthedProvider": ".template.WireAuthedProvider",
    # The packages that hold the providers.
    "needs_auth": ".needs_auth",
    "local": ".local",
    "template": ".template",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return load_lazy(__name__, _WHERE, name)
    # Any other name is a provider: built in, from a plugin, or registered at run time.
    from ..errors import ProviderNotFoundError
    from ..providers.registry import registry

    try:
        value = registry.get(name)
    except ProviderNotFoundError:
        raise AttributeError(f"module 'g4f.Provider' has no attribute {name!r}") from None
    if registry.origin(name) != "registered":  # one registered at run time may be replaced or removed
        globals()[name] = value
    return value


def __dir__() -> list[str]:
    from ..providers.registry import registry

    return sorted({*globals(), *_WHERE, *registry.names()})
