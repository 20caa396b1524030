"""``check_provider``: the contract every provider should meet, checked against a local replica.

A plugin author writes one test::

    async def test_acme_meets_the_contract(openai_replica):
        await check_provider(Acme, replica=openai_replica)

and learns, in one failure listing every broken rule, whether the provider declares itself
properly, resolves models, streams text and events, raises the typed errors of
:mod:`g4f.errors` for the upstream's failures and keeps credentials out of every message.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import G4FError, ModelNotFoundError
from ..providers.response import ResponseType
from ..providers.types import BaseProvider

if TYPE_CHECKING:
    from .openai_replica import OpenAIReplica

__all__ = ["ContractError", "ContractReport", "ErrorCase", "check_provider", "openai_error_cases"]

#: Modules a provider module must not import when it is imported (they load on first use).
HEAVY_MODULES = ("aiohttp", "curl_cffi", "nodriver", "browser_cookie3")
#: A model name no upstream serves.
UNKNOWN_MODEL = "g4f-contract-no-such-model"
#: A well-formed key the replica refuses; it must not appear in any message either.
WRONG_KEY = "sk-g4f-contract-wrong-key-7f3a9c1e"

_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_FLAGS = ("working", "needs_auth", "supports_stream", "supports_system_message", "supports_message_history")
_IMPLEMENTED = ("create_async_generator", "create_completion", "create_async")


@dataclass
class ErrorCase:
    """A call that must fail with a typed error.

    ``arrange`` (sync or async) sets the upstream up before the call, e.g. queues a replica fault;
    ``cleanup`` undoes it. ``kwargs`` are merged into the call's keyword arguments and ``model``
    replaces its model.
    """

    name: str
    expected: type[BaseException] | tuple[type[BaseException], ...]
    arrange: Callable[[], Any] | None = None
    cleanup: Callable[[], Any] | None = None
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    model: str | None = None
    stream: bool = True


@dataclass
class ContractReport:
    """What :func:`check_provider` checked: the names of the checks passed and the failures."""

    provider: str
    passed: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def check(self, name: str, ok: bool, problem: str = "") -> bool:
        if ok:
            self.passed.append(name)
        else:
            problem = " ".join(problem.split())  # one line each, however the upstream formats its errors
            problem = problem if len(problem) <= 300 else problem[:297] + "..."
            self.failures.append(f"{name}: {problem}" if problem else name)
        return ok


class ContractError(AssertionError):
    """Raised by :func:`check_provider`; its message lists every check the provider failed."""

    def __init__(self, report: ContractReport) -> None:
        self.report = report
        lines = "\n".join(f"  - {failure}" for failure in report.failures)
        super().__init__(f"{report.provider} failed {len(report.failures)} contract check(s):\n{lines}")


def openai_error_cases(replica: OpenAIReplica) -> list[ErrorCase]:
    """The failures of an OpenAI-compatible upstream, played by ``replica``, and the error each
    must become. Each fault answers every request of its case (retries included), so a provider
    that retries still ends with the error."""
    from ..errors import (
        BadRequestError,
        MissingAuthError,
        NetworkError,
        RateLimitError,
        ResponseError,
        ResponseStatusError,
    )
    from .openai_replica import Fault

    def fault_case(name: str, fault: Fault, expected: type[BaseException], stream: bool = True) -> ErrorCase:
        fault.times = 0
        fault.path = "*"
        return ErrorCase(
            name,
            expected,
            arrange=lambda: replica.faults.append(fault),
            cleanup=lambda: replica.faults.remove(fault) if fault in replica.faults else None,
            stream=stream,
        )

    cases = []
    if replica.api_key:
        cases.append(ErrorCase("refused key", MissingAuthError, kwargs={"api_key": WRONG_KEY}))
    if replica.strict_models:
        cases.append(ErrorCase("unknown model", ModelNotFoundError, model=UNKNOWN_MODEL))
    cases += [
        fault_case("rate limit", Fault.rate_limit(retry_after=0), RateLimitError),
        fault_case("server error", Fault.server_error(500), ResponseStatusError),
        fault_case("bad request", Fault.http(400, "'messages' must be a non-empty array"), BadRequestError),
        fault_case("HTML error page", Fault.bad_gateway(), ResponseStatusError),
        fault_case("stream cut short", Fault.cut(after=2), ResponseError),
        fault_case("malformed line", Fault.malformed_line(after=2), ResponseError),
        fault_case("connection reset", Fault.reset(), NetworkError),
        fault_case("non-streamed body cut short", Fault.cut(after=1), ResponseError, stream=False),
    ]
    return cases


async def check_provider(
    provider: type[BaseProvider],
    *,
    model: str | None = None,
    messages: list[dict[str, Any]] | None = None,
    expected_text: str | None = None,
    replica: OpenAIReplica | None = None,
    error_cases: Iterable[ErrorCase] = (),
    secrets: Iterable[str] = (),
    check_imports: bool = True,
    check_sync: bool = True,
    timeout: float = 60.0,
    **kwargs: Any,
) -> ContractReport:
    """Check ``provider`` against the provider contract; raise :class:`ContractError` listing
    every failed check, or return the report.

    ``kwargs`` go to every call (``base_url=``, ``api_key=``, ``cookies=``...). With ``replica``
    (an :class:`~g4f.testing.openai_replica.OpenAIReplica`), ``base_url`` and ``api_key`` default
    to the replica's and :func:`openai_error_cases` are checked too; ``error_cases`` adds others.
    ``secrets`` (plus every ``api_key`` and cookie value used) must never appear in an error's
    text or repr, in the text of its causes, nor in a log record. ``check_imports`` imports the provider's
    module in a fresh interpreter and requires that it loads no HTTP or browser library.
    """
    report = ContractReport(provider.__name__ if isinstance(provider, type) else repr(provider))
    if not report.check("is a provider class", isinstance(provider, type) and issubclass(provider, BaseProvider),
                        f"{provider!r} is not a subclass of g4f.providers.types.BaseProvider"):
        raise ContractError(report)
    report.provider = provider.get_name()
    cases = list(error_cases)
    if replica is not None:
        kwargs.setdefault("base_url", replica.base_url)
        if replica.api_key and provider.needs_auth:
            kwargs.setdefault("api_key", replica.api_key)
        cases = openai_error_cases(replica) + cases
    messages = messages or [{"role": "user", "content": "Say hello to the contract check"}]
    watched = _secrets_of(secrets, kwargs, cases)

    _check_declaration(report, provider, kwargs)
    model = _check_models(report, provider, model)
    if check_imports:
        _check_import_cost(report, provider)
    with _LogCapture() as logs:
        call = _Caller(provider, model, messages, kwargs, timeout)
        await _check_answers(report, call, expected_text, check_sync)
        for case in cases:
            await _check_error_case(report, call, case, watched)
    leaked = [record for record in logs.records if _leaks(record, watched)]
    report.check("no secret in log records", not leaked, f"{len(leaked)} record(s), first: {leaked[:1]}")
    if report.failures:
        raise ContractError(report)
    return report


# -- the checks ---------------------------------------------------------------------------------
def _check_declaration(report: ContractReport, provider: type[BaseProvider], kwargs: Mapping[str, Any]) -> None:
    missing = [name for name in _IMPLEMENTED if getattr(getattr(provider, name), "__isabstractmethod__", False)]
    report.check("implements the provider methods", not missing, f"abstract: {', '.join(missing)}")
    name = provider.get_name()
    report.check("name is an identifier", isinstance(name, str) and name.isidentifier(), repr(name))
    report.check("label is text", isinstance(provider.get_label(), str) and bool(provider.get_label()),
                 repr(provider.get_label()))
    for attr in ("url", "login_url"):
        value = getattr(provider, attr)
        report.check(f"{attr} is an http(s) URL or None",
                     value is None or (isinstance(value, str) and value.startswith(("http://", "https://"))),
                     repr(value))
    wrong = [f"{flag}={getattr(provider, flag)!r}" for flag in _FLAGS if not isinstance(getattr(provider, flag), bool)]
    report.check("flags are booleans", not wrong, ", ".join(wrong))
    env = provider.api_key_env
    report.check("api_key_env is an environment variable name", env is None or bool(_ENV_NAME.match(env)), repr(env))
    if provider.needs_auth:
        hint = provider.credential_hint()
        report.check("says how to give credentials", isinstance(hint, str) and bool(hint.strip()), repr(hint))
        given = {key: kwargs[key] for key in ("api_key", "cookies") if kwargs.get(key)}
        if given:
            report.check("has_credentials() sees the credentials given", provider.has_credentials(**given) is True,
                         f"has_credentials({', '.join(given)}=...) is not True")
    info = provider.get_dict()
    report.check("get_dict() names the provider", isinstance(info, dict) and info.get("name") == name, repr(info))


def _check_models(report: ContractReport, provider: type[BaseProvider], model: str | None) -> str:
    get_model = getattr(provider, "get_model", None)
    default = getattr(provider, "default_model", "") or ""
    if get_model is None:  # a provider without a model list takes any name
        return model or default
    models = provider.get_models()  # type: ignore[attr-defined]
    report.check("get_models() is a list of names",
                 isinstance(models, list) and all(isinstance(m, str) and m for m in models), repr(models)[:200])
    report.check("has a default model that it lists", bool(default) and default in models,
                 f"default_model={default!r}")
    report.check('model "" resolves to the default', _resolve(get_model, "") == default,
                 f"get_model('') is {_resolve(get_model, '')!r}")
    aliases = getattr(provider, "model_aliases", {}) or {}
    wrong = {a: t for a, t in aliases.items() if _resolve(get_model, a) != t}
    report.check("aliases resolve to their targets", not wrong,
                 ", ".join(f"{a!r} -> {_resolve(get_model, a)!r} (declared {t!r})" for a, t in wrong.items()))
    resolved = _resolve(get_model, UNKNOWN_MODEL)
    if getattr(provider, "accepts_unknown_models", False):
        report.check("an unknown model is sent as it is", resolved == UNKNOWN_MODEL, f"got {resolved!r}")
    else:
        ok = isinstance(resolved, ModelNotFoundError) and provider.get_name() in str(resolved)
        report.check("an unknown model raises ModelNotFoundError naming the provider", ok, f"got {resolved!r}")
    return model or default


def _resolve(get_model: Callable[[str], str], name: str) -> Any:
    try:
        return get_model(name)
    except Exception as exc:  # noqa: BLE001  the check reports whatever it raised
        return exc


def _check_import_cost(report: ContractReport, provider: type[BaseProvider]) -> None:
    module = provider.__module__
    code = textwrap.dedent(f"""
        import sys
        import {module}
        print(",".join(m for m in {HEAVY_MODULES!r} if m in sys.modules))
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                            timeout=120, check=False)
    if not report.check(f"module {module} imports in a fresh interpreter", result.returncode == 0,
                        result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""):
        return
    heavy = result.stdout.strip()
    report.check("importing the module loads no HTTP or browser library", not heavy,
                 f"{module} imports {heavy} at module level; import it inside the function that uses it")


