"""Tests that drive a real Chromium: skipped, with the reason, where none is found; never in CI.

The browser is looked for as g4f looks for it (:func:`g4f.auth.nodriver.find_browser`:
``$G4F_BROWSER_PATH``, else ``chromium``/``google-chrome``/... on ``PATH``), so the README's test
command passes on a machine without Chromium. ``.ci/run`` installs Chromium and sets
``G4F_REQUIRE_CHROMIUM=1``: there a missing browser fails these tests instead of skipping them.

    pytestmark = [pytest.mark.browser, needs_chromium()]      # a module of browser tests
    skip_without_chromium()                                   # inside one test
"""

from __future__ import annotations

import os

import pytest

__all__ = ["chromium_missing", "chromium_required", "needs_chromium", "skip_without_chromium"]

REQUIRED_VARIABLE = "G4F_REQUIRE_CHROMIUM"


def chromium_missing() -> str | None:
    """Why no browser test can run here (how to install one), or None when Chromium is found."""
    from g4f.auth.nodriver import find_browser
    from g4f.errors import MissingRequirementsError

    try:
        find_browser()
    except MissingRequirementsError as exc:
        return f"no Chromium: {exc} (.ci/run installs it)"
    return None


def chromium_required() -> bool:
    """Whether this machine must have Chromium (``$G4F_REQUIRE_CHROMIUM``, set by ``.ci/run``)."""
    return os.environ.get(REQUIRED_VARIABLE, "").strip() not in ("", "0")


def needs_chromium() -> pytest.MarkDecorator:
    """A mark that skips the test where no Chromium is found (unless ``$G4F_REQUIRE_CHROMIUM``)."""
    reason = chromium_missing()
    return pytest.mark.skipif(reason is not None and not chromium_required(), reason=reason or "")


def skip_without_chromium() -> None:
    """Skip the running test where no Chromium is found; fail instead under ``$G4F_REQUIRE_CHROMIUM``."""
    reason = chromium_missing()
    if reason is None:
        return
    if chromium_required():
        pytest.fail(f"{reason}, and ${REQUIRED_VARIABLE} says this machine must have it")
    pytest.skip(reason)
