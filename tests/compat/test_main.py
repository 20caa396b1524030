"""``import g4f`` and the top level, as gpt4free scripts use them (gpt4free's
``etc/unittest/main.py``, ``asyncio.py`` and ``__main__.py``): the subpackages as attributes,
loaded on first access (``import g4f`` stays cheap), ``g4f.debug``'s flags, the version, and
``g4f.ChatCompletion`` over every provider kind."""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import io
import json
import logging
import os
import subprocess
import sys
import threading
import unittest
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import g4f
import g4f.debug
from g4f import ChatCompletion
from g4f.errors import VersionNotFoundError

from .mocks import AsyncGeneratorProviderMock, AsyncProviderMock, ProviderMock

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_MESSAGES = [{"role": "user", "content": "Hello"}]
ATTRIBUTES = ["models", "Provider", "errors", "client", "providers", "cookies", "debug", "version"]


def fresh(code: str) -> object:
    """Run ``code`` in a fresh interpreter (nothing of g4f loaded); it prints one JSON value last."""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            check=False, env={"PATH": "/usr/bin:/bin", "G4F_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


class TestTopLevelAttributes(unittest.TestCase):
    def test_subpackages_are_attributes_after_import_g4f(self):
        seen = fresh(
            "import json, sys, types\n"
            "import g4f\n"
            f"names = {ATTRIBUTES!r}\n"
            "loaded = {n: f'g4f.{n}' in sys.modules for n in names}\n"
            "kinds = {n: isinstance(getattr(g4f, n), types.ModuleType) for n in names}\n"
            "print(json.dumps([loaded, kinds]))\n"
        )
        loaded, kinds = seen
        # errors and version come with g4f itself; everything else is loaded by the attribute access.
        self.assertEqual({name for name, was in loaded.items() if was}, {"errors", "version"})
        self.assertEqual(kinds, dict.fromkeys(ATTRIBUTES, True))

    def test_attributes_are_the_modules(self):
        import g4f.client
        import g4f.cookies
        import g4f.models
        import g4f.Provider

        self.assertIs(g4f.models, sys.modules["g4f.models"])
        self.assertIs(g4f.client, sys.modules["g4f.client"])
        self.assertIs(g4f.Provider, sys.modules["g4f.Provider"])
        self.assertIs(g4f.providers, sys.modules["g4f.providers"])
        self.assertIs(g4f.debug, sys.modules["g4f.debug"])
        self.assertTrue(callable(g4f.models.ModelUtils.convert.get))
        self.assertIsNotNone(g4f.Provider.Groq)
        self.assertTrue(issubclass(g4f.errors.ModelNotFoundError, g4f.errors.G4FError))

    def test_gpt4free_top_level_names(self):
        from g4f.client import AsyncClient, Client
        from g4f.client.service import get_model_and_provider
        from g4f.models import Model

        self.assertIs(g4f.get_cookies, g4f.cookies.get_cookies)
        self.assertIs(g4f.Client, Client)
        self.assertIs(g4f.AsyncClient, AsyncClient)
        self.assertIs(g4f.Model, Model)
        self.assertIs(g4f.get_model_and_provider, get_model_and_provider)

    def test_get_cookies_is_the_same_function_without_importing_cookies_at_import(self):
        seen = fresh(
            "import json, sys\n"
            "import g4f\n"
            "before = 'g4f.cookies' in sys.modules\n"
            "same = g4f.get_cookies is g4f.cookies.get_cookies\n"
            "print(json.dumps([before, same]))\n"
        )
        self.assertEqual(seen, [False, True])

    def test_an_unknown_attribute_is_an_attribute_error(self):
        with self.assertRaises(AttributeError):
            _ = g4f.no_such_thing
        self.assertFalse(hasattr(g4f, "no_such_thing"))


class TestDebug(unittest.TestCase):
    def setUp(self):
        self.lines: list[str] = []
        self.addCleanup(g4f.debug.disable_logging)
        self.addCleanup(setattr, g4f.debug, "log_handler", print)

    def handler(self, *text, file=None):
        self.lines.append(" ".join(map(str, text)))

    def test_logging_true_turns_on_g4f_s_log_output(self):
        g4f.debug.log_handler = self.handler
        logging.getLogger("g4f").debug("before")
        g4f.debug.logging = True
        logging.getLogger("g4f").debug("while %s", "on")
        g4f.debug.log("from", "a provider")
        g4f.debug.error(RuntimeError("boom"))
        g4f.debug.logging = False
        logging.getLogger("g4f").debug("after")
        self.assertEqual(self.lines, ["g4f: DEBUG: while on", "g4f: DEBUG: from a provider",
                                      "g4f: ERROR: RuntimeError: boom"])
        self.assertEqual(g4f.debug.logs[-3:], self.lines)

    def test_enable_logging_with_a_handler(self):
        g4f.debug.enable_logging(self.handler)
        self.assertTrue(g4f.debug.logging)
        ChatCompletion.create("", DEFAULT_MESSAGES, AsyncGeneratorProviderMock)  # g4f logs what it does
        g4f.debug.disable_logging()
        self.assertFalse(g4f.debug.logging)
        count = len(self.lines)
        logging.getLogger("g4f").warning("not shown any more")
        self.assertEqual(len(self.lines), count)

    def test_the_default_handler_prints_to_stderr(self):
        stderr = io.StringIO()
        self.addCleanup(setattr, sys, "stderr", sys.stderr)
        sys.stderr = stderr
        g4f.debug.logging = True
        logging.getLogger("g4f").info("to stderr")
        g4f.debug.logging = False
        self.assertEqual(stderr.getvalue(), "g4f: INFO: to stderr\n")

    def test_secrets_are_masked_in_what_it_prints(self):
        from g4f.secrets import register_secret

        secret = "gsk_debugFlagSecret0123456789"
        register_secret(secret)
        g4f.debug.enable_logging(self.handler)
        logging.getLogger("g4f.child").debug("key %s", secret)
        self.assertEqual(len(self.lines), 1)
        self.assertNotIn(secret, self.lines[0])

    def test_version_check_is_accepted(self):
        g4f.debug.version_check = False  # what gpt4free's scripts and tests do first
        self.assertFalse(g4f.debug.version_check)


class TestGetLastProvider(unittest.TestCase):
    """gpt4free's version test, with the package index played on loopback (``G4F_PYPI_URL``)."""

    def test_get_latest_version(self):
        current_version = g4f.version.utils.current_version
        if current_version is not None:
            self.assertIsInstance(g4f.version.utils.current_version, str)
        with _index_answering(b'{"info": {"version": "9.9.9"}}') as url, mock.patch.dict(os.environ, G4F_PYPI_URL=url):
            self.assertEqual(g4f.version.utils.latest_version, "9.9.9")
        with (_index_answering(b"not json") as url, mock.patch.dict(os.environ, G4F_PYPI_URL=url),
              self.assertRaises(VersionNotFoundError)):
            _ = g4f.version.utils.latest_version


@contextlib.contextmanager
def _index_answering(body: bytes) -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/pypi/g4f/json"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class TestChatCompletion(unittest.TestCase):
    async def run_exception(self):
        return ChatCompletion.create(g4f.models.default, DEFAULT_MESSAGES, AsyncProviderMock)

    def test_exception(self):
        self.assertRaises(g4f.errors.NestAsyncioError, asyncio.run, self.run_exception())

    def test_create(self):
        result = ChatCompletion.create(g4f.models.default, DEFAULT_MESSAGES, AsyncProviderMock)
        self.assertEqual("Mock", result)

    def test_create_generator(self):
        result = ChatCompletion.create(g4f.models.default, DEFAULT_MESSAGES, AsyncGeneratorProviderMock)
        self.assertEqual("Mock", result)

    def test_create_sync_provider(self):
        self.assertEqual("Mock", ChatCompletion.create(g4f.models.default, DEFAULT_MESSAGES, ProviderMock))
        self.assertEqual(["Mock"], list(map(str, ChatCompletion.create("", DEFAULT_MESSAGES, ProviderMock,
                                                                       stream=True)))[1:])


class TestChatCompletionAsync(unittest.IsolatedAsyncioTestCase):
    async def test_base(self):
        result = await ChatCompletion.create_async(g4f.models.default, DEFAULT_MESSAGES, ProviderMock)
        self.assertEqual("Mock", result)

    async def test_async(self):
        result = await ChatCompletion.create_async(g4f.models.default, DEFAULT_MESSAGES, AsyncProviderMock)
        self.assertEqual("Mock", result)

    async def test_create_generator(self):
        result = await ChatCompletion.create_async(g4f.models.default, DEFAULT_MESSAGES, AsyncGeneratorProviderMock)
        self.assertEqual("Mock", result)


if __name__ == "__main__":
    unittest.main()
