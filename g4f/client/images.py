"""``client.images.generate(...)``: images from the providers that make them, in OpenAI's shape.

>>> images = await AsyncClient().images.generate(prompt="a lighthouse at dusk", model="grok-2-image")
>>> images.data[0].url

A provider declares that it makes images (``supports_images = True``); a request for one that
does not is a ``BadRequestError`` naming it. Two kinds do:

* OpenAI-compatible APIs that declare an ``images_endpoint`` (OpenAI, xAI): the request is passed
  through (``prompt``, ``model``, ``n``, ``size``, ``response_format``) and the upstream's images
  come back as they are;
* chat providers whose answers hold images (grok.com): the prompt is sent as a chat message
  (``image_count=n``) and the answer's final images are taken.

Both run through the call boundary (retries, error mapping). ``response_format="b64_json"``
with a provider that answers with URLs: each image is fetched with the provider's own credentials
(grok.com's assets need its cookies) and only from the provider's own hosts, on the loop's pooled
sessions, each at most :data:`~g4f.Provider.template._images.MAX_IMAGE_BYTES`.
"""

from __future__ import annotations

import base64
import time
from typing import Any
from urllib.parse import urlsplit

from ..errors import BadRequestError, ModelNotFoundError, ResponseError
from ..providers.asyncio import run_sync
from ..providers.attempts import CAPABILITY_KEYWORDS, IGNORED_KEYWORDS, run_attempts
from ..providers.call import prepare
from ..providers.response import ImageResponse
from ..providers.types import provider_name
from .image_stubs import Image, ImagesResponse

__all__ = ["MAX_IMAGES", "AsyncImages", "Images", "fetch_image"]

_FORMATS = ("url", "b64_json")
#: The most images one request may ask for (OpenAI's limit).
MAX_IMAGES = 10


def _check(prompt: Any, n: Any, response_format: Any, size: Any) -> None:
    if not isinstance(prompt, str) or not prompt.strip():
        raise BadRequestError("prompt: must be a non-empty string", param="prompt")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_IMAGES:
        raise BadRequestError(f"n: must be an integer from 1 to {MAX_IMAGES}", param="n")
    if response_format is not None and response_format not in _FORMATS:
        raise BadRequestError("response_format: must be 'url' or 'b64_json'", param="response_format")
    if size is not None and not isinstance(size, str):
        raise BadRequestError("size: must be a string such as '1024x1024'", param="size")


def _image_provider(model: str, provider: Any) -> Any:
    """The provider to ask: the one named, else the first usable one that makes ``model``'s images."""
    from ..providers.resolve import resolve_provider

    if provider is not None:
        resolved = resolve_provider(provider)
        if not getattr(resolved, "supports_images", False):
            name = provider_name(resolved)
            raise BadRequestError(f"{name} does not generate images; choose a provider that does "
                                  "(Grok, OpenAI, xAI, ...)", provider=name, param="provider")
        return resolved
    if not model:
        raise BadRequestError("model: name an image model (for example grok-2-image) or a provider",
                              param="model")
    from ..models import ModelUtils
    from ..providers.registry import registry

    row = ModelUtils.get(model)
    candidates = list(registry.providers(row.provider_names())) if row is not None else []
    candidates += [found for found in registry.for_model(model) if found not in candidates]
    makers = [found for found in candidates if getattr(found, "supports_images", False)]
    usable = [found for found in makers if getattr(found, "working", False) and found.has_credentials()]
    if usable or makers:
        return (usable or makers)[0]
    if candidates:
        names = ", ".join(provider_name(found) for found in candidates)
        raise BadRequestError(f"model {model!r} is served by {names}, which do not generate images", param="model")
    raise ModelNotFoundError(f"no provider makes images with model {model!r}", provider=None)


def _events(provider: Any, model: str, prompt: str, n: int, size: str | None, response_format: str | None,
            kwargs: dict[str, Any]) -> Any:
    """The provider's stream for this request, through the call boundary."""
    if getattr(provider, "images_endpoint", None):
        from ..Provider.template._images import generate_images

        # what the call boundary keeps from a provider that cannot take it (login=False, ...)
        options = {key: value for key, value in kwargs.items()
                   if key not in CAPABILITY_KEYWORDS and key not in IGNORED_KEYWORDS}
        policy = provider.retry_policy() if hasattr(provider, "retry_policy") else None
        return run_attempts(lambda: generate_images(provider, model, prompt, n=n, size=size,
                                                    response_format=response_format, **options),
                            provider, model, policy)
    if size is not None:
        name = provider_name(provider)
        raise BadRequestError(f"size: {name} chooses the size of its images itself; leave size out",
                              provider=name, param="size")
    call = prepare(model, [{"role": "user", "content": prompt}], provider, stream=True, image_count=n, **kwargs)
    return call.events()


async def _collect(events: Any, provider: str) -> ImageResponse:
    images: ImageResponse | None = None
    try:
        async for item in events:
            if isinstance(item, ImageResponse):
                images = item  # the last one holds the final images
    finally:
        await events.aclose()
    if images is None or not images.urls:
        raise ResponseError("the provider answered without an image", provider=provider)
    return images


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


