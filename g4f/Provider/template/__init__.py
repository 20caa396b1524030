"""Bases that turn a kind of upstream into a declaration (``OpenaiTemplate``)."""

from .._lazy import make_lazy_package

make_lazy_package(__name__)
