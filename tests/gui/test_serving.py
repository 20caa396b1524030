"""How ``g4f api`` serves the web chat's files: headers, caching, what is public, ``--no-gui``,
``g4f gui``, and that the files ship with the package (no browser needed)."""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from g4f.api import create_app
from g4f.api.gui import CONTENT_SECURITY_POLICY, GUI_DIR

from ..api.test_server_process import wait_until_listening
from ..client.conftest import closed_port
from ..replicas.grok import JPEG

try:
    import tomllib
except ImportError:  # Python 3.10
    from pip._vendor import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
KEY = "g4f-gui-serving-key-0123456789"


@pytest.fixture
async def get(serve):
    """``await get(path, headers=None, **create_app options)`` -> (status, headers, body)."""
    session = aiohttp.ClientSession()
    servers = {}

    async def fetch(path, headers=None, method="GET", **options):
        key = tuple(sorted(options.items()))
        if key not in servers:
            servers[key] = await serve(create_app(**options))
        async with session.request(method, servers[key].url + path, headers=headers or {}) as response:
            return response.status, response.headers, await response.read()

    yield fetch
    await session.close()


def files():
    return sorted(path.relative_to(GUI_DIR).as_posix() for path in GUI_DIR.rglob("*") if path.is_file())


async def test_the_page_is_served_at_the_root_with_a_strict_policy(get):
    status, headers, body = await get("/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert body == (GUI_DIR / "index.html").read_bytes()
    policy = dict(directive.split(" ", 1) for directive in headers["Content-Security-Policy"].split("; "))
    assert policy["default-src"] == "'self'" and policy["script-src"] == "'self'"  # no inline, no eval
    assert "unsafe" not in headers["Content-Security-Policy"]
    assert policy["connect-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert policy["require-trusted-types-for"] == "'script'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY" and headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("name, content_type", [
    ("js/app.js", "text/javascript; charset=utf-8"),
    ("vendor/purify.es.mjs", "text/javascript; charset=utf-8"),
    ("style.css", "text/css; charset=utf-8"),
    ("favicon.svg", "image/svg+xml"),
])
async def test_each_file_has_its_type_and_the_same_headers(get, name, content_type):
    status, headers, body = await get(f"/gui/{name}")
    assert status == 200 and headers["Content-Type"] == content_type
    assert body == (GUI_DIR / name).read_bytes()
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert headers["X-Content-Type-Options"] == "nosniff"


async def test_caching_revalidates_with_a_content_hash(get):
    _, headers, body = await get("/gui/js/app.js")
    assert headers["Cache-Control"] == "no-cache"  # a browser asks again, so an upgrade is seen at once
    assert headers["ETag"].strip('"') == hashlib.sha256(body).hexdigest()[:32]
    status, again, body = await get("/gui/js/app.js", {"If-None-Match": headers["ETag"]})
    assert status == 304 and body == b"" and again["ETag"] == headers["ETag"]
    status, _, _ = await get("/gui/js/app.js", {"If-None-Match": '"something-else"'})
    assert status == 200


@pytest.mark.parametrize("path", [
    "/gui/nothing.js", "/gui/../api/gui.py", "/gui/%2e%2e/api/gui.py", "/gui/..%2fapi%2fgui.py",
    "/gui//etc/passwd", "/gui/js", "/gui/vendor/", "/index.html", "/gui/js/app.js%00.png",
])
async def test_only_the_pages_own_files_are_served(get, path):
    status, _, body = await get(path)
    assert status == 404, (path, body[:200])
    assert b"import " not in body and b"root:" not in body


async def test_the_page_is_public_when_the_api_needs_a_key(get):
    assert (await get("/", api_key=KEY))[0] == 200  # the page loads, then asks for the key
    assert (await get("/gui/js/api.js", api_key=KEY))[0] == 200
    status, _, body = await get("/v1/models", api_key=KEY)
    assert status == 401 and json.loads(body)["error"]["code"] == "invalid_api_key"
    assert (await get("/v1/models", {"Authorization": f"Bearer {KEY}"}, api_key=KEY))[0] == 200
    # Only reading the page's files is exempt: no other method, no path spelled to look like one.
    assert (await get("/", {"Content-Type": "application/json"}, method="POST", api_key=KEY))[0] == 401
    assert (await get("/gui/../v1/models", api_key=KEY))[0] == 401
    assert (await get("/gui/%2e%2e/v1/models", api_key=KEY))[0] in (401, 404)