class _Caller:
    def __init__(self, provider: type[BaseProvider], model: str, messages: list[dict[str, Any]],
                 kwargs: Mapping[str, Any], timeout: float) -> None:
        self.provider, self.model, self.messages, self.kwargs, self.timeout = provider, model, messages, kwargs, timeout

    def _stream(self, model: str | None, stream: bool, extra: Mapping[str, Any]) -> AsyncIterator[Any]:
        kwargs = {**self.kwargs, **extra}
        stream_: AsyncIterator[Any] = self.provider.create_async_generator(  # type: ignore[attr-defined]
            self.model if model is None else model, self.messages, stream=stream, **kwargs
        )
        return stream_

    async def collect(self, model: str | None = None, stream: bool = True,
                      extra: Mapping[str, Any] | None = None) -> list[Any]:
        async def run() -> list[Any]:
            return [item async for item in self._stream(model, stream, extra or {})]

        return await asyncio.wait_for(run(), self.timeout)

    async def create_async(self) -> Any:
        create_async = self.provider.create_async  # type: ignore[attr-defined]
        return await asyncio.wait_for(create_async(self.model, self.messages, **self.kwargs), self.timeout)

    async def create_completion(self) -> list[Any]:
        def run() -> list[Any]:
            completion = self.provider.create_completion  # type: ignore[attr-defined]
            return list(completion(self.model, self.messages, stream=True, **self.kwargs))

        return await asyncio.wait_for(asyncio.to_thread(run), self.timeout)


