"""``POST /v1/images/generations``: OpenAI's images API over the providers that make images.

The body is checked here (known fields only), then ``AsyncClient().images.generate`` picks the
provider (``provider``, else the first usable one that makes ``model``'s images), asks it through
the call boundary and, for ``response_format: "b64_json"``, fetches each image with the
provider's own credentials (:mod:`g4f.client.images`). A provider that makes no images is a 400
naming it. The answer is OpenAI's ``ImagesResponse``: ``{"created", "data": [{"url" | "b64_json",
"revised_prompt"}]}``, plus the ``provider`` that made them.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..client import AsyncClient
from .body import read_json
from .errors import ApiError
from .request_fields import Check, checked, integer, string
from .responses import json_response

__all__ = ["FIELDS", "routes"]

routes = web.RouteTableDef()
# No request may start a browser or a process on the server's machine (``login=False``).
_client = AsyncClient(login=False)


def _provider(name: str, value: Any) -> Any:
    if not isinstance(value, str) or not value:
        raise ApiError(400, f"{name}: must be a provider name", param=name)
    return value


#: The fields a request may hold; ``quality``, ``style``, ``background`` and the like go to
#: providers that pass the request through (OpenAI, xAI).
FIELDS: dict[str, Check] = {
    "prompt": string,
    "model": string,
    "n": integer(1),
    "response_format": string,
    "size": string,
    "quality": string,
    "style": string,
    "user": string,
    "background": string,
    "output_format": string,
    "output_compression": integer(0),
    "moderation": string,
    "provider": _provider,
}


@routes.post("/v1/images/generations")
@routes.post("/images/generations")
async def generate_images(request: web.Request) -> web.Response:
    fields = checked(await read_json(request), FIELDS)
    if "prompt" not in fields:
        raise ApiError(400, "prompt: is required", param="prompt")
    images = await _client.images.generate(**fields)
    return json_response(images.to_dict())