async def test_the_page_is_refused_under_a_foreign_host_name(get):
    """DNS rebinding: a site whose name points at 127.0.0.1 gets no page (nor, then, the API)."""
    status, _, body = await get("/", {"Host": "attacker.example"})
    assert status == 421 and b"<html" not in body
    assert (await get("/", {"Host": "localhost"}))[0] == 200


async def test_no_gui_serves_the_api_alone(get):
    assert (await get("/", gui=False))[0] == 404
    assert (await get("/gui/js/app.js", gui=False))[0] == 404
    assert (await get("/v1/models", gui=False))[0] == 200


async def _grok_images(serve, monkeypatch):
    """grok.com's replica (and its address) with the server's login for it cached (as after a
    first chat), and a second site that counts what reaches it."""
    from aiohttp import web

    from g4f.auth.result import AuthResult
    from g4f.Provider.needs_auth.Grok import Grok

    from ..replicas.grok import serve_grok

    replica = await serve_grok(serve, monkeypatch)
    Grok.auth_cache().save(AuthResult(cookies={"sso": replica.sso}))
    reached: list[str] = []

    async def anything(request):
        reached.append(request.path)
        return web.Response(body=JPEG, content_type="image/jpeg")

    other = web.Application()
    other.router.add_get("/{path:.*}", anything)
    return replica, Grok.url, (await serve(other)).url, reached


def _image_path(provider, url):
    from urllib.parse import urlencode

    return "/v1/gui/image?" + urlencode({"provider": provider, "url": url})


async def test_a_providers_image_is_fetched_by_the_server_with_its_login(get, serve, monkeypatch, isolated_config):
    replica, grok, _, _ = await _grok_images(serve, monkeypatch)
    url = f"{grok}/assets/users/u-1/generated/r-0/image.jpg"
    status, headers, body = await get(_image_path("Grok", url))
    assert status == 200 and body == JPEG and headers["Content-Type"] == "image/jpeg"
    assert replica.asset_cookies == [{"sso": replica.sso}]  # the login's cookie, on grok.com's image host
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert headers["Cache-Control"].startswith("private")
    # With an API key, the image is an API route: the page sends the key.
    assert (await get(_image_path("Grok", url), api_key=KEY))[0] == 401
    assert (await get(_image_path("Grok", url), {"Authorization": f"Bearer {KEY}"}, api_key=KEY))[0] == 200
    assert (await get(_image_path("Grok", url), gui=False))[0] == 404


async def test_the_image_route_fetches_nothing_but_a_providers_own_images(get, serve, monkeypatch,
                                                                          isolated_config):
    _, grok, elsewhere, reached = await _grok_images(serve, monkeypatch)
    # Another host, even one on this machine: never asked.
    status, _, body = await get(_image_path("Grok", f"{elsewhere}/pixel.jpg"))
    assert status == 502 and b"own hosts" in body and reached == []
    # grok.com's own page is not an image: not passed on.
    status, _, body = await get(_image_path("Grok", f"{grok}/"))
    assert status == 502 and json.loads(body)["error"]["code"] == "not_an_image" and b"<html" not in body
    # A provider that makes no images, one that does not exist, and malformed queries.
    status, _, body = await get(_image_path("Groq", "https://api.groq.com/x.png"))
    assert status == 400 and b"makes no images" in body
    assert (await get(_image_path("NoSuchProvider", f"{elsewhere}/x.jpg")))[0] == 404
    assert (await get(_image_path("Grok", "file:///etc/passwd")))[0] == 400
    assert (await get(_image_path("", f"{elsewhere}/x.jpg")))[0] == 400
    assert (await get(_image_path("Grok", "https://assets.grok.com/" + "a" * 5000)))[0] == 400
    assert reached == []


def test_the_page_uses_no_inline_script_or_style_and_only_relative_urls():
    page = (GUI_DIR / "index.html").read_text()
    assert not re.search(r"<script(?![^>]*\ssrc=)", page), "inline script"
    assert not re.search(r"\son\w+=", page), "inline event handler"
    assert "<style" not in page and " style=" not in page
    for url in re.findall(r'(?:src|href)="([^"]*)"', page):
        assert not re.match(r"^(?:[a-z]+:)?//|^/", url), f"{url}: the page must use relative URLs"
    scripts = "\n".join(path.read_text() for path in (GUI_DIR / "js").glob("*.js"))
    assert "innerHTML" not in scripts and "eval(" not in scripts and "new Function" not in scripts
    assert not re.search(r"fetch\(\s*[\"'`](?:https?:)?//", scripts), "the page fetches its own origin only"


