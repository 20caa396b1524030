"""What models and providers there are, for ``client.models.list()``, ``/v1/models``,
``/v1/providers``, ``g4f models`` and ``g4f providers``.

Reading a provider's model list may need the network (an OpenAI-compatible provider asks its
``/models`` endpoint when it has a key), so the implementation is async and runs on the
caller's loop: ``get_models_async`` where a provider has it (concurrently for all providers),
the pure ``ProviderModelMixin.get_models`` as it is, and only a third-party provider's own sync
``get_models`` (which may block on I/O) in a worker thread. The sync functions run the async
ones on a private loop, like the rest of the sync API.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..providers.types import provider_name
from .stubs import ModelInfo

__all__ = [
    "ProviderRow",
    "list_models",
    "list_models_async",
    "list_providers",
    "list_providers_async",
    "provider_models",
    "provider_models_async",
]

logger = logging.getLogger("g4f")


@dataclass
class ProviderRow:
    """One provider as ``g4f providers`` and ``/v1/providers`` describe it."""

    name: str
    label: str = ""
    url: str | None = None
    working: bool = False
    needs_auth: bool = False
    credentials: bool = False
    auth_hint: str = ""
    models: list[str] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.name,
            "object": "provider",
            "label": self.label,
            "url": self.url,
            "working": self.working,
            "needs_auth": self.needs_auth,
            "credentials": self.credentials,
            "models": self.models,
        }
        if self.needs_auth and not self.credentials:
            data["auth_hint"] = self.auth_hint
        if self.error:
            data["error"] = self.error
        return data


async def provider_models_async(provider: Any) -> list[str]:
    """A provider's models; an upstream that cannot be asked gives an empty list, not an error."""
    from ..providers.base_provider import ProviderModelMixin

    try:
        get_models_async = getattr(provider, "get_models_async", None)
        if get_models_async is not None:
            models = await get_models_async()
        else:
            get_models = getattr(provider, "get_models", None)
            if get_models is None:
                return []
            if getattr(get_models, "__func__", None) is getattr(ProviderModelMixin.get_models, "__func__", None):
                models = get_models()  # the declared lists: no I/O
            else:  # a provider's own lookup may block on I/O: keep it off the loop
                models = await asyncio.to_thread(get_models)
    except Exception as exc:  # noqa: BLE001 - a provider's model list must not break the listing of the rest
        logger.warning("%s: could not list models: %s: %s", provider_name(provider), type(exc).__name__, exc)
        return []
    return [str(name) for name in models]


def provider_models(provider: Any) -> list[str]:
    """:func:`provider_models_async` for sync code."""
    from ..providers.asyncio import run_sync

    return run_sync(lambda: provider_models_async(provider))


def _names(best_provider: Any) -> list[str]:
    if best_provider is None:
        return []
    if isinstance(best_provider, (list, tuple)):
        return [name for item in best_provider for name in _names(item)]
    if isinstance(best_provider, str):
        return [best_provider]
    providers = getattr(best_provider, "providers", None)  # IterListProvider and friends
    if providers:
        return [name for item in providers for name in _names(item)]
    return [provider_name(best_provider)]


def _describe(provider: Any, models: list[str]) -> ProviderRow:
    name = provider_name(provider)
    try:
        credentials = bool(provider.has_credentials())
    except Exception as exc:  # noqa: BLE001 - a broken credential source counts as no credentials
        logger.debug("%s: has_credentials failed: %s", name, type(exc).__name__)
        credentials = False
    return ProviderRow(
        name=name,
        label=provider.get_label() if hasattr(provider, "get_label") else name,
        url=getattr(provider, "url", None),
        working=bool(getattr(provider, "working", False)),
        needs_auth=bool(getattr(provider, "needs_auth", False)),
        credentials=credentials,
        auth_hint=provider.credential_hint() if hasattr(provider, "credential_hint") else "",
        models=models,
    )


async def _models_of(providers: Iterable[Any]) -> list[tuple[Any, list[str]]]:
    providers = list(providers)
    found = await asyncio.gather(*(provider_models_async(provider) for provider in providers))
    return list(zip(providers, found))


async def list_providers_async() -> list[ProviderRow]:
    """Every known provider (built-in, plugin, registered), including ones that fail to load."""
    from ..providers.registry import registry

    loaded: list[tuple[str, Any]] = []
    for name in registry.names():
        try:
            loaded.append((name, registry.get(name)))
        except Exception as exc:  # noqa: BLE001 - a provider that does not load is listed with its error
            loaded.append((name, exc))
    providers = [provider for _, provider in loaded if not isinstance(provider, Exception)]
    models = dict(await _models_of(providers))
    rows: list[ProviderRow] = []
    for name, provider in loaded:
        if isinstance(provider, Exception):
            rows.append(ProviderRow(name=name, label=name, error=f"{type(provider).__name__}: {provider}"))
        else:
            rows.append(_describe(provider, models[provider]))
    return rows


async def list_models_async(provider: Any = None) -> list[ModelInfo]:
    """The models of one provider, or of the catalogue and every provider (one row per model id)."""
    if provider is not None:
        from ..providers.resolve import resolve_provider

        resolved = resolve_provider(provider)
        name = provider_name(resolved)
        return [ModelInfo(model, owned_by=name, providers=[name]) for model in await provider_models_async(resolved)]

    from ..models import ModelUtils
    from ..providers.registry import registry

    rows: dict[str, ModelInfo] = {}
    for key, model in ModelUtils.convert.items():
        if key == model.name and model.name:
            rows[model.name] = ModelInfo(model.name, owned_by=model.base_provider,
                                         providers=_names(model.best_provider),
                                         context_length=model.context_length)
    for prov, model_ids in await _models_of(registry.providers()):
        name = provider_name(prov)
        for model_id in model_ids:
            row = rows.get(model_id)
            if row is None:
                rows[model_id] = ModelInfo(model_id, owned_by=name, providers=[name])
            elif name not in (row.providers or []):
                row.providers = [*(row.providers or []), name]
    return list(rows.values())


def list_providers() -> list[ProviderRow]:
    """:func:`list_providers_async` for sync code (``g4f providers``)."""
    from ..providers.asyncio import run_sync

    return run_sync(list_providers_async)


def list_models(provider: Any = None) -> list[ModelInfo]:
    """:func:`list_models_async` for sync code (``g4f models``, ``Client().models.list()``)."""
    from ..providers.asyncio import run_sync

    return run_sync(lambda: list_models_async(provider))
