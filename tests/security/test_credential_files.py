"""Issue 14, points 7 to 11: the files that hold credentials (auth cache, cookie files, the folder).

Each test first does what the issue found: concurrent saves failing and read half-written, a
symlink planted at the temporary name, at the cache path or in the cookie folder (followed,
written through, chmod'ed), temporary files with the ``sso`` cookie left behind by ``kill -9``,
cache files of the wrong shape crashing every later run, and a 0777 config folder left so.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from g4f.auth.cache import AuthCache
from g4f.auth.result import AuthResult
from g4f.config import auth_dir, write_private_file
from g4f.cookies import read_cookie_files
from g4f.providers.base_provider import AsyncAuthedProvider

pytestmark = pytest.mark.skipif(os.name != "posix", reason="modes, symlinks and flock are POSIX's")

SSO = "sso-SENTINELcredFile7Qz9Lm2Xv4"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def leftovers(folder: Path) -> list[str]:
    """Files in ``folder`` besides the cache files and their lock files."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith((".json", ".lock")))


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "g4f" and r.levelno == logging.WARNING]


# -- point 7: concurrent saves --------------------------------------------------------------------
def test_four_threads_saving_and_one_reading_see_no_error_and_no_half_written_file(isolated_config):
    cache = AuthCache("Grok")
    cache.save(AuthResult(cookies={"sso": SSO + "-start"}))
    errors: list[BaseException] = []
    invalid: list[Any] = []
    stop = threading.Event()

    def save(worker: int) -> None:
        try:
            for i in range(150):
                # big enough that a write is not one syscall
                cache.save(AuthResult(cookies={"sso": f"{SSO}-{worker}-{i}"}, padding="p" * 20_000))
        except BaseException as exc:  # noqa: BLE001 - every failure is what this test counts
            errors.append(exc)

    def read() -> None:
        while not stop.is_set():
            result = cache.load()
            if result is None or not result.cookies.get("sso", "").startswith(SSO):
                invalid.append(result)

    reader = threading.Thread(target=read)
    reader.start()
    savers = [threading.Thread(target=save, args=(n,)) for n in range(4)]
    for thread in savers:
        thread.start()
    for thread in savers:
        thread.join()
    stop.set()
    reader.join()
    assert errors == []
    assert invalid == []
    assert leftovers(auth_dir()) == []
    assert mode(cache.path) == 0o600


SAVER = """
import sys
from g4f.auth.cache import AuthCache
from g4f.auth.result import AuthResult
cache = AuthCache("Grok")
for i in range(int(sys.argv[2])):
    cache.save(AuthResult(cookies={"sso": f"{sys.argv[1]}-{i}"}, padding="p" * int(sys.argv[3])))
    print(i, flush=True)
"""


