"""Providers for OpenAI-compatible servers running on the user's machine (no key needed)."""

from .._lazy import make_lazy_package

make_lazy_package(__name__)
