"""Accounts: roles and passwords (argon2id). The store keeps the users; the web app signs
sessions (web/auth.py). Used by `stationwatch user ...` and the web app's users page.

Roles, each including the one before:
- viewer: reads the protected view (no claims about people, registered names redacted,
  no original files), like the public one;
- editor: the full record; every write (review, edit, add sources, resolution, names to
  protect); the audit page;
- admin: manages users and may list the names to protect.
"""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .store.accounts import ROLES

MIN_PASSWORD = 10
_hasher = PasswordHasher()  # argon2id with the library's current defaults (RFC 9106 low-memory)
# verified against when the user does not exist, so a wrong name costs as long as a wrong password
_DUMMY = _hasher.hash("stationwatch: no such user")


class PasswordError(ValueError):
    pass


def rank(role: str | None) -> int:
    """0 for no role, then viewer 1, editor 2, admin 3."""
    return ROLES.index(role) + 1 if role in ROLES else 0


def hash_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise PasswordError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise PasswordError("a password may have at most 1024 characters")
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return False


def check(store, name: str, password: str) -> dict | None:
    """The active user with this name and password, else None (in constant-ish time)."""
    user = store.user(name) if name else None
    ok = verify_password(user["password_hash"] if user else None, password or "")
    if not (ok and user and user["active"]):
        return None
    return user
