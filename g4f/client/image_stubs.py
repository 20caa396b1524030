"""``client.images.generate(...)``'s answer in OpenAI's shape: ``ImagesResponse(created, data)``."""

from __future__ import annotations

from typing import ClassVar

from .stubs import _Stub

__all__ = ["Image", "ImagesResponse"]


class Image(_Stub):
    """One generated image: ``url`` or ``b64_json`` (as asked with ``response_format``)."""

    __slots__ = ("b64_json", "revised_prompt", "url")
    _optional = ("url", "b64_json", "revised_prompt")

    def __init__(self, url: str | None = None, b64_json: str | None = None, revised_prompt: str | None = None) -> None:
        self.url = url
        self.b64_json = b64_json
        self.revised_prompt = revised_prompt


class ImagesResponse(_Stub):
    """The images of one request; ``provider`` names who made them."""

    __slots__ = ("created", "data", "provider")
    object: ClassVar[str] = "list"
    _fields = ("created", "data")
    _optional = ("provider",)

    def __init__(self, created: int, data: list[Image], provider: str | None = None) -> None:
        self.created = created
        self.data = data
        self.provider = provider
