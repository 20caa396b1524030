"""Tools for testing providers without the network: local replica servers and contract checks.

Imported only by tests; nothing here is loaded by ``import g4f``.
"""

from .server import LocalServer

__all__ = ["LocalServer"]
