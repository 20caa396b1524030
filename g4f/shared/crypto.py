"""Sealing what goes into Redis: AES-256-GCM with a key derived from ``G4F_SECRET_KEY``.

Credentials shared between instances pass through a server other than g4f (Redis, its backups,
its network), so they are encrypted and authenticated: a record that was changed, or sealed for
another provider (the provider's name is the associated data), does not open. The key is derived
with HKDF-SHA256 from the secret, which must be a long random string (at least 16 characters).
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import G4FError, MissingRequirementsError
from ..secrets import register_secret

__all__ = ["MIN_SECRET_LENGTH", "SealError", "Sealer", "check_secret"]

MIN_SECRET_LENGTH = 16
_NONCE = 12


class SealError(Exception):
    """A sealed value does not open: another secret key sealed it, or it was changed."""


def _aesgcm() -> Any:
    try:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    except ImportError as exc:
        raise MissingRequirementsError(
            'sharing credentials through Redis needs the cryptography package: pip install "g4f[scale]"') from exc
    return AESGCM


def check_secret(secret: str) -> None:
    """Refuse a secret key too short to be one (the message never shows it)."""
    register_secret(secret)
    if len(secret) < MIN_SECRET_LENGTH:
        raise G4FError(f"G4F_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters long (a random string: "
                       "python -c \"import secrets; print(secrets.token_urlsafe(32))\")")


class Sealer:
    """Encrypts and authenticates values with one key."""

    def __init__(self, secret: str) -> None:
        check_secret(secret)
        aesgcm = _aesgcm()
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"g4f shared state",
                   info=b"g4f credentials aes-256-gcm").derive(secret.encode())
        self._aead = aesgcm(key)

    def seal(self, data: bytes, context: bytes) -> bytes:
        """``nonce || ciphertext+tag``; ``context`` must be given again to open it."""
        nonce = os.urandom(_NONCE)
        sealed: bytes = self._aead.encrypt(nonce, data, context)
        return nonce + sealed

    def open(self, sealed: bytes, context: bytes) -> bytes:
        from cryptography.exceptions import InvalidTag

        if len(sealed) <= _NONCE:
            raise SealError("too short")
        try:
            result: bytes = self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], context)
        except InvalidTag:
            raise SealError("it does not open with this secret key") from None
        return result

    def __repr__(self) -> str:
        return "Sealer(<key>)"
