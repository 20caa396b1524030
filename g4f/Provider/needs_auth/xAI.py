"""xAI: the official Grok API (``XAI_API_KEY``, ``XAI_BASE_URL``); reasoning models stream ``reasoning_content``."""

from __future__ import annotations

from types import MappingProxyType

from ..template.OpenaiTemplate import OpenaiTemplate

__all__ = ["xAI"]


class xAI(OpenaiTemplate):
    label = "xAI"
    url = "https://console.x.ai"
    login_url = "https://console.x.ai/team/default/api-keys"
    api_base = "https://api.x.ai/v1"
    api_base_env = "XAI_BASE_URL"  # the whole API root, /v1 included
    api_key_env = "XAI_API_KEY"
    working = True
    needs_auth = True
    default_model = "grok-3"
    supports_images = True
    images_endpoint = "/images/generations"  # passed through by client.images.generate
    default_image_model = "grok-2-image"
    fallback_models = ("grok-4", "grok-3", "grok-3-mini", "grok-2-1212", "grok-2-vision-1212", "grok-2-image-1212")
    model_aliases = MappingProxyType({
        "grok-2": "grok-2-1212", "grok-2-vision": "grok-2-vision-1212", "grok-2-image": "grok-2-image-1212",
    })
