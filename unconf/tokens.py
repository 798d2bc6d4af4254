"""Personal secrets: 256-bit random tokens, stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets

_JOIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_join_code(length: int = 6) -> str:
    """Short, unambiguous (no 0/O, 1/I) so it can be read off a projector."""
    return "".join(secrets.choice(_JOIN_ALPHABET) for _ in range(length))
