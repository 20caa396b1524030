"""Providers that need an API key or a login. Each is imported on first use."""

from .._lazy import make_lazy_package

make_lazy_package(__name__)
