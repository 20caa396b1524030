"""``g4f api`` as users run it, with Groq and Grok pointed at local replicas.

``python -m tests.scale.serve --groq URL --grok URL -- <g4f api options>`` moves Groq's and
Grok's addresses (only those: the provider code is unchanged) to the replicas and runs the real
command line. Workers are forked from this process, so each of them sees the same addresses.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--groq", required=True, help="the Groq replica's base URL")
    parser.add_argument("--grok", required=True, help="the Grok replica's root URL")
    ours, rest = parser.parse_known_args(argv)
    if rest[:1] == ["--"]:
        rest = rest[1:]

    from g4f.cli import main as g4f
    from g4f.Provider.needs_auth.Grok import Grok
    from g4f.Provider.needs_auth.Groq import Groq

    Groq.api_base = ours.groq
    Groq.max_retries = 0  # one upstream request per API request: the replica's counts say what happened
    Grok.url = ours.grok
    Grok.conversation_url = f"{ours.grok}/rest/app-chat/conversations"
    Grok.assets_url = f"{ours.grok}/assets"
    return g4f(["api", *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