def saver(config: Path, tag: str, count: int, padding: int = 20_000) -> subprocess.Popen[str]:
    env = {**os.environ, "G4F_CONFIG_DIR": str(config)}
    return subprocess.Popen([sys.executable, "-c", SAVER, tag, str(count), str(padding)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_processes_saving_at_once_see_no_error(isolated_config):
    processes = [saver(isolated_config, f"{SSO}-p{n}", 100) for n in range(3)]
    cache = AuthCache("Grok")
    invalid = 0
    while any(process.poll() is None for process in processes):
        if cache.exists():
            result = cache.load()
            invalid += result is None or not result.cookies["sso"].startswith(SSO)
    for process in processes:
        _, stderr = process.communicate()
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr
    assert invalid == 0
    assert leftovers(auth_dir()) == []


# -- point 8: symlinks ----------------------------------------------------------------------------
@pytest.fixture
def outside(tmp_path) -> Path:
    """A file elsewhere, readable by all, that a planted symlink points to."""
    target = tmp_path / "outside" / "target.json"
    target.parent.mkdir()
    target.write_text(json.dumps({"cookies": {"sso": "attacker-chosen-cookie"}}))
    target.chmod(0o644)
    return target


def test_a_symlink_at_the_temporary_name_is_never_written_through(isolated_config, outside, caplog):
    folder = auth_dir()
    folder.mkdir(parents=True, mode=0o700)
    before = outside.read_text()
    # the name the cache used to write to (it depended only on the pid), and another one like it
    for name in (f".Grok.json.{os.getpid()}.tmp", ".Grok.json.abc123.tmp"):
        (folder / name).symlink_to(outside)
    AuthCache("Grok").save(AuthResult(cookies={"sso": SSO}))
    assert outside.read_text() == before and mode(outside) == 0o644
    assert SSO not in outside.read_text()
    assert leftovers(folder) == []  # the planted links are removed (the links, not their target)
    assert outside.exists()
    assert AuthCache("Grok").load().cookies == {"sso": SSO}
    assert any("symlink" in message for message in warnings_of(caplog))


def test_a_symlink_at_the_cache_path_is_not_followed(isolated_config, outside, caplog):
    folder = auth_dir()
    folder.mkdir(parents=True, mode=0o700)
    cache = AuthCache("Grok")
    cache.path.symlink_to(outside)
    assert cache.load() is None
    assert not cache.exists()
    assert mode(outside) == 0o644  # never chmod'ed
    assert [m for m in warnings_of(caplog) if "symlink" in m and "Grok.json" in m]
    cache.save(AuthResult(cookies={"sso": SSO}))  # replaces the link itself
    assert not cache.path.is_symlink() and mode(cache.path) == 0o600
    assert "attacker-chosen-cookie" in outside.read_text() and SSO not in outside.read_text()
    assert cache.load().cookies == {"sso": SSO}


def test_a_symlink_in_the_cookie_folder_is_not_followed(isolated_config, outside, caplog):
    folder = isolated_config / "cookies"
    write_private_file(folder / "good.json", json.dumps({".grok.com": {"sso": SSO}}))
    outside.write_text(json.dumps({".grok.com": {"sso-rw": "from-the-link"}}))
    outside.chmod(0o644)
    (folder / "evil.json").symlink_to(outside)
    assert read_cookie_files(".grok.com") == {"sso": SSO}
    assert mode(outside) == 0o644
    assert [m for m in warnings_of(caplog) if "symlink" in m and "evil.json" in m]


def test_a_symlinked_cookie_folder_is_not_followed(isolated_config, tmp_path, caplog):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o755)
    (elsewhere / "grok.json").write_text(json.dumps({".grok.com": {"sso": "from-the-linked-folder"}}))
    (isolated_config / "cookies").symlink_to(elsewhere, target_is_directory=True)
    assert read_cookie_files(".grok.com") == {}
    assert mode(elsewhere) == 0o755
    assert [m for m in warnings_of(caplog) if "symlink" in m]


def test_a_fifo_at_the_cache_path_does_not_hang(isolated_config, caplog):
    auth_dir().mkdir(parents=True, mode=0o700)
    os.mkfifo(AuthCache("Grok").path)
    assert AuthCache("Grok").load() is None  # opened without blocking, refused as not a file


# -- point 9: kill -9 -----------------------------------------------------------------------------
def test_kill_9_during_saves_leaves_no_secret_after_the_next_save(isolated_config):
    folder = auth_dir()
    process = saver(isolated_config, f"{SSO}-killed", 100_000, padding=1_000_000)
    try:
        assert process.stdout is not None
        process.stdout.readline()  # saving in a loop from now on
        # Stopped at random points until one falls inside a write (a temporary file exists), then
        # killed there: what kill -9 during a save does, made certain rather than left to chance.
        for _ in range(2000):
            process.send_signal(signal.SIGSTOP)
            if leftovers(folder):
                break
            process.send_signal(signal.SIGCONT)
            time.sleep(0.002)
        assert leftovers(folder), "no stop fell inside a write"
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate()
    assert any(SSO in (folder / name).read_text(errors="replace") for name in leftovers(folder)) \
        or leftovers(folder)  # the temporary file may be killed before its first byte
    AuthCache("Grok").save(AuthResult(cookies={"sso": SSO + "-after"}))
    assert leftovers(folder) == []
    assert AuthCache("Grok").load().cookies == {"sso": SSO + "-after"}


def test_logging_out_removes_temporary_files_too(isolated_config):
    folder = auth_dir()
    AuthCache("Grok").save(AuthResult(cookies={"sso": SSO}))
    stale = folder / ".Grok.json.x1y2z3.tmp"  # what a killed writer leaves
    stale.write_text(json.dumps({"cookies": {"sso": SSO}}))
    AuthCache("Grok").invalidate()
    assert not AuthCache("Grok").exists()
    assert leftovers(folder) == []


def test_a_failed_write_leaves_no_temporary_file_and_the_old_file_whole(isolated_config, monkeypatch, caplog):
    cache = AuthCache("Grok")
    cache.save(AuthResult(cookies={"sso": SSO}))

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(os, "fsync", full)
        cache.save(AuthResult(cookies={"sso": SSO + "-new"}))  # logged, not raised: the login still works
    assert [m for m in warnings_of(caplog) if "No space left on device" in m]
    assert leftovers(auth_dir()) == []
    assert cache.load().cookies == {"sso": SSO}


# -- point 10: wrong shapes -----------------------------------------------------------------------
WRONG_SHAPES = {
    "Cookie header a number": json.dumps({"headers": {"Cookie": 5}}),
    "cookie value a list": json.dumps({"cookies": {"sso": ["x"]}}),
    "100,000 nested [": "[" * 100_000,
    "not an object": json.dumps(["cookies"]),
    "cookies a string": json.dumps({"cookies": "sso=x"}),
    "api_key a number": json.dumps({"api_key": 12345678}),
    "a reserved name": json.dumps({"self": 1}),
    "an extra that is no name": json.dumps({"not a name": 1}),
    "not UTF-8": b"\xff\xfe{}",
    "not JSON": "{cookies",
    "too big": json.dumps({"cookies": {"sso": "x" * (5 * 1024 * 1024)}}),
}


@pytest.mark.parametrize("content", WRONG_SHAPES.values(), ids=WRONG_SHAPES.keys())
def test_a_cache_file_of_the_wrong_shape_is_discarded_with_one_warning(isolated_config, caplog, content):
    cache = AuthCache("Grok")
    cache.path.parent.mkdir(parents=True, mode=0o700)
    data = content if isinstance(content, bytes) else content.encode()
    cache.path.write_bytes(data)
    cache.path.chmod(0o600)
    assert cache.load() is None
    assert len(warnings_of(caplog)) == 1 and "Grok.json" in warnings_of(caplog)[0]
    assert not cache.exists()  # discarded: the next run logs in again instead of failing again
    assert cache.load() is None and len(warnings_of(caplog)) == 1


class Login(AsyncAuthedProvider):
    """Logs in by yielding fresh credentials; answers with the cookie it was given."""

    working = True
    logins = 0

    @classmethod
    async def on_auth_async(cls, **kwargs: Any):
        cls.logins += 1
        yield AuthResult(cookies={"sso": f"{SSO}-login-{cls.logins}"})

    @classmethod
    async def create_authed(cls, model, messages, auth_result, **kwargs):
        yield auth_result.cookies["sso"]


async def test_the_next_run_logs_in_again_after_a_bad_cache_file(isolated_config, caplog):
    Login.logins = 0
    cache = Login.auth_cache()
    cache.path.parent.mkdir(parents=True, mode=0o700)
    cache.path.write_text(json.dumps({"headers": {"Cookie": 5}}))
    answer = [chunk async for chunk in Login.create_async_generator("m", [{"role": "user", "content": "hi"}])]
    assert answer == [f"{SSO}-login-1"] and Login.logins == 1
    assert cache.load().cookies == {"sso": f"{SSO}-login-1"}  # the fresh login replaced it
    answer = [chunk async for chunk in Login.create_async_generator("m", [{"role": "user", "content": "hi"}])]
    assert answer == [f"{SSO}-login-1"] and Login.logins == 1  # and is used from then on


def test_good_shapes_round_trip(isolated_config):
    result = AuthResult(cookies={"sso": SSO}, headers={"Cookie": f"sso={SSO}", "user-agent": "UA"},
                        api_key="key-SENTINEL7Qz9Lm2Xv4", impersonate="chrome", expires=1.5, options={"a": [1, 2]})
    AuthCache("Grok").save(result)
    loaded = AuthCache("Grok").load()
    assert loaded.to_dict() == result.to_dict()


# -- point 11: the folder -------------------------------------------------------------------------
@pytest.mark.parametrize("wide", [0o777, 0o775, 0o757])
def test_a_config_folder_others_can_write_to_is_tightened_with_a_warning(isolated_config, caplog, wide):
    isolated_config.chmod(wide)
    AuthCache("Grok").save(AuthResult(cookies={"sso": SSO}))
    assert mode(isolated_config) == 0o700 and mode(auth_dir()) == 0o700
    assert [m for m in warnings_of(caplog) if str(isolated_config) in m and "700" in m]


def test_the_folders_in_it_are_private_even_from_readers(isolated_config, caplog):
    """Others may list a 0755 config folder (its files are 0600); the folders in it are g4f's alone."""
    isolated_config.chmod(0o755)
    auth_dir().mkdir(mode=0o755)
    auth_dir().chmod(0o755)
    AuthCache("Grok").save(AuthResult(cookies={"sso": SSO}))
    assert mode(isolated_config) == 0o755 and mode(auth_dir()) == 0o700
    assert mode(AuthCache("Grok").path) == 0o600


def test_a_new_config_folder_is_private(tmp_path, monkeypatch):
    config = tmp_path / "new" / "g4f"
    monkeypatch.setenv("G4F_CONFIG_DIR", str(config))
    AuthCache("Grok").save(AuthResult(cookies={"sso": SSO}))
    assert mode(config) == 0o700 and mode(config / "auth") == 0o700 and mode(config / "auth" / "Grok.json") == 0o600


def test_a_shared_sticky_folder_is_never_chmod_ed(tmp_path, monkeypatch, caplog):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)  # like /tmp
    monkeypatch.setenv("G4F_CONFIG_DIR", str(shared))
    AuthCache("Grok").save(AuthResult(cookies={"sso": SSO}))  # refused, with a warning
    assert [m for m in warnings_of(caplog) if "G4F_CONFIG_DIR" in m]
    assert mode(shared) == 0o1777
    assert not (shared / "auth").exists()