def _is_text(item: Any) -> bool:
    return isinstance(item, str) and not isinstance(item, ResponseType)


async def _check_answers(report: ContractReport, call: _Caller, expected: str | None, check_sync: bool) -> None:
    try:
        items = await call.collect()
    except Exception as exc:  # noqa: BLE001
        report.check("answers a streamed request", False, f"{type(exc).__name__}: {exc}")
        return
    odd = [item for item in items if not (_is_text(item) or isinstance(item, ResponseType))]
    report.check("streams only text and events", not odd,
                 f"also yielded {', '.join(sorted({type(i).__name__ for i in odd}))}: {odd[:3]!r}")
    text = "".join(item for item in items if _is_text(item))
    report.check("a streamed answer has text", bool(text), f"no text among {items[:5]!r}")
    if expected is not None:
        report.check("the streamed text is the expected answer", text == expected, f"{text!r} != {expected!r}")
    try:
        answer = await call.create_async()
    except Exception as exc:  # noqa: BLE001
        report.check("answers a non-streamed request (create_async)", False, f"{type(exc).__name__}: {exc}")
    else:
        report.check("create_async returns text", isinstance(answer, str) and bool(answer), repr(answer)[:200])
        if expected is not None:
            report.check("create_async returns the expected answer", answer == expected, f"{answer!r}")
    if not check_sync:
        return
    try:
        chunks = await call.create_completion()
    except Exception as exc:  # noqa: BLE001
        report.check("answers through the sync API (create_completion)", False, f"{type(exc).__name__}: {exc}")
    else:
        sync_text = "".join(chunk for chunk in chunks if _is_text(chunk))
        report.check("the sync API streams text", bool(sync_text), repr(chunks[:5]))
        if expected is not None:
            report.check("the sync API streams the expected answer", sync_text == expected, repr(sync_text))


