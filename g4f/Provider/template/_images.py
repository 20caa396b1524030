"""Image generation: OpenAI's ``POST /images/generations`` passed through, and bounded body reads.

A provider for an OpenAI-compatible API that generates images declares where (``images_endpoint
= "/images/generations"``, ``supports_images = True``); :func:`generate_images` sends the request
with the provider's key on the loop's pooled session and yields what came back as events
(``ProviderInfo``, then one ``ImageResponse`` whose URLs are the upstream's, or ``data:`` URIs
for ``b64_json`` answers), so that it runs in the call boundary's retry loop like a chat answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import ResponseError
from ...providers.response import ImageResponse, ProviderInfo
from ...typing import AsyncResult

__all__ = ["MAX_IMAGE_BYTES", "generate_images", "read_body"]

#: The largest image (or upstream answer holding images) read into memory.
MAX_IMAGE_BYTES = 32 * 1024 * 1024


async def read_body(response: Any, limit: int, provider: str | None = None) -> bytes:
    """The body of an aiohttp or curl_cffi response, refused (``ResponseError``) past ``limit`` bytes."""
    from ...requests.body import iter_bytes

    parts: list[bytes] = []
    size = 0
    async for chunk in iter_bytes(response):
        size += len(chunk)
        if size > limit:
            raise ResponseError(f"the upstream's answer is larger than the limit of {limit} bytes", provider=provider)
        parts.append(chunk)
    return b"".join(parts)


def _urls(data: Any, provider: str) -> tuple[list[str], list[str]]:
    items = data.get("data") if isinstance(data, Mapping) else None
    if not isinstance(items, list) or not items:
        raise ResponseError("the images answer holds no images", provider=provider)
    urls, revised = [], []
    for item in items:
        if not isinstance(item, Mapping):
            raise ResponseError("the images answer holds an item that is not an object", provider=provider)
        if isinstance(item.get("b64_json"), str):
            mime = item.get("mime_type") or "image/png"
            urls.append(f"data:{mime};base64,{item['b64_json']}")
        elif isinstance(item.get("url"), str):
            urls.append(item["url"])
        else:
            raise ResponseError("an image of the answer has neither url nor b64_json", provider=provider)
        prompt = item.get("revised_prompt")
        revised.append(prompt if isinstance(prompt, str) else "")
    return urls, revised


async def generate_images(
    provider: Any,
    model: str,
    prompt: str,
    *,
    n: int = 1,
    size: str | None = None,
    response_format: str | None = None,
    api_key: str | None = None,
    base_url: str | None = None,
    proxy: str | None = None,
    timeout: float | None = None,
    **options: Any,
) -> AsyncResult:
    """``POST {api_base}{images_endpoint}`` for ``provider`` (an ``OpenaiTemplate``); yields
    ``ProviderInfo`` and one ``ImageResponse`` (``options["revised_prompts"]`` when given)."""
    from ...requests.aiohttp_session import get_session, make_timeout
    from ...requests.jsonlib import dumps, loads
    from ...requests.status import raise_for_status
    from ...requests.transport import map_transport_errors
    from ._request import build_headers

    name = provider.get_name()
    model = provider.get_model(model)  # aliases (grok-2-image -> grok-2-image-1212)
    key = provider._credentials(api_key)
    url = provider.get_api_base(base_url) + provider.images_endpoint
    body: dict[str, Any] = {"model": model, "prompt": prompt, "n": n}
    if size is not None:
        body["size"] = size
    if response_format is not None:
        body["response_format"] = response_format
    body.update({key: value for key, value in options.items() if value is not None})
    headers = build_headers(key, False, provider.default_headers)
    session = await get_session()
    async with map_transport_errors(name), session.post(
            url, data=dumps(body), headers=headers, proxy=proxy, timeout=make_timeout(timeout or 300.0)) as response:
        await raise_for_status(response, name, model)
        raw = await read_body(response, MAX_IMAGE_BYTES * max(1, n), name)
    try:
        data = loads(raw)
    except ValueError:
        raise ResponseError("the images answer is not JSON", provider=name) from None
    urls, revised = _urls(data, name)
    yield ProviderInfo.of(provider, model)
    yield ImageResponse(urls, prompt, {"revised_prompts": revised})
