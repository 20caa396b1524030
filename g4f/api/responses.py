"""JSON answers of the API server (one encoder, orjson when installed)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..requests.jsonlib import dumps

__all__ = ["json_response"]


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=dumps(data), status=status, headers=headers, content_type="application/json")
