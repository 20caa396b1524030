"""``g4f._environ.getenv``: the same answers as ``os.environ.get``, changes seen at once."""

from __future__ import annotations

import os

import pytest

from g4f._environ import getenv

NAME = "G4F_TEST_ENVIRON_VARIABLE"


def test_an_unset_variable_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(NAME, raising=False)
    assert getenv(NAME) is None and os.environ.get(NAME) is None


@pytest.mark.parametrize("value", ["1", "", "  spaced  ", "ünïcode-värde", "https://h.example/v1?x=1"])
def test_a_set_variable_reads_as_os_environ_has_it(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(NAME, value)
    assert getenv(NAME) == os.environ.get(NAME) == value


def test_changes_are_seen_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "first")
    assert getenv(NAME) == "first"
    monkeypatch.setenv(NAME, "second")
    assert getenv(NAME) == "second"
    monkeypatch.delenv(NAME)
    assert getenv(NAME) is None
