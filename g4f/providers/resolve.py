"""Turn what a caller asked for (a model name or Model, a provider or not) into a provider to call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import ProviderNotWorkingError
from .types import BaseProvider

if TYPE_CHECKING:
    from ..models import Model, ModelUtils

__all__ = ["get_model_and_provider", "resolve_provider"]


def resolve_provider(provider: Any) -> Any:
    """A provider class or instance from a class, an instance, a name, or a list of them.

    A list becomes an ``IterListProvider`` that tries them in the given order.
    """
    if isinstance(provider, str):
        from .registry import registry

        return registry.get(provider)
    if isinstance(provider, (list, tuple)):
        from .retry_provider import IterListProvider

        return IterListProvider([resolve_provider(p) for p in provider], shuffle=False)
    if isinstance(provider, BaseProvider) or (isinstance(provider, type) and issubclass(provider, BaseProvider)):
        return provider
    raise TypeError(f"provider must be a provider class, instance, name or list, not {type(provider).__name__}")


_CATALOGUE: tuple[type[Model], type[ModelUtils]] | None = None


def _catalogue() -> tuple[type[Model], type[ModelUtils]]:
    """``g4f.models``' ``Model`` and ``ModelUtils``, imported on the first request (``import g4f``
    stays cheap) and kept: an import statement in the function cost about 2 µs per request."""
    global _CATALOGUE
    if _CATALOGUE is None:
        from ..models import Model, ModelUtils

        _CATALOGUE = (Model, ModelUtils)
    return _CATALOGUE


def get_model_and_provider(
    model: Any, provider: Any = None, stream: bool = False, ignore_working: bool = False
) -> tuple[str, Any]:
    """The model name to send and the provider to call.

    Without a provider: the catalogue row's ``best_provider`` if it has one; a provider's name
    used as the model (``"Groq"``, as gpt4free allows) is that provider with its default model;
    anything else is auto-selection (``AnyProvider``) among every usable provider that lists the
    model, which raises ``ModelNotFoundError`` (with close names) when none does.
    """
    model_class, utils = _catalogue()
    if isinstance(model, model_class):
        row: Model | None = model
        model_name = model.name
    elif model is None or isinstance(model, str):
        model_name = model or ""
        row = utils.get(model_name) if model_name else None
    else:
        raise TypeError(f"model must be a name or a g4f.models.Model, not {type(model).__name__}")
    if provider is None and row is not None and row.best_provider is not None:
        provider = row.best_provider
        if row.name:
            model_name = row.name
    if provider is None and row is None and model_name:
        named = _provider_named(model_name)
        if named is not None:
            provider, model_name = named, str(getattr(named, "default_model", "") or "")
    if provider is None:
        from .any_provider import AnyProvider

        return model_name, AnyProvider
    resolved = resolve_provider(provider)
    if not ignore_working and not getattr(resolved, "working", True):
        raise ProviderNotWorkingError(f"{resolved.get_name()} is marked as not working",
                                      provider=resolved.get_name())
    return model_name, resolved


def _provider_named(name: str) -> Any:
    """The provider registered under exactly ``name`` (a model name is case-sensitive), or None."""
    from .registry import registry

    if name not in registry.names():
        return None
    return registry.get(name)
