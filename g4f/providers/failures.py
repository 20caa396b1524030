"""What a provider's exception means: "this provider failed, try another", or a bug.

Fallback, retries, the API server's status codes and the command line all ask the one question
this module answers, so they can never disagree:

* **A provider failure** is any :class:`Exception` a provider raises before its first output:
  every :class:`~g4f.errors.G4FError`, the HTTP backends' errors (aiohttp, curl_cffi),
  ``OSError`` and timeouts, and also the plain ``RuntimeError``, ``ValueError``, ``KeyError``
  and ``Exception(...)`` that gpt4free-style providers and third-party plugins raise when their
  upstream misbehaves. Another provider may well answer.
* **A bug** is an error no other provider can fix: ``TypeError``, ``AttributeError``,
  ``NameError`` (and ``UnboundLocalError``), ``SyntaxError``, ``AssertionError``,
  ``RecursionError``, and calling the sync API inside a running loop
  (:class:`~g4f.errors.NestAsyncioError`). Bugs are raised at once, never swallowed by fallback.

``BaseException``\\ s that are not ``Exception`` (cancellation, ``KeyboardInterrupt``) are neither:
they always propagate.
"""

from __future__ import annotations

from ..errors import G4FError, NestAsyncioError

__all__ = ["BUGS", "is_bug", "is_provider_failure"]

#: Exception types that mean the code is wrong (ours or a provider's), not the upstream.
BUGS: tuple[type[BaseException], ...] = (
    TypeError,
    AttributeError,
    NameError,  # UnboundLocalError is a NameError
    SyntaxError,
    AssertionError,
    RecursionError,
    NestAsyncioError,
)


def is_bug(error: BaseException) -> bool:
    """Whether ``error`` is a programming error that must be raised, not worked around."""
    if isinstance(error, NestAsyncioError):
        return True
    if isinstance(error, G4FError):  # g4f's own errors are never bugs, even those that are also
        return False                  # builtins (MissingRequirementsError is an ImportError)
    return isinstance(error, BUGS)


def is_provider_failure(error: BaseException) -> bool:
    """Whether ``error`` means "this provider could not answer", so another one may be tried."""
    return isinstance(error, Exception) and not is_bug(error)
