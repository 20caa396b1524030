"""An example g4f plugin.

g4f finds the providers through the ``g4f.providers`` entry points in ``pyproject.toml`` and
imports a provider's module only when it is used, so this package imports nothing here.
"""

__all__: list[str] = []