async def _call_hook(hook: Callable[[], Any] | None) -> None:
    if hook is not None:
        result = hook()
        if inspect.isawaitable(result):
            await result


async def _check_error_case(report: ContractReport, call: _Caller, case: ErrorCase, watched: list[str]) -> None:
    expected = case.expected if isinstance(case.expected, tuple) else (case.expected,)
    names = " or ".join(e.__name__ for e in expected)
    await _call_hook(case.arrange)
    error: BaseException | None = None
    try:
        items = await call.collect(case.model, case.stream, case.kwargs)
    except Exception as exc:  # noqa: BLE001  the check reports whatever it raised
        error = exc
    finally:
        await _call_hook(case.cleanup)
    if error is None:
        report.check(f"{case.name} raises {names}", False, f"answered instead: {items[:5]!r}")
        return
    if isinstance(error, expected):
        report.passed.append(f"{case.name} raises {names}")
    elif type(error) in (asyncio.TimeoutError, TimeoutError):  # our own wait_for, not the provider's
        report.check(f"{case.name} raises {names}", False, f"no answer or error within {call.timeout:g}s")
        return
    else:
        report.check(f"{case.name} raises {names}", False, f"raised {type(error).__name__}: {error}")
        return
    if isinstance(error, G4FError):
        name, label = call.provider.get_name(), call.provider.get_label()
        report.check(f"{case.name}: the error names the provider", name in str(error) or label in str(error),
                     repr(str(error)))
    leaks = _leaks(error, watched)
    report.check(f"{case.name}: no secret in the error", not leaks, "a credential appears in " + ", ".join(leaks))


# -- secrets ------------------------------------------------------------------------------------
def _secrets_of(explicit: Iterable[str], kwargs: Mapping[str, Any], cases: Iterable[ErrorCase]) -> list[str]:
    found = [s for s in explicit if s]
    for source in [kwargs, *(case.kwargs for case in cases)]:
        key = source.get("api_key")
        if isinstance(key, str) and key:
            found.append(key)
        cookies = source.get("cookies")
        if isinstance(cookies, Mapping):
            found += [value for value in cookies.values() if isinstance(value, str) and len(value) >= 6]
    return sorted(set(found))


def _leaks(thing: Any, secrets: list[str]) -> list[str]:
    """Where a secret shows: a log record's message, or an error's text and repr and the text of
    each error in its cause chain (what a traceback prints)."""
    if isinstance(thing, logging.LogRecord):
        texts = {"log record": _safe(thing.getMessage)}
    else:
        texts = {"the error's text": _safe(lambda: str(thing)), "the error's repr": _safe(lambda: repr(thing))}
        seen = {id(thing)}
        error: BaseException | None = thing.__cause__ or thing.__context__
        depth = 1
        while error is not None and id(error) not in seen:
            seen.add(id(error))
            texts[f"its cause #{depth} ({type(error).__name__})"] = _safe(error.__str__)
            error = error.__cause__ or error.__context__
            depth += 1
    return [where for where, text in texts.items() if any(secret in text for secret in secrets)]


def _safe(make: Callable[[], str]) -> str:
    try:
        return make()
    except Exception as exc:  # noqa: BLE001
        return f"<unprintable: {type(exc).__name__}>"


class _LogCapture(logging.Handler):
    """Collects every record that reaches the root logger, with g4f's loggers at DEBUG."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._level = logging.NOTSET

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> _LogCapture:  # noqa: PYI034
        g4f_logger = logging.getLogger("g4f")
        self._level = g4f_logger.level
        g4f_logger.setLevel(logging.DEBUG)
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self)
        logging.getLogger("g4f").setLevel(self._level)

