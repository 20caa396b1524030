"""gpt4free's ``g4f api`` with its ``Custom`` provider pointed at the benchmark's upstream.

Runs with the interpreter of gpt4free's own venv (``bench/proxy_servers.py`` starts it), never
in this project's environment: the ``g4f`` imported here is gpt4free's package from PyPI.

    <gpt4free venv>/bin/python bench/proxy_gpt4free.py http://127.0.0.1:<upstream>/v1 <port>

``Custom`` is gpt4free's provider for "an OpenAI-compatible server of your own"; its base URL is
a class attribute (``http://localhost:8080/v1``) with no setting or variable to change it, so it
is set here, the one line that differs from a user's server. Then gpt4free's own command line
starts its server: the API without its web GUI, on loopback, with no download of extra
providers at startup (there is no internet here) and no cookie files read.
"""

from __future__ import annotations

import sys


def main(upstream: str, port: str) -> None:
    from g4f.Provider.needs_auth.Custom import Custom  # gpt4free's, in its venv

    Custom.base_url = upstream
    from g4f.cli import main as g4f_main

    sys.argv = ["g4f", "api", "--bind", f"127.0.0.1:{port}", "--no-gui", "--disable-pa-auto-download",
                "--ignore-cookie-files"]
    g4f_main()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
