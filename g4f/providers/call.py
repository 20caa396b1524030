"""The call boundary: the one path every door takes to a provider.

``g4f.ChatCompletion``, ``Client``/``AsyncClient``, the API server and the command line call
providers through here (fallback calls its members through :func:`g4f.providers.attempts.guarded`,
the part of this boundary that runs one provider), so each of these happens once, in one place:

1. :func:`prepare` resolves the model and the provider (a name, a class, a list, or
   auto-selection), validates the messages and refuses what no provider can do (``n > 1``)
   and what the chosen provider cannot honour (``tools``, ``web_search``, ``response_format``,
   images: :mod:`g4f.providers.capabilities`), before any I/O: a mistake raises at once.
2. :meth:`Call.events` runs the provider through :func:`~g4f.providers.attempts.guarded`: only
   the keywords it can take, one retry loop, every transport error mapped to the g4f tree, and
   one stream shape (exactly one ``ProviderInfo`` before the first output; no output at all is a
   failure, not an empty answer).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import BadRequestError
from ..typing import AsyncResult, Messages
from .attempts import guarded
from .capabilities import refusal
from .helper import validate_messages
from .resolve import get_model_and_provider
from .types import provider_name

__all__ = ["Call", "prepare"]


class Call:
    """One request, resolved and validated: what :func:`guarded` runs.

    A plain class with slots rather than a frozen dataclass: one is made per request, and the
    frozen dataclass's ``__init__`` cost more than the rest of this module; treat it as read-only.
    """

    __slots__ = ("kwargs", "messages", "model", "provider", "provider_name", "stream")

    def __init__(self, provider: Any, model: str, messages: Messages, stream: bool, kwargs: Mapping[str, Any]) -> None:
        self.provider = provider
        self.model = model
        self.messages = messages
        self.stream = stream
        self.kwargs = kwargs
        #: The name the provider is known by (in errors, ``ProviderInfo``, the answer's ``provider``).
        self.provider_name: str = provider_name(provider)

    def __repr__(self) -> str:
        return f"Call(provider={self.provider_name!r}, model={self.model!r}, stream={self.stream!r})"

    def events(self) -> AsyncResult:
        """The provider's stream of text and events, shaped and with g4f errors only."""
        return guarded(self.provider, self.model, self.messages, self.stream, self.kwargs, checked=True)


def prepare(
    model: Any,
    messages: Any,
    provider: Any = None,
    *,
    stream: bool = False,
    ignore_working: bool = False,
    **kwargs: Any,
) -> Call:
    """Resolve and check a request; raises (``BadRequestError``, ``ProviderNotFoundError``,
    ``ProviderNotWorkingError``, ``ModelNotFoundError``) before anything is sent."""
    model_name, resolved = get_model_and_provider(model, provider, stream, ignore_working)
    # A mistake in the request is the caller's, not auto-selection's: name a provider the caller chose.
    name = None if getattr(resolved, "composite", False) else provider_name(resolved)
    checked = validate_messages(messages, name)
    n = kwargs.pop("n", None)
    if n is not None and n != 1:
        raise BadRequestError(f"n={n!r}: only n=1 is supported (g4f returns one answer per request; "
                              "make n requests)", provider=name, param="n")
    if name is not None:  # auto-selection's members are held to what they can do one by one
        refused = refusal(resolved, model_name, checked, kwargs)
        if refused is not None:
            raise refused
    return Call(resolved, model_name, checked, stream, kwargs)
