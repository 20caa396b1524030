"""Auto-selection: the user asks for a model, g4f picks the providers that can serve it.

For a model name or alias, :class:`AnyProvider` gathers the candidates: the catalogue row's
providers first (``g4f.models``), then every registered provider that lists the model (for no
model at all: every provider, each with its default model). A model is only ever sent to a
provider that lists it:

* A local server (a provider with an async ``served_models``: Ollama, LocalOpenAI) is asked what
  it serves first (``GET /models`` at its address, short timeout, cached) and joins only for a
  model it lists; one that cannot be reached is left out, and named if the answer depends on it.
  A name nobody lists makes them be asked again (a model pulled, a server started a moment ago).
* A name that no provider lists (in the catalogue, their declared lists, or lists fetched
  earlier) is :class:`~g4f.errors.ModelNotFoundError` with the closest known names. It is never
  sent to a provider that would take any name (``accepts_unknown_models``, which serves
  explicit ``provider=`` calls), so a typo is never answered by whatever model a server runs.

Before any chat request it drops the providers marked not ``working`` and those lacking
credentials (``has_credentials``: no key in the argument, environment or auth cache, no
cookies), orders the rest by health (healthy first, those cooling down after failures last,
rate-limited ones skipped until their ``retry-after`` passed) and falls back in that order with
:func:`~g4f.providers.retry_provider.run_fallback`.

When nothing can be tried it says why, in one line the command line can print:
:class:`~g4f.errors.ModelNotFoundError` when no provider lists the model,
:class:`~g4f.errors.NetworkError` when the only ones that serve it are local servers that
cannot be reached (naming their addresses), :class:`~g4f.errors.MissingAuthError` naming what
would enable each provider, :class:`~g4f.errors.RateLimitError` when the usable ones are rate
limited, or :class:`~g4f.errors.ProviderNotWorkingError` when only broken ones serve it.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..errors import (
    G4FError,
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

#: Providers that could not be asked for their model list, with why.
Unreachable = Mapping[Any, BaseException]


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
    #: Local servers that serve the model (by the catalogue or their last list) but cannot be reached.
    unreachable: list[tuple[Any, BaseException]] = field(default_factory=list)
    #: Local servers that could not be asked whether they serve it.
    unasked: list[tuple[Any, BaseException]] = field(default_factory=list)

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
    def candidates(cls, model: str, unreachable: Unreachable | None = None) -> list[Attempt]:
        """Every provider that lists ``model``, with the name to send it; no network call.

        Local servers are judged by the list they gave last (:meth:`ask_local_servers` fetches
        it); those in ``unreachable`` are left out.
        """
        down = unreachable or {}
        row, names = _row_and_names(model)
        found: dict[Any, str] = {}
        if row is not None:
            for name in row.provider_names():
                provider = cls._load(name)
                if provider is None or provider in found or provider in down:
                    continue
                listed = _first_listed(provider, names)
                if listed is None and _is_local_server(provider):
                    continue  # a local server joins only for a model it lists
                found[provider] = listed or row.name
        for provider in cls.registry.providers():
            if provider in found or provider in down:
                continue
            chosen = _default_for(provider) if not model else _first_listed(provider, names)
            if chosen is not None:
                found[provider] = chosen
        return [Attempt(provider, name) for provider, name in found.items()]

    @classmethod
    def _load(cls, name: str) -> Any:
        try:
            return cls.registry.get(name)
        except (ProviderNotFoundError, ImportError) as exc:
            logger.debug("catalogue provider %s is not available: %s", name, exc)
            return None

    @classmethod
    async def ask_local_servers(cls, model: str, **kwargs: Any) -> dict[Any, BaseException]:
        """Fetch the model lists of the usable local servers; the ones that failed, with why.

        Lists are cached (:meth:`~g4f.Provider.local.LocalServer.served_models`); when no
        provider lists ``model``, the servers are asked again, past the cache.
        """
        servers = [p for p in cls.registry.providers()
                   if _is_local_server(p) and getattr(p, "working", False) and p.has_credentials(**kwargs)]
        if not servers:
            return {}
        down = await _ask(servers, kwargs, refresh=False)
        if model and not cls.candidates(model, down):
            down = await _ask(servers, kwargs, refresh=True)
        return down

    @classmethod
    def select(cls, model: str, unreachable: Unreachable | None = None, **kwargs: Any) -> Selection:
        """Choose and order the providers to try for ``model``; raises when none can be tried.

        ``unreachable``: the local servers :meth:`ask_local_servers` could not ask.
        """
        selection = Selection(model)
        down = dict(unreachable or {})
        candidates = cls.candidates(model, down)
        row, names = _row_and_names(model)
        for provider, error in down.items():
            serves = not model or _first_listed(provider, names) is not None or (
                row is not None and provider_name(provider) in row.provider_names())
            (selection.unreachable if serves else selection.unasked).append((provider, error))
        usable: list[Attempt] = []
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
            if selection.unreachable:  # only local servers serve it, and they are down
                return _unreachable_error(selection.unreachable, selection)
            close = _did_you_mean(selection.model, cls.registry.providers())
            return ModelNotFoundError(f"no provider serves model {selection.model!r}{close}"
                                      f"{_unasked_note(selection.unasked)}")
        if selection.rate_limited:  # the configured providers exist but asked to wait: say how long
            waits = [cls.health.cooldown_remaining(p) for p in selection.rate_limited]
            states = "; ".join(f"{provider_name(p)}: {cls.health.describe(p)}" for p in selection.rate_limited)
            return RateLimitError(f"every usable provider{selection.for_model} is rate limited ({states})",
                                  retry_after=min(waits))
        if selection.no_credentials:
            return missing_credentials_error(selection.no_credentials, selection.for_model,
                                             [provider for provider, _ in selection.unreachable])
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
        skipped += [(provider_name(provider), error) for provider, error in selection.unreachable]
        return skipped

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, stream: bool = True, *, retry_policy: RetryPolicy | None = None,
        **kwargs: Any,
    ) -> AsyncResult:
        model = model or ""
        down = await cls.ask_local_servers(model, **kwargs)
        selection = cls.select(model, down, **kwargs)
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
            clearer = _clearer_error(selection, error, kwargs)
            if clearer is None:
                raise
            raise clearer from error
        finally:
            await chunks.aclose()


def _clearer_error(selection: Selection, error: RetryProviderError, kwargs: Mapping[str, Any]) -> G4FError | None:
    """One error that says what happened, when every provider tried failed the same way."""
    tried = [(attempt.provider, error.exceptions.get(provider_name(attempt.provider)))
             for attempt in selection.attempts]
    if tried and all(isinstance(failure, NetworkError) and _is_local_server(provider) for provider, failure in tried):
        # Local servers that are down (the others, if any, lack credentials).
        down = [(provider, _at_address(failure, provider, kwargs)) for provider, failure in tried if failure]
        return _unreachable_error([*down, *selection.unreachable], selection)
    if selection.model and all(isinstance(e, ModelNotFoundError) for e in error.exceptions.values()):
        # Every provider that listed it answered 404 (a stale list, a model retired upstream).
        answered = ", ".join(error.exceptions)
        return ModelNotFoundError(f"no provider serves model {selection.model!r} ({answered} answered: not found)"
                                  f"{_did_you_mean(selection.model)}")
    return None


def _at_address(error: BaseException, provider: Any, kwargs: Mapping[str, Any]) -> BaseException:
    """A network error of ``provider`` that names where it was looked for."""
    text = _short(error, provider)
    get_api_base = getattr(provider, "get_api_base", None)
    if get_api_base is None or text.startswith("not reachable at"):
        return error
    try:
        base = get_api_base(kwargs.get("base_url") or kwargs.get("api_base"))
    except G4FError:
        return error
    return NetworkError(f"not reachable at {base}: {text}", provider=provider_name(provider))


def _unreachable_error(down: Sequence[tuple[Any, BaseException]], selection: Selection) -> NetworkError:
    parts = "; ".join(_where(provider, error) for provider, error in down)
    message = f"no provider{selection.for_model} is reachable: {parts}"
    if selection.no_credentials:
        message += f"; the others need credentials: {_what_enables(selection.no_credentials)}"
    return NetworkError(message)


def _where(provider: Any, error: BaseException) -> str:
    """``"Ollama at http://...: <why>"`` (or ``"Name: <why>"`` when the error names no address)."""
    text = _short(error, provider)
    if text.startswith("not reachable at "):
        return f"{_label(provider)} {text.removeprefix('not reachable ')}"
    return f"{_label(provider)}: {text}"


def _unasked_note(unasked: Sequence[tuple[Any, BaseException]]) -> str:
    if not unasked:
        return ""
    names = ", ".join(_label(provider) for provider, _ in unasked)
    return f" (could not ask {names}: not reachable)"


def _short(error: BaseException, provider: Any) -> str:
    text = str(error)
    prefix = f"{provider_name(provider)}: "
    return text.removeprefix(prefix)


async def _ask(servers: Sequence[Any], kwargs: Mapping[str, Any], *, refresh: bool) -> dict[Any, BaseException]:
    """Ask each local server for its models, at once; the ones that failed, with why."""
    options = {"api_key": kwargs.get("api_key"), "base_url": kwargs.get("base_url") or kwargs.get("api_base"),
               "proxy": kwargs.get("proxy"), "refresh": refresh}

    async def one(server: Any) -> BaseException | None:
        try:
            await server.served_models(**options)
        except Exception as exc:  # noqa: BLE001 - one server (or a plugin's bug) must not stop the selection
            if not isinstance(exc, G4FError):
                logger.warning("%s.served_models failed: %s: %s", provider_name(server), type(exc).__name__, exc)
            return exc
        return None

    failures = await asyncio.gather(*(one(server) for server in servers))
    return {server: failure for server, failure in zip(servers, failures, strict=True) if failure is not None}


def missing_credentials_error(
    providers: Iterable[Any], for_model: str = "", unreachable: Sequence[Any] = ()
) -> MissingAuthError:
    """One short line saying what would enable the providers: the key variables to set, the
    logins to run; ``hints`` on the error holds each provider's full hint (with its key page).
    """
    providers = list(providers)
    down = f" (not reachable: {', '.join(_label(p) for p in unreachable)})" if unreachable else ""
    return MissingAuthError(f"no provider{for_model} has credentials; {_what_enables(providers)}{down}",
                            hints={provider_name(p): p.credential_hint() for p in providers})


def _what_enables(providers: Sequence[Any]) -> str:
    variables = [p.api_key_env for p in providers if getattr(p, "api_key_env", None)]
    others = [f"{_label(p)}: {p.credential_hint()}" for p in providers if not getattr(p, "api_key_env", None)]
    parts = [f"set {_one_of(variables)}"] if variables else []
    return "; or ".join(parts + others)


def _one_of(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _label(provider: Any) -> str:
    get_label = getattr(provider, "get_label", None)
    return str(get_label()) if get_label is not None else provider_name(provider)


def _is_local_server(provider: Any) -> bool:
    """A provider whose models are whatever its server has loaded (it declares ``served_models``)."""
    return callable(getattr(provider, "served_models", None))


def _row_and_names(model: str) -> tuple[Any, list[str]]:
    """The catalogue row of ``model`` (or None) and the names to look for: the asked one first."""
    from ..models import ModelUtils

    row = ModelUtils.get(model) if model else None
    return row, (list(dict.fromkeys([model, *row.names])) if row else [model])


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


def _default_for(provider: Any) -> str | None:
    """What to send a provider when no model is asked for: "" (its default model); for a local
    server, a model it lists (its default if listed, else its first), or None when it lists none."""
    known_models = getattr(provider, "known_models", None)
    if not _is_local_server(provider) or known_models is None:
        return ""
    listed = list(known_models())
    if not listed:
        return None
    return "" if getattr(provider, "default_model", "") in listed else str(listed[0])


def _did_you_mean(model: str, providers: Iterable[Any] = ()) -> str:
    """``"; did you mean a, b?"``: the closest names of the catalogue and of the providers' lists."""
    from ..models import ModelUtils

    known = dict.fromkeys(ModelUtils.names())
    for provider in providers:
        known_models = getattr(provider, "known_models", None)  # the lists at hand, no network call
        if known_models is not None:
            with contextlib.suppress(Exception):
                known.update(dict.fromkeys(known_models()))
    close = difflib.get_close_matches(model, list(known), n=3, cutoff=0.6)
    if close:
        return f"; did you mean {', '.join(close)}?"
    from .hints import current_audience

    where = {"cli": "`g4f models`", "api": "GET /v1/models"}.get(current_audience(), "client.models.list()")
    return f"; {where} lists the known ones"
