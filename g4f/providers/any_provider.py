"""Auto-selection: the user asks for a model, g4f picks the providers that can serve it.

For a model name or alias, :class:`AnyProvider` gathers the candidates: the catalogue row's
providers first (``g4f.models``), then every registered provider that lists the model (for no
model at all: every provider, each with its default model). Before any network call it drops the
providers marked not ``working`` and those lacking credentials (``has_credentials``: no key in the
argument, environment or auth cache, no cookies), orders the rest by health (healthy first,
those cooling down after failures last, rate-limited ones skipped until their ``retry-after``
passed) and falls back in that order with :func:`~g4f.providers.retry_provider.run_fallback`.

When nothing can be tried it says why, in one line the command line can print:
:class:`~g4f.errors.MissingAuthError` naming what would enable each provider,
:class:`~g4f.errors.RateLimitError` when the usable ones are rate limited,
:class:`~g4f.errors.ModelNotFoundError` when no provider serves the model, or
:class:`~g4f.errors.ProviderNotWorkingError` when only broken ones do.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..errors import (
    MissingAuthError,
    ModelNotFoundError,
    NetworkError,
    ProviderNotFoundError,
    ProviderNotWorkingError,
    RateLimitError,
    RetryProviderError,
)
from ..typing import AsyncResult, Messages
from .base_provider import AsyncGeneratorProvider
from .health import ProviderHealth, health
from .registry import ProviderRegistry, registry
from .retry import RetryPolicy
from .retry_provider import Attempt, run_fallback
from .types import provider_name

__all__ = ["AnyProvider", "Selection", "missing_credentials_error"]

logger = logging.getLogger("g4f")


@dataclass
class Selection:
    """The outcome of choosing providers for one request.

    ``attempts`` are tried in order; the other lists hold the providers left out, and why.
    """

    model: str
    attempts: list[Attempt] = field(default_factory=list)
    not_working: list[Any] = field(default_factory=list)
    no_credentials: list[Any] = field(default_factory=list)
    rate_limited: list[Any] = field(default_factory=list)

    @property
    def for_model(self) -> str:
        return f" for model {self.model!r}" if self.model else ""


class AnyProvider(AsyncGeneratorProvider):
    """Auto-selection among every usable provider that serves the requested model.

    ``registry`` and ``health`` are class attributes, so a subclass can select among its own
    providers with its own health record.
    """

    label: ClassVar[str | None] = "Auto"
    working: ClassVar[bool] = True
    #: Its candidates run through the call boundary themselves (``g4f.providers.attempts.guarded``).
    composite: ClassVar[bool] = True
    accepts_retry_policy: ClassVar[bool] = True
    supports_conversations: ClassVar[bool] = True  # passed on to the candidates that do
    registry: ClassVar[ProviderRegistry] = registry
    health: ClassVar[ProviderHealth] = health

    @classmethod
    def candidates(cls, model: str) -> list[Attempt]:
        """Every provider that could serve ``model``, with the name to send it; no network call."""
        from ..models import ModelUtils

        row = ModelUtils.get(model) if model else None
        names = list(dict.fromkeys([model, *row.names])) if row else [model]
        found: dict[Any, str] = {}
        if row is not None:
            for name in row.provider_names():
                provider = cls._load(name)
                if provider is not None and provider not in found:
                    found[provider] = _first_listed(provider, names) or row.name
        for provider in cls.registry.providers():
            if provider in found:
                continue
            if not model:
                found[provider] = ""
            else:
                listed = _first_listed(provider, names)
                if listed:
                    found[provider] = listed
        if not found and model:
            for provider in cls.registry.providers():
                if getattr(provider, "accepts_unknown_models", False):
                    found[provider] = model
        return [Attempt(provider, name) for provider, name in found.items()]

    @classmethod
    def _load(cls, name: str) -> Any:
        try:
            return cls.registry.get(name)
        except (ProviderNotFoundError, ImportError) as exc:
            logger.debug("catalogue provider %s is not available: %s", name, exc)
            return None

    @classmethod
    def select(cls, model: str, **kwargs: Any) -> Selection:
        """Choose and order the providers to try for ``model``; raises when none can be tried."""
        selection = Selection(model)
        usable: list[Attempt] = []
        candidates = cls.candidates(model)
        for attempt in candidates:
            provider = attempt.provider
            if not getattr(provider, "working", False):
                selection.not_working.append(provider)
            elif not provider.has_credentials(**kwargs):
                selection.no_credentials.append(provider)
            else:
                usable.append(attempt)
        selection.attempts, limited = cls.health.order(usable, key=lambda attempt: attempt.provider)
        selection.rate_limited = [attempt.provider for attempt in limited]
        if not selection.attempts:
            raise cls._nothing_to_try(selection, candidates)
        return selection

    @classmethod
    def _nothing_to_try(cls, selection: Selection, candidates: Sequence[Attempt]) -> Exception:
        if not candidates:
            return ModelNotFoundError(f"no provider serves model {selection.model!r}{_did_you_mean(selection.model)}")
        if selection.rate_limited:  # the configured providers exist but asked to wait: say how long
            waits = [cls.health.cooldown_remaining(p) for p in selection.rate_limited]
            states = "; ".join(f"{provider_name(p)}: {cls.health.describe(p)}" for p in selection.rate_limited)
            return RateLimitError(f"every usable provider{selection.for_model} is rate limited ({states})",
                                  retry_after=min(waits))
        if selection.no_credentials:
            return missing_credentials_error(selection.no_credentials, selection.for_model)
        names = ", ".join(provider_name(p) for p in selection.not_working)
        return ProviderNotWorkingError(f"no working provider serves model {selection.model!r}; "
                                       f"marked as not working: {names}")

    @classmethod
    def _skipped_errors(cls, selection: Selection) -> list[tuple[str, BaseException]]:
        skipped: list[tuple[str, BaseException]] = []
        for provider in selection.rate_limited:
            name = provider_name(provider)
            skipped.append((name, RateLimitError(f"skipped: {cls.health.describe(provider)}", provider=name,
                                                 retry_after=cls.health.cooldown_remaining(provider))))
        for provider in selection.no_credentials:
            name = provider_name(provider)
            skipped.append((name, MissingAuthError(f"skipped: {provider.credential_hint()}", provider=name)))
        return skipped

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, stream: bool = True, *, retry_policy: RetryPolicy | None = None,
        **kwargs: Any,
    ) -> AsyncResult:
        selection = cls.select(model or "", **kwargs)
        logger.debug("auto-selection%s: %s", selection.for_model,
                     ", ".join(provider_name(a.provider) for a in selection.attempts))
        chunks = run_fallback(
            selection.attempts, messages, stream, kwargs, health=cls.health, retry=retry_policy,
            skipped=cls._skipped_errors(selection), for_model=selection.for_model,
        )
        try:
            async for chunk in chunks:
                yield chunk
        except RetryProviderError as error:
            unreachable = _only_unreachable_keyless(selection, error)
            if unreachable is not None:
                raise missing_credentials_error(selection.no_credentials, selection.for_model, unreachable) from error
            if model and all(isinstance(e, ModelNotFoundError) for e in error.exceptions.values()):
                # Providers that take any name sent it upstream and each answered 404: a typo, most likely.
                tried = ", ".join(error.exceptions)
                raise ModelNotFoundError(
                    f"no provider serves model {model!r} ({tried} answered: not found){_did_you_mean(model)}"
                ) from error
            raise
        finally:
            await chunks.aclose()


def _only_unreachable_keyless(selection: Selection, error: RetryProviderError) -> list[Any] | None:
    """The providers tried, when they all need no key and could not be reached, else None.

    A fresh machine's keyless candidates are local servers that are not running; then the useful
    answer is what would enable the others, not "connection refused".
    """
    if not selection.no_credentials:
        return None
    tried = [attempt.provider for attempt in selection.attempts]
    for provider in tried:
        failure = error.exceptions.get(provider_name(provider))
        if getattr(provider, "needs_auth", False) or not isinstance(failure, NetworkError):
            return None
    return tried


def missing_credentials_error(
    providers: Iterable[Any], for_model: str = "", unreachable: Sequence[Any] = ()
) -> MissingAuthError:
    """One short line saying what would enable the providers: the key variables to set, the
    logins to run; ``hints`` on the error holds each provider's full hint (with its key page).
    """
    providers = list(providers)
    variables = [p.api_key_env for p in providers if getattr(p, "api_key_env", None)]
    others = [f"{_label(p)}: {p.credential_hint()}" for p in providers if not getattr(p, "api_key_env", None)]
    parts = [f"set {_one_of(variables)}"] if variables else []
    parts += others
    down = f" (not reachable: {', '.join(_label(p) for p in unreachable)})" if unreachable else ""
    return MissingAuthError(f"no provider{for_model} has credentials; " + "; or ".join(parts) + down,
                            hints={provider_name(p): p.credential_hint() for p in providers})


def _one_of(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _label(provider: Any) -> str:
    get_label = getattr(provider, "get_label", None)
    return str(get_label()) if get_label is not None else provider_name(provider)


def _serves(provider: Any, model: str) -> bool:
    serves = getattr(provider, "serves", None)
    if serves is None:
        return False
    try:
        return bool(serves(model))
    except Exception as exc:  # noqa: BLE001 - a plugin's broken model list must not break selection for everyone
        logger.warning("%s.serves(%r) failed: %s: %s", provider_name(provider), model, type(exc).__name__, exc)
        return False


def _first_listed(provider: Any, names: Sequence[str]) -> str | None:
    """The first of the requested name and the row's names that the provider lists, if any."""
    for name in names:
        if name and _serves(provider, name):
            return name
    return None


def _did_you_mean(model: str) -> str:
    from ..models import ModelUtils

    close = difflib.get_close_matches(model, ModelUtils.names(), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(close)}?" if close else ""

