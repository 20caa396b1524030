"""Package attributes imported on first use (a package ``__getattr__`` delegates here)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from typing import Any

__all__ = ["load_lazy"]


def load_lazy(package: str, where: Mapping[str, str], name: str) -> Any:
    """Import ``name`` from the submodule of ``package`` that ``where`` names, and keep it on the
    package so the next lookup is a plain attribute."""
    module = where.get(name)
    if module is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{package}.{module}"), name)
    setattr(sys.modules[package], name, value)
    return value
