"""Cookie sources: cookie files in the config folder, and real browser cookie stores (browser_cookie3)."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
import time
from pathlib import Path

import pytest

import g4f
from g4f.config import write_private_file
from g4f.cookies import domain_matches, get_cookies, load_cookies_from_browsers, read_cookie_files
from g4f.Provider.needs_auth.Grok import Grok
from g4f.providers.response import AuthResult, RequestLogin

from .chromium import needs_chromium

SSO = "sso-from-the-browser-0123456789"


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A home folder of our own, so browser_cookie3 finds the stores this test makes (and no other)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    return home


def make_firefox_profile(home: Path, cookies: list[tuple[str, str, str]]) -> Path:
    """A Firefox profile as Firefox lays it out: profiles.ini and a cookies.sqlite (moz_cookies)."""
    root = home / ".mozilla" / "firefox"
    profile = root / "x1y2z3ab.default-release"
    profile.mkdir(parents=True)
    (root / "profiles.ini").write_text(
        "[Install4F96D1932A9F858E]\nDefault=x1y2z3ab.default-release\nLocked=1\n\n"
        "[Profile0]\nName=default-release\nIsRelative=1\nPath=x1y2z3ab.default-release\nDefault=1\n\n"
        "[General]\nStartWithLastProfile=1\nVersion=2\n"
    )
    database = profile / "cookies.sqlite"
    now = int(time.time())
    with sqlite3.connect(database) as connection:
        connection.execute(
            "CREATE TABLE moz_cookies (id INTEGER PRIMARY KEY, originAttributes TEXT NOT NULL DEFAULT '', "
            "name TEXT, value TEXT, host TEXT, path TEXT, expiry INTEGER, lastAccessed INTEGER, "
            "creationTime INTEGER, isSecure INTEGER, isHttpOnly INTEGER, inBrowserElement INTEGER DEFAULT 0, "
            "sameSite INTEGER DEFAULT 0, rawSameSite INTEGER DEFAULT 0, schemeMap INTEGER DEFAULT 0, "
            "isPartitionedAttributeSet INTEGER DEFAULT 0, "
            "CONSTRAINT moz_uniqueid UNIQUE (name, host, path, originAttributes))"
        )
        connection.execute("PRAGMA user_version = 15")
        connection.executemany(
            "INSERT INTO moz_cookies (name, value, host, path, expiry, lastAccessed, creationTime, isSecure, "
            "isHttpOnly) VALUES (?, ?, ?, '/', ?, ?, ?, 1, 1)",
            [(name, value, host, now + 86400, now * 1_000_000, now * 1_000_000) for host, name, value in cookies],
        )
    connection.close()
    return database


# -- cookie files ------------------------------------------------------------------------------
def test_cookie_files_in_both_formats(isolated_config):
    folder = isolated_config / "cookies"
    write_private_file(folder / "export.json", json.dumps([
        {"domain": ".grok.com", "name": "sso", "value": "sso-value-1"},
        {"domain": "accounts.x.ai", "name": "other", "value": "not-for-grok"},
    ]))
    write_private_file(folder / "mapping.json", json.dumps({".grok.com": {"sso-rw": "rw-value-2"}}))

    assert read_cookie_files(".grok.com") == {"sso": "sso-value-1", "sso-rw": "rw-value-2"}
    assert read_cookie_files("grok.com") == {"sso": "sso-value-1", "sso-rw": "rw-value-2"}


def test_cookie_file_readable_by_others_is_tightened(isolated_config, caplog):
    path = isolated_config / "cookies" / "grok.json"
    write_private_file(path, json.dumps({".grok.com": {"sso": "sso-value-9"}}))
    path.chmod(0o644)

    assert read_cookie_files(".grok.com") == {"sso": "sso-value-9"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "readable by other users" in caplog.text


def test_broken_cookie_file_is_skipped_with_a_warning(isolated_config, caplog):
    write_private_file(isolated_config / "cookies" / "broken.json", "{not json")
    write_private_file(isolated_config / "cookies" / "good.json", json.dumps({".grok.com": {"sso": "sso-good-77"}}))

    with caplog.at_level(logging.WARNING, logger="g4f"):
        assert read_cookie_files(".grok.com") == {"sso": "sso-good-77"}
    assert "broken.json" in caplog.text


def test_cookie_files_win_over_browsers(isolated_config, home):
    make_firefox_profile(home, [(".grok.com", "sso", SSO)])
    write_private_file(isolated_config / "cookies" / "grok.json", json.dumps({".grok.com": {"sso": "sso-file-11"}}))

    assert get_cookies(".grok.com") == {"sso": "sso-file-11"}
    assert g4f.get_cookies(".grok.com") == {"sso": "sso-file-11"}


@pytest.mark.parametrize("cookie_domain, domain, expected", [
    (".grok.com", "grok.com", True), ("grok.com", ".grok.com", True), ("accounts.grok.com", ".grok.com", True),
    (".x.ai", ".grok.com", False), ("notgrok.com", "grok.com", False),
])
def test_domain_matching(cookie_domain, domain, expected):
    assert domain_matches(cookie_domain, domain) is expected


# -- Firefox -----------------------------------------------------------------------------------
def test_firefox_cookie_store(home):
    make_firefox_profile(home, [(".grok.com", "sso", SSO), (".grok.com", "sso-rw", "rw-ff-1234"),
                                (".x.com", "auth_token", "not-for-grok")])

    assert load_cookies_from_browsers(".grok.com") == {"sso": SSO, "sso-rw": "rw-ff-1234"}
    assert get_cookies(".grok.com") == {"sso": SSO, "sso-rw": "rw-ff-1234"}


async def test_grok_finds_its_cookie_in_firefox(home):
    make_firefox_profile(home, [(".grok.com", "sso", SSO)])

    items = [item async for item in Grok.on_auth_async()]

    assert not any(isinstance(item, RequestLogin) for item in items)  # no browser login needed
    [auth] = items
    assert isinstance(auth, AuthResult) and auth.cookies == {"sso": SSO}
    assert auth.impersonate == "chrome" and "Chrome/" in auth.headers["user-agent"]
    assert SSO not in repr(auth)


def test_no_browser_store_gives_no_cookies(home):
    assert load_cookies_from_browsers(".grok.com") == {}


# -- Chromium: a cookie store written by a real Chromium ----------------------------------------
@pytest.mark.browser
@needs_chromium()  # skipped where no Chromium is found, never under G4F_REQUIRE_CHROMIUM (.ci/run)
async def test_grok_finds_its_cookie_in_a_real_chromium_store(home):
    from nodriver import cdp

    from g4f.auth.nodriver import open_browser

    profile = home / ".config" / "chromium"
    async with open_browser(headless=True, user_data_dir=profile) as browser:
        await browser.main_tab.send(cdp.network.set_cookie(
            name="sso", value=SSO, domain=".grok.com", path="/", secure=True, http_only=True,
            expires=cdp.network.TimeSinceEpoch(time.time() + 86400)))
        jar = await browser.main_tab.send(cdp.network.get_cookies(["https://grok.com/"]))
        assert [(c.name, c.value) for c in jar] == [("sso", SSO)]
    # Leaving the block quits the browser cleanly, which writes its cookie store.

    assert (profile / "Default" / "Cookies").exists()
    assert load_cookies_from_browsers(".grok.com") == {"sso": SSO}
    items = [item async for item in Grok.on_auth_async()]
    assert [type(item) for item in items] == [AuthResult] and items[0].cookies["sso"] == SSO


def test_missing_browser_cookie3_is_skipped_by_grok_but_named_when_asked(monkeypatch, home):
    import sys

    monkeypatch.setitem(sys.modules, "browser_cookie3", None)  # as if not installed
    with pytest.raises(g4f.errors.MissingRequirementsError, match=r'pip install "g4f\[browser\]"'):
        load_cookies_from_browsers(".grok.com")
    assert load_cookies_from_browsers(".grok.com", raise_requirements_error=False) == {}
    assert os.environ["HOME"] == str(home)
