"""Tool calling for models that have none: tools written into the prompt, calls read from the answer.

Providers declare how they call tools (``tool_calling`` on
:class:`~g4f.providers.types.BaseProvider`): ``"native"`` passes ``tools`` to an upstream with
function calling, ``"prompt"`` (web apps such as grok.com) uses this package, ``None`` refuses a
request with tools (400). The parts, each without I/O:

* :mod:`.request`: the request's ``tools``, ``tool_choice`` and ``parallel_tool_calls``, checked;
  the loop guard's setting (:func:`configure`);
* :mod:`.prompt`: the fixed format the tools, calls and results are written in;
* :mod:`.parse`: the scanner that finds calls in the streamed answer;
* :mod:`.schema`: the check of a call's arguments against its JSON Schema.

The call boundary (:mod:`g4f.providers.adapt`) puts them together around one provider.
"""

from __future__ import annotations

from .parse import CallScanner, ParsedCall, parse
from .prompt import render
from .request import DEFAULT_MAX_REPEATS, Tool, ToolRequest, configure, max_repeats
from .schema import schema_error

__all__ = ["DEFAULT_MAX_REPEATS", "CallScanner", "ParsedCall", "Tool", "ToolRequest", "configure", "max_repeats",
           "parse", "render", "schema_error"]
