"""The server's settings of issue 16 (``g4f api --history-entries/--history-ttl/--tool-call-repeats``):
read from the command line, refused in words when out of range, and applied to the history store
and the loop guard while the app runs (restored when it stops)."""

from __future__ import annotations

import argparse

import pytest

from g4f.api import create_app
from g4f.cli.serve import add_arguments, settings
from g4f.providers import history
from g4f.providers.tools import max_repeats


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


def test_the_options_reach_the_settings():
    chosen = settings(parse("--history-entries", "50", "--history-ttl", "120", "--tool-call-repeats", "5"),
                      "127.0.0.1", 1337)
    assert (chosen.history_entries, chosen.history_ttl, chosen.tool_call_repeats) == (50, 120.0, 5)
    default = settings(parse(), "127.0.0.1", 1337)
    assert (default.history_entries, default.history_ttl, default.tool_call_repeats) == (
        history.DEFAULT_MAX_ENTRIES, history.DEFAULT_TTL, 3)


@pytest.mark.parametrize("argv", [("--history-entries", "-1"), ("--history-ttl", "soon"),
                                  ("--tool-call-repeats", "0")])
def test_out_of_range_options_are_refused(argv, capsys):
    with pytest.raises(SystemExit):
        parse(*argv)
    assert argv[0] in capsys.readouterr().err


async def test_the_app_applies_them_while_it_runs(serve):
    server = await serve(create_app(history_entries=0, tool_call_repeats=7))
    assert not history.enabled() and max_repeats() == 7
    await server.close()
    assert history.enabled() and max_repeats() == 3