async def _fetch(provider: Any, url: str, kwargs: dict[str, Any]) -> bytes:
    """The bytes of ``url``, a provider's image: with its credentials from its own hosts only."""
    from ..Provider.template._images import MAX_IMAGE_BYTES, read_body
    from ..requests.status import raise_for_status

    name = provider_name(provider)
    if _origin(url) not in _own_origins(provider, kwargs.get("base_url")):
        # Never a request to wherever an answer points (this machine's network included).
        raise ResponseError(f"the image {url[:80]!r} is not on {name}'s own hosts, so the server does not fetch it; "
                            "ask for response_format='url'", provider=name)
    proxy = kwargs.get("proxy")
    if getattr(provider, "supports_cookies", False):
        from ..requests.curl import StreamSession

        cookies = kwargs.get("cookies")
        headers: dict[str, str] = {}
        if not cookies:
            cached = provider.auth_cache().load()
            cookies, headers = (cached.cookies, dict(cached.headers)) if cached is not None else (None, {})
        session = StreamSession(impersonate=getattr(provider, "impersonate", None) or "chrome", headers=headers,
                                cookies=cookies, proxy=proxy, timeout=60, total_timeout=300, provider=name)
        async with session.get(url) as response:
            await raise_for_status(response, name)
            return await read_body(response, MAX_IMAGE_BYTES, name)
    from ..requests.aiohttp_session import get_session, make_timeout
    from ..requests.transport import map_transport_errors

    http = await get_session()
    async with map_transport_errors(name), http.get(url, proxy=proxy, timeout=make_timeout(300.0)) as response:
        await raise_for_status(response, name)
        return await read_body(response, MAX_IMAGE_BYTES, name)


async def fetch_image(provider: Any, url: str, **kwargs: Any) -> bytes:
    """The bytes of ``url``, an image ``provider`` made, as ``b64_json`` fetches it: with the
    provider's credentials and only from its own hosts (``ResponseError`` for another address).
    The web chat shows grok.com's images through this (its page loads nothing from elsewhere)."""
    return await _fetch(provider, url, kwargs)


def _own_origins(provider: Any, base_url: str | None) -> set[tuple[str, str]]:
    """Where a provider's images may be fetched from: its image host, its site and its API."""
    bases = [getattr(provider, "assets_url", None), getattr(provider, "url", None)]
    get_api_base = getattr(provider, "get_api_base", None)
    if get_api_base is not None:
        try:
            bases.append(get_api_base(base_url))
        except BadRequestError:  # no API base declared: its other hosts only
            bases.append(None)
    return {origin for base in bases if isinstance(base, str) and base
            for origin in [_origin(base)] if origin[0] in ("http", "https")}


def _data_uri(url: str) -> str | None:
    """The base64 of a ``data:`` URI, or None for another address."""
    if not url.startswith("data:"):
        return None
    head, _, data = url.partition(",")
    return data if head.endswith(";base64") else base64.b64encode(data.encode()).decode()


async def _generate(defaults: dict[str, Any], prompt: Any, model: Any = None, n: Any = 1,
                    response_format: str | None = None, size: str | None = None, provider: Any = None,
                    **kwargs: Any) -> ImagesResponse:
    _check(prompt, n, response_format, size)
    for name in ("api_key", "proxy"):
        if kwargs.get(name) is None and defaults.get(name) is not None:
            kwargs[name] = defaults[name]
    for name, value in defaults.get("options", {}).items():
        kwargs.setdefault(name, value)
    kwargs = {key: value for key, value in kwargs.items() if value is not None}
    if provider is None:  # the client's image_provider (gpt4free's), else its provider
        provider = defaults.get("image_provider") or defaults.get("provider")
    resolved = _image_provider(model or "", provider)
    name = provider_name(resolved)
    model = model or getattr(resolved, "default_image_model", None) or getattr(resolved, "default_model", "")
    images = await _collect(_events(resolved, str(model), prompt, n, size, response_format, kwargs), name)
    revised = images.options.get("revised_prompts") or []
    data = []
    for index, url in enumerate(images.urls[:n]):
        prompt_used = revised[index] if index < len(revised) and revised[index] else None
        inline = _data_uri(url)
        if response_format == "b64_json":
            b64 = inline if inline is not None else base64.b64encode(await _fetch(resolved, url, kwargs)).decode()
            data.append(Image(b64_json=b64, revised_prompt=prompt_used))
        else:
            data.append(Image(url=url, revised_prompt=prompt_used))
    return ImagesResponse(int(time.time()), data, name, str(model) or None)


class AsyncImages:
    def __init__(self, defaults: dict[str, Any]) -> None:
        self._defaults = defaults

    async def generate(self, prompt: Any = None, model: Any = None, n: int = 1,
                       response_format: str | None = None, size: str | None = None, provider: Any = None,
                       **kwargs: Any) -> ImagesResponse:
        """Images for ``prompt``: ``model`` (an image model, e.g. ``grok-2-image``) or ``provider``
        (e.g. ``"Grok"``, ``"OpenAI"``) says who makes them; ``response_format`` is ``"url"``
        (default) or ``"b64_json"``. Other keywords (``quality``, ``api_key``, ...) go to the provider."""
        return await _generate(self._defaults, prompt, model, n, response_format, size, provider, **kwargs)


class Images:
    def __init__(self, defaults: dict[str, Any]) -> None:
        self._defaults = defaults

    def generate(self, prompt: Any = None, model: Any = None, n: int = 1, response_format: str | None = None,
                 size: str | None = None, provider: Any = None, **kwargs: Any) -> ImagesResponse:
        """Like :meth:`AsyncImages.generate`, blocking."""
        return run_sync(lambda: _generate(self._defaults, prompt, model, n, response_format, size, provider,
                                          **kwargs))
