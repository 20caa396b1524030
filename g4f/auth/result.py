"""``AuthResult``: the credentials a provider's login produced (cookies, headers, an API key).

It lives in the auth layer, next to the cache that stores it, so that :mod:`g4f.auth` needs
nothing from the providers layer above it. It is an event (a provider's login yields it), and
``g4f.providers.response`` and ``g4f.providers.base_provider`` re-export it, where gpt4free's
providers import it from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._events import ResponseType, extra_attribute
from ..secrets import mask, register_secret, register_secrets

__all__ = ["AuthResult"]

#: Headers whose values are credentials.
_SECRET_HEADERS = ("authorization", "cookie", "x-api-key", "api-key")


class AuthResult(ResponseType):
    """Credentials obtained by a provider's authentication; cached, never printed.

    ``cookies``, ``headers`` and ``api_key`` are secrets; ``repr`` shows only which are set.
    Extra keyword arguments (``impersonate``, ``proxy``, ``user_agent``, ...) are kept as attributes.
    """

    __slots__ = ("_dirty", "api_key", "cookies", "extra", "headers")

    def __init__(
        self,
        cookies: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        api_key: str | None = None,
        **extra: Any,
    ) -> None:
        self.cookies = dict(cookies or {})
        self.headers = dict(headers or {})
        self.api_key = api_key
        self.extra = extra
        self._dirty = False
        register_secrets(self.cookies.values())
        register_secret(api_key)
        for name, value in self.headers.items():
            if name.lower() in _SECRET_HEADERS:
                register_secret(value)
                if name.lower() == "cookie":  # "a=1; b=2": each value on its own
                    register_secrets(part.partition("=")[2].strip() for part in value.split(";"))

    def __getattr__(self, name: str) -> Any:
        return extra_attribute(self, name)

    def update_cookies(self, cookies: Mapping[str, str]) -> None:
        """Take cookies the server rotated (Set-Cookie); marks the result to be saved again."""
        changed = {k: v for k, v in cookies.items() if self.cookies.get(k) != v}
        if changed:
            register_secrets(changed.values())
            self.cookies.update(changed)
            self._dirty = True

    @property
    def dirty(self) -> bool:
        return self._dirty

    def to_dict(self) -> dict[str, Any]:
        return {"cookies": self.cookies, "headers": self.headers, "api_key": self.api_key, **self.extra}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuthResult:
        return cls(**dict(data))

    def __repr__(self) -> str:
        cookies = ", ".join(f"{name}={mask(value)}" for name, value in self.cookies.items())
        return (
            f"AuthResult(cookies={{{cookies}}}, headers=<{len(self.headers)} headers>, "
            f"api_key={mask(self.api_key)})"
        )
