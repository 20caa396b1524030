"""State that one test leaves behind does not change what the next one sees.

The tests here run in file order (the suite runs without random ordering): the first leaves
state behind, the second checks it is gone. Secrets that session or module fixtures registered
before them stay registered (and may mask parts of these texts), so each check compares with
what ``redact`` said before the test's own secret was registered.
"""

from __future__ import annotations

from g4f import secrets

#: A key holding an ordinary word: while registered, ``upstream`` is masked in every message.
KEY = "gsk_upstream_connect_Iso7Kq2Zw9"
TEXTS = ("upstream connect error", f"key {KEY}")
#: What redact() said of TEXTS before the first test registered KEY.
before_the_first_test: list[str] = []


def test_a_secret_registered_by_a_test_is_masked_in_it() -> None:
    before_the_first_test[:] = [secrets.redact(text) for text in TEXTS]
    secrets.register_secret(KEY)
    assert secrets.redact("upstream connect error") == "*** connect error"
    assert KEY not in secrets.redact(f"key {KEY}")


def test_it_is_forgotten_when_that_test_ends() -> None:
    assert before_the_first_test, "runs after the test above"
    assert [secrets.redact(text) for text in TEXTS] == before_the_first_test
    assert "upstream" in secrets.redact("upstream connect error")


def test_restore_forgets_only_what_came_after_the_snapshot() -> None:
    earlier, long = "earlier-secret-value", "x" * (secrets.MAX_INDEXED + 1)
    secrets.register_secret(earlier)
    text = f"{KEY} {earlier} {long}"
    saved, before = secrets.snapshot(), secrets.redact(text)
    secrets.register_secret(KEY)
    secrets.register_secret("short")  # too short: never a secret
    secrets.register_secret(long)  # replaced whole
    assert secrets.redact(text) != before
    secrets.restore(saved)
    assert secrets.redact(text) == before
    assert earlier not in before and KEY in before and long in before
