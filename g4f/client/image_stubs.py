"""``client.images.generate(...)``'s answer in OpenAI's shape: ``ImagesResponse(created, data)``.

As in gpt4free, the answer also names the ``model`` and the ``provider`` that made the images,
and ``model_construct`` takes gpt4free's arguments.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

from .stubs import _Stub

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["Image", "ImagesResponse"]


class Image(_Stub):
    """One generated image: ``url`` or ``b64_json`` (as asked with ``response_format``)."""

    __slots__ = ("b64_json", "revised_prompt", "url")
    _optional = ("url", "b64_json", "revised_prompt")

    def __init__(self, url: str | None = None, b64_json: str | None = None, revised_prompt: str | None = None) -> None:
        self.url = url
        self.b64_json = b64_json
        self.revised_prompt = revised_prompt

    @classmethod
    def model_construct(cls, url: str | None = None, b64_json: str | None = None,
                        revised_prompt: str | None = None, **_: Any) -> Self:
        """gpt4free's signature."""
        return cls(url, b64_json, revised_prompt)


class ImagesResponse(_Stub):
    """The images of one request; ``model`` and ``provider`` name who made them."""

    __slots__ = ("created", "data", "model", "provider")
    object: ClassVar[str] = "list"
    _fields = ("created", "data")
    _optional = ("model", "provider")

    def __init__(self, created: int, data: list[Image], provider: str | None = None, model: str | None = None) -> None:
        self.created = created
        self.data = data
        self.provider = provider
        self.model = model

    @classmethod
    def model_construct(cls, data: list[Image] | None = None, created: int | None = None,
                        model: str | None = None, provider: str | None = None, **_: Any) -> Self:
        """gpt4free's signature: ``created`` is now unless given."""
        return cls(int(time.time()) if created is None else created, list(data or []), provider, model)
