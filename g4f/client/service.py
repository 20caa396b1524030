"""Pick the model name and provider for a client call (gpt4free's ``g4f.client.service``)."""

from __future__ import annotations

from typing import Any

from ..providers.resolve import get_model_and_provider as _resolve
from ..providers.types import provider_name

__all__ = ["get_model_and_provider", "provider_name"]


def get_model_and_provider(
    model: Any,
    provider: Any = None,
    stream: bool = False,
    ignore_working: bool = False,
    **_: Any,
) -> tuple[str, Any]:
    """The model name to send and the provider to call.

    ``model`` is a name, an alias, a :class:`g4f.models.Model` or a provider's name (then that
    provider and its default model, as in gpt4free); ``provider`` a class, an instance, a name, a
    list (tried in order) or None (the catalogue's best provider, else auto-selection, which
    raises ``ModelNotFoundError`` with close names for a model no provider lists). Raises ``ProviderNotFoundError`` for an unknown provider name and
    ``ProviderNotWorkingError`` for one marked as not working (unless ``ignore_working``).
    ``stream`` is accepted for gpt4free compatibility: every provider can stream (one that
    cannot yields its whole answer as one chunk).
    """
    return _resolve(model, provider, stream, ignore_working)
