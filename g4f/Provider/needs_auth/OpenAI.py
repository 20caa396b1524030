"""OpenAI's own API (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``)."""

from __future__ import annotations

from ..template.OpenaiTemplate import OpenaiTemplate

__all__ = ["OpenAI"]


class OpenAI(OpenaiTemplate):
    label = "OpenAI API"
    url = "https://platform.openai.com"
    login_url = "https://platform.openai.com/api-keys"
    api_base = "https://api.openai.com/v1"
    api_base_env = "OPENAI_BASE_URL"  # the openai SDK's: the whole API root, /v1 included
    api_key_env = "OPENAI_API_KEY"
    working = True
    needs_auth = True
    default_model = "gpt-4o-mini"
    supports_images = True
    images_endpoint = "/images/generations"  # passed through by client.images.generate
    default_image_model = "gpt-image-1"
    fallback_models = ("gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o1", "o3-mini", "o4-mini")
