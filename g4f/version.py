"""The installed version, kept in one place.

Asking for the *latest* published version needs the network, so it happens only when
``utils.latest_version`` is read, never at import time.
"""

from __future__ import annotations

import os

from .errors import VersionNotFoundError

__all__ = ["PYPI_URL", "VersionUtils", "__version__", "utils"]

__version__ = "0.1.0"

PYPI_URL = "https://pypi.org/pypi/g4f/json"


class VersionUtils:
    """Version information about this installation of g4f."""

    @property
    def current_version(self) -> str:
        """The version of the installed package (the source tree's when not installed)."""
        try:
            from importlib.metadata import PackageNotFoundError, version

            return version("g4f")
        except PackageNotFoundError:
            return __version__

    @property
    def latest_version(self) -> str:
        """The newest release on the package index; raises ``VersionNotFoundError`` offline."""
        import json
        import urllib.error
        import urllib.request

        url = os.environ.get("G4F_PYPI_URL", PYPI_URL)
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return str(json.load(response)["info"]["version"])
        except (OSError, ValueError, KeyError, urllib.error.URLError) as exc:
            raise VersionNotFoundError(f"Could not look up the latest g4f version: {exc}") from exc


utils = VersionUtils()
