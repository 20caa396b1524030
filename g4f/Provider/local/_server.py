"""``LocalServer``: the base of providers for an OpenAI-compatible server the user runs.

Such a server (Ollama, llama.cpp, vLLM, LM Studio) serves whatever models it has loaded, takes no
key and costs nothing, and when it is not running it stays down: it is not retried. What it
serves is known only from its ``GET /models``: :meth:`LocalServer.served_models` asks it (with a
short timeout, cached per base URL), and auto-selection sends it only a model it lists, so an
unknown name is never answered by whatever model the server happens to run. An explicit
``provider=`` still sends any name.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any, ClassVar
from urllib.parse import urlsplit

from ...errors import G4FError, NetworkError, TimeoutError
from ..template.OpenaiTemplate import OpenaiTemplate

__all__ = ["LocalServer"]

logger = logging.getLogger("g4f")

#: The last failure to list each base URL's models, to say why when the failure is remembered.
_failures: dict[str, G4FError] = {}


class LocalServer(OpenaiTemplate):
    """An OpenAI-compatible server on the user's machine (or on ``$<api_base_env>``)."""

    working = True
    needs_auth = False
    report_cost = False
    max_retries = 0  # a local server that is down stays down: fail over at once
    #: A server on this machine answers its model list at once, or is not running.
    models_timeout = 2.0
    #: The tag the server gives a bare name (Ollama: ``llama3.2`` is ``llama3.2:latest``).
    default_tag: ClassVar[str | None] = None

    @classmethod
    def serves(cls, model: str) -> bool:
        """Whether the server's model list (the last one fetched, else the declared one) has ``model``."""
        if super().serves(model):
            return True
        return bool(cls.default_tag) and ":" not in model and f"{model}:{cls.default_tag}" in cls.known_models()

    @classmethod
    def get_model(cls, model: str | None, **kwargs: Any) -> str:
        """As the template resolves names, and a bare name the server lists only with its tag
        (``llama3.2`` for ``llama3.2:latest``) is sent as listed."""
        name = super().get_model(model, **kwargs)
        if cls.default_tag and ":" not in name:
            listed = cls.known_models()
            tagged = f"{name}:{cls.default_tag}"
            if name not in listed and tagged in listed:
                return tagged
        return name

    @classmethod
    async def served_models(
        cls, api_key: str | None = None, base_url: str | None = None, *, refresh: bool = False,
        proxy: str | None = None,
    ) -> list[str]:
        """The ids the server lists at ``GET /models``, cached per base URL.

        ``refresh`` asks again even when a list (or a failure, on this machine) is remembered: a
        model pulled a moment ago, a server started a moment ago. A server that cannot be
        reached raises :class:`~g4f.errors.NetworkError` naming its address; one that refuses
        (a key it wants) raises the error for its answer.
        """
        from ..template._model_list import fetch_model_ids, model_cache
        from ..template._request import build_headers

        base = cls.get_api_base(base_url)
        if not refresh:
            cached = model_cache.get(base)
            if cached is not None:
                return cached
        remembered = _failures.get(base)
        if remembered is not None and model_cache.failed_recently(base) and not (refresh and _is_loopback(base)):
            raise remembered
        headers = build_headers(cls.get_api_key(api_key), False, cls.default_headers)
        try:
            ids = await fetch_model_ids(base, headers, cls.get_name(), proxy=proxy, timeout=cls.models_timeout)
        except G4FError as error:
            failure = cls._unreachable(base, error)
            logger.debug("%s", failure)
            model_cache.put(base, None)
            _failures[base] = failure
            raise failure from error
        model_cache.put(base, ids)
        _failures.pop(base, None)
        return ids

    @classmethod
    def _unreachable(cls, base: str, error: G4FError) -> G4FError:
        if not isinstance(error, (NetworkError, TimeoutError)):
            return error
        detail = str(error).removeprefix(f"{cls.get_name()}: ")
        return NetworkError(f"not reachable at {base}: {detail}", provider=cls.get_name())


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
