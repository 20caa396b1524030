"""The provider test kit: local replica servers, pytest fixtures and the provider contract.

* :class:`LocalServer`: serve any aiohttp app (a replica of your upstream) on 127.0.0.1.
* :class:`OpenAIReplica` (with :class:`Reply`, :class:`Fault`, the ``GROQ``/``OPENAI`` flavours):
  a faithful OpenAI-compatible API to point a provider at through its base URL.
* :func:`check_provider`: the contract checks every provider should pass.
* ``pytest_plugins = ["g4f.testing.fixtures"]``: fixtures that start and stop the servers.

Imported only by tests; nothing here is loaded by ``import g4f``. Names load on first use.
"""

from __future__ import annotations

from typing import Any

from .._lazy import load_lazy

__all__ = [
    "GROQ",
    "OPENAI",
    "ContractError",
    "ContractReport",
    "ErrorCase",
    "Fault",
    "Flavour",
    "LocalServer",
    "OpenAIReplica",
    "RecordedRequest",
    "Reply",
    "check_provider",
    "openai_error_cases",
]

_WHERE = {
    "LocalServer": ".server",
    "ContractError": ".contract",
    "ContractReport": ".contract",
    "ErrorCase": ".contract",
    "check_provider": ".contract",
    "openai_error_cases": ".contract",
    "GROQ": ".openai_replica",
    "OPENAI": ".openai_replica",
    "Fault": ".openai_replica",
    "Flavour": ".openai_replica",
    "OpenAIReplica": ".openai_replica",
    "RecordedRequest": ".openai_replica",
    "Reply": ".openai_replica",
}


def __getattr__(name: str) -> Any:
    return load_lazy(__name__, _WHERE, name)


def __dir__() -> list[str]:
    return sorted(__all__)