def test_every_file_ships_with_the_package():
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["g4f"]
    missing = [name for name in files() if not any(fnmatch.fnmatch(f"gui/{name}", glob) for glob in globs)]
    assert not missing, f"add to [tool.setuptools.package-data]: {missing}"
    assert {"index.html", "style.css", "js/app.js", "vendor/marked.esm.js", "vendor/purify.es.mjs"} <= set(files())


def test_the_vendored_libraries_are_the_pinned_ones_with_their_licenses():
    manifest = json.loads((GUI_DIR / "vendor" / "VENDOR.json").read_text())
    assert set(manifest) == {"marked", "dompurify"}
    for name, entry in manifest.items():
        assert entry["integrity"].startswith("sha512-")
        for file, digest in entry["files"].items():
            data = (GUI_DIR / "vendor" / file).read_bytes()
            assert hashlib.sha256(data).hexdigest() == digest, f"{file} differs from {name} {entry['version']}"
        assert any(file.startswith("LICENSE") for file in entry["files"]), f"{name} has no license"
    # The banners say the same versions.
    assert f"marked v{manifest['marked']['version']}" in (GUI_DIR / "vendor/marked.esm.js").read_text()[:300]
    assert f"DOMPurify {manifest['dompurify']['version']}" in (GUI_DIR / "vendor/purify.es.mjs").read_text()[:300]
    script = (ROOT / "scripts" / "vendor-gui.py").read_text()
    for name, entry in manifest.items():
        assert f'Package("{name}", "{entry["version"]}"' in script, "the refresh script pins these versions"


# -- the commands ---------------------------------------------------------------------------------


def _start(args, tmp_path, env_extra=None):
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(env_extra or {}, G4F_CONFIG_DIR=str(tmp_path))
    return subprocess.Popen([sys.executable, "-m", "g4f.cli", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        return process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_g4f_api_prints_the_pages_address_and_no_gui_drops_it(tmp_path):
    port = closed_port()
    process = _start(["api", "--port", str(port)], tmp_path)
    try:
        wait_until_listening(port, process)
    finally:
        _, stderr = _stop(process)
    assert f"g4f web chat on http://127.0.0.1:{port}/ " in stderr
    assert f"g4f API on http://127.0.0.1:{port}/v1" in stderr

    port = closed_port()
    process = _start(["api", "--port", str(port), "--no-gui"], tmp_path)
    try:
        wait_until_listening(port, process)
    finally:
        _, stderr = _stop(process)
    assert "web chat" not in stderr and f"g4f API on http://127.0.0.1:{port}/v1" in stderr


def test_g4f_gui_opens_the_page_in_the_browser(tmp_path):
    """``$BROWSER`` is what Python's webbrowser runs: here a script that notes the address."""
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.py"
    browser.write_text(f"import sys, pathlib\npathlib.Path({str(opened)!r}).write_text(sys.argv[1])\n")
    port = closed_port()
    process = _start(["gui", "--port", str(port)], tmp_path, {"BROWSER": f"{sys.executable} {browser} %s"})
    try:
        wait_until_listening(port, process)
        deadline = time.monotonic() + 20
        while not opened.exists() and time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()
            time.sleep(0.1)
    finally:
        _, stderr = _stop(process)
    assert opened.read_text() == f"http://127.0.0.1:{port}/", stderr
    assert f"g4f web chat on http://127.0.0.1:{port}/" in stderr and process.returncode == 0


def test_g4f_gui_takes_the_options_of_g4f_api():
    from g4f.cli.gui import page_url

    result = subprocess.run([sys.executable, "-m", "g4f.cli", "gui", "--help"], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0
    for option in ("--host", "--port", "--api-key", "--max-body-size"):
        assert option in result.stdout
    assert "--no-gui" not in result.stdout
    assert page_url("0.0.0.0", 1337) == "http://127.0.0.1:1337/" and page_url("::1", 8080) == "http://[::1]:8080/"
