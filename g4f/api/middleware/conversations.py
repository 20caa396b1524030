"""Conversations recovered from history, per API key, and the tool loop guard, as the server's
settings say.

Chat clients resend the whole history each turn; the call boundary continues the provider's
conversation from it (:mod:`g4f.providers.history`). Here the server says whose history a
request recovers: the API key it presented (``request[API_KEY_ID]``, a name that does not reveal
the key), or one ``anonymous`` scope on a server that needs no key, so a user never continues
another user's conversation. The exchanges live in a :class:`g4f.shared.Store` named
``conversations`` (``--history-entries``, ``--history-ttl``): this worker's memory, or Redis for
every worker and instance under ``--redis``. ``--tool-call-repeats`` sets the loop guard of tool
calling through the prompt (:mod:`g4f.providers.tools`).
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from ...providers import history
from ...providers.tools import request as tools
from ..settings import ServerSettings
from .auth import API_KEY_ID

__all__ = ["STORE_NAME", "conversation_scope", "install_conversations"]

#: The shared store the exchanges are kept in (Redis keys ``g4f:kv:conversations:...``).
STORE_NAME = "conversations"


@web.middleware
async def conversation_scope(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The request recovers the conversations of the API key it presented (after the key check)."""
    with history.scoped(request.get(API_KEY_ID) or "anonymous"):
        return await handler(request)


def install_conversations(app: web.Application, settings: ServerSettings) -> None:
    """Configure the history store and the loop guard from ``settings``; scope every request."""
    from ...shared.store import Store

    entries, ttl = settings.history_entries, settings.history_ttl
    store = Store(STORE_NAME, max_entries=entries, ttl=ttl) if entries > 0 and ttl > 0 else None
    history.configure(max_entries=entries, ttl=ttl, store=store)
    tools.configure(max_repeats=settings.tool_call_repeats)
    app.middlewares.append(conversation_scope)

    async def restore_defaults(app: web.Application) -> None:
        history.configure(max_entries=history.DEFAULT_MAX_ENTRIES, ttl=history.DEFAULT_TTL, store=None)
        tools.configure(max_repeats=tools.DEFAULT_MAX_REPEATS)

    app.on_cleanup.append(restore_defaults)
