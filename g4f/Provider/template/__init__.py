"""Bases that turn a kind of upstream into a declaration.

* ``OpenaiTemplate``: any OpenAI-compatible chat API.
* ``WireProvider``: an API with a wire protocol of its own (SSE or NDJSON); the author writes
  ``build_payload`` and a ``WireAnswer`` (``feed(event) -> events``).
* ``WireAuthedProvider``: the same for a web app with a login (cookies, a browser login).

Each lives in a module named after it and is imported on first use.
"""

from .._lazy import make_lazy_package

make_lazy_package(__name__)
