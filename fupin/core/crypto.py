"""Field encryption for personal identifiers (ID numbers): AES-256-GCM plus a keyed hash.

A raw database read never shows an ID number in clear: the column holds a random-nonce AES-GCM
ciphertext, and exact lookup / uniqueness use an HMAC-SHA256 digest under a key derived from
the same master key. The master key is the setting FUPIN_DATA_KEY (base64 of 32 bytes, read
from the environment variable of that name by config/settings); without it, development
machines generate one under var/keys/ (production settings refuse to start without it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

NONCE_BYTES = 12


@lru_cache(maxsize=1)
def _master_key() -> bytes:
    raw = (settings.FUPIN_DATA_KEY or "").strip()
    if raw:
        key = base64.b64decode(raw)
    else:
        path = Path(settings.VAR_DIR) / "keys" / "data.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(base64.b64encode(secrets.token_bytes(32)).decode())
            path.chmod(0o600)
        key = base64.b64decode(path.read_text().strip())
    if len(key) != 32:
        raise RuntimeError("FUPIN_DATA_KEY must be the base64 encoding of exactly 32 bytes")
    return key


def _subkey(purpose: bytes) -> bytes:
    return hmac.new(_master_key(), purpose, hashlib.sha256).digest()


@lru_cache(maxsize=1)
def _aead() -> AESGCM:
    return AESGCM(_subkey(b"fupin:encrypt:v1"))


@lru_cache(maxsize=1)
def _hasher() -> hmac.HMAC:
    # Keyed once; each digest copies it (imports hash one ID number per person).
    return hmac.new(_subkey(b"fupin:lookup:v1"), digestmod=hashlib.sha256)


def warm_up() -> None:
    """Derive the keys now (before forking workers that encrypt and hash)."""
    _aead()
    _hasher()


def encrypt(value: str) -> str:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return base64.b64encode(nonce + _aead().encrypt(nonce, value.encode(), None)).decode()


def decrypt(token: str) -> str:
    blob = base64.b64decode(token)
    return _aead().decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], None).decode()


def lookup_hash(value: str) -> str:
    """Deterministic keyed digest for exact search and uniqueness (not reversible)."""
    digest = _hasher().copy()
    digest.update(value.encode())
    return digest.hexdigest()
