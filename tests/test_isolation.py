"""State that one test leaves behind does not change what the next one sees.

The tests here run in file order (the suite runs without random ordering): the first leaves
state behind, the second checks it is gone.
"""

from __future__ import annotations

from g4f import secrets

#: A key holding an ordinary word: while registered, ``upstream`` is masked in every message.
KEY = "gsk_upstream_connect_0123456789"


def test_a_secret_registered_by_a_test_is_masked_in_it() -> None:
    secrets.register_secret(KEY)
    assert secrets.redact("upstream connect error") == "*** connect error"


def test_it_is_forgotten_when_that_test_ends() -> None:
    assert secrets.redact("upstream connect error") == "upstream connect error"
    assert secrets.redact(f"key {KEY}") == f"key {KEY}"


def test_restore_forgets_only_what_came_after_the_snapshot() -> None:
    secrets.register_secret("earlier-secret-value")
    saved = secrets.snapshot()
    secrets.register_secret(KEY)
    secrets.register_secret("short")  # too short: never a secret
    secrets.register_secret("x" * (secrets.MAX_INDEXED + 1))  # replaced whole
    secrets.restore(saved)
    assert secrets.redact(f"{KEY} earlier-secret-value {'x' * (secrets.MAX_INDEXED + 1)}") == (
        f"{KEY} *** {'x' * (secrets.MAX_INDEXED + 1)}")
