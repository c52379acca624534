"""Store methods for accounts, the session key, and the register of names to protect.

Every write here, as everywhere in the store, is one `dialect.write_transaction` that
appends its events to the evidence ledger; `ledger.verify` checks these tables too. The
ledger never holds a password hash (only its digest) nor a protected name (only the row's
digest), so the audit trail can be shown without showing either.

Users are never deleted, only disabled, so the ledger's "who" keeps meaning someone.
Protected names are likewise deactivated rather than deleted.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets as _secrets

from sqlalchemy import func, select

from . import dialect, ledger
from .schema import secrets as secrets_t
from .schema import sensitive_names as names_t
from .schema import users as users_t

ROLES = ("viewer", "editor", "admin")
PERSON_ROLES = ("target", "relative", "witness", "other")
USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,79}")
SESSION_SECRET = "session"
MIN_NAME = 2  # one character would redact half of a Chinese text


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _error(message: str) -> Exception:
    from . import StoreError
    return StoreError(message)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise _error(f"role {role!r} is not one of {', '.join(ROLES)}")
    return role


def check_user_name(name: str) -> str:
    name = (name or "").strip()
    if not USER_NAME.fullmatch(name):
        raise _error(f"user name {name!r}: use 1-80 letters, digits, '.', '_', '-' or '@', starting with a letter or digit")
    return name


def _public_user(row) -> dict:
    return {k: row[k] for k in ("id", "name", "role", "active", "created_by", "created_at")}


class AccountsMixin:
    """Mixed into Store: needs `self.engine`."""

    # -- users ---------------------------------------------------------------------

    def has_users(self) -> bool:
        """Whether any account exists (disabled ones too: disabling the last user must not
        reopen the app to everyone)."""
        with self.engine.connect() as conn:
            return conn.scalar(select(users_t.c.id).limit(1)) is not None

    def users(self) -> list[dict]:
        """Every account, without password hashes."""
        with self.engine.connect() as conn:
            return [_public_user(r) for r in conn.execute(select(users_t).order_by(users_t.c.id)).mappings()]

    def user(self, name: str) -> dict | None:
        """One account by name (case-insensitive), with its password hash."""
        with self.engine.connect() as conn:
            row = conn.execute(select(users_t).where(func.lower(users_t.c.name) == (name or "").strip().lower())
                               ).mappings().first()
            return dict(row) if row else None

    def user_by_id(self, user_id: int) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(users_t).where(users_t.c.id == user_id)).mappings().first()
            return dict(row) if row else None

    def add_user(self, name: str, role: str, password_hash: str, *, by: str | None = None) -> dict:
        name, role = check_user_name(name), check_role(role)
        with dialect.write_transaction(self.engine) as conn:
            if conn.scalar(select(users_t.c.id).where(func.lower(users_t.c.name) == name.lower())) is not None:
                raise _error(f"user {name} exists (change it with `user passwd` or the users page)")
            row = {"name": name, "role": role, "password_hash": password_hash, "active": True,
                   "created_by": by, "created_at": _now()}
            row["id"] = conn.execute(users_t.insert(), row).inserted_primary_key[0]
            events = [ledger.user_event(row, by)]
            if conn.scalar(select(secrets_t.c.id).where(secrets_t.c.id == SESSION_SECRET)) is None:
                secret = {"id": SESSION_SECRET, "value": _secrets.token_hex(32), "recorded_at": _now()}
                conn.execute(secrets_t.insert(), secret)
                events.append(ledger.secret_event(secret))
            ledger.append(conn, events)
        return _public_user(row)

    def _change_user(self, name: str, change: str, by: str | None, **values) -> dict:
        with dialect.write_transaction(self.engine) as conn:
            row = conn.execute(select(users_t).where(func.lower(users_t.c.name) == (name or "").strip().lower())
                               ).mappings().first()
            if row is None:
                raise _error(f"no user {name}")
            row = dict(row)
            after = {**row, **values}
            was_admin = row["role"] == "admin" and row["active"]
            if was_admin and not (after["role"] == "admin" and after["active"]):
                admins = conn.scalar(select(func.count()).select_from(users_t).where(
                    (users_t.c.role == "admin") & (users_t.c.active == True)))  # noqa: E712
                if admins <= 1:
                    raise _error(f"{row['name']} is the last active admin: make another admin first")
            conn.execute(users_t.update().where(users_t.c.id == row["id"]).values(**values))
            ledger.append(conn, [ledger.user_changed_event(after, change, by)])
        return _public_user(after)

    def set_role(self, name: str, role: str, *, by: str | None = None) -> dict:
        return self._change_user(name, "role", by, role=check_role(role))

    def set_password(self, name: str, password_hash: str, *, by: str | None = None) -> dict:
        return self._change_user(name, "password", by, password_hash=password_hash)

    def set_active(self, name: str, active: bool, *, by: str | None = None) -> dict:
        return self._change_user(name, "enabled" if active else "disabled", by, active=bool(active))

    def session_secret(self) -> bytes | None:
        """The key that signs session cookies; made with the first user, None before."""
        with self.engine.connect() as conn:
            value = conn.scalar(select(secrets_t.c.value).where(secrets_t.c.id == SESSION_SECRET))
        return bytes.fromhex(value) if value else None

    # -- names to protect ------------------------------------------------------------

    def protect(self, name: str, *, aliases: list[str] | tuple = (), role: str = "other",
                by: str | None = None) -> int:
        """Register a person's name (and other spellings) to be redacted wherever the record
        is shown or exported publicly. Returns the entry's id."""
        name = " ".join((name or "").split())
        clean = []
        for a in aliases or ():
            a = " ".join((a or "").split())
            if a and a.casefold() != name.casefold() and a.casefold() not in {c.casefold() for c in clean}:
                clean.append(a)
        for n in [name, *clean]:
            if len(n) < MIN_NAME or len(n) > 200:
                raise _error(f"a name to protect must have {MIN_NAME} to 200 characters, got {len(n)}")
        if role not in PERSON_ROLES:
            raise _error(f"role {role!r} is not one of {', '.join(PERSON_ROLES)}")
        row = {"name": name, "aliases": clean or None, "role": role, "active": True, "added_by": by,
               "added_at": _now()}
        with dialect.write_transaction(self.engine) as conn:
            row["id"] = conn.execute(names_t.insert(), row).inserted_primary_key[0]
            ledger.append(conn, [ledger.sensitive_event(row, by)])
        return row["id"]

    def unprotect(self, entry_id: int, *, by: str | None = None) -> None:
        with dialect.write_transaction(self.engine) as conn:
            active = conn.scalar(select(names_t.c.active).where(names_t.c.id == entry_id))
            if active is None:
                raise _error(f"no protected name with id {entry_id}")
            if not active:
                return
            conn.execute(names_t.update().where(names_t.c.id == entry_id).values(active=False))
            ledger.append(conn, [ledger.sensitive_removed_event(entry_id, by)])

    def sensitive_names(self, *, include_removed: bool = False) -> list[dict]:
        """The register, for redaction and for admins who maintain it. Not for display to anyone else."""
        q = select(names_t).order_by(names_t.c.id)
        if not include_removed:
            q = q.where(names_t.c.active == True)  # noqa: E712
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]
