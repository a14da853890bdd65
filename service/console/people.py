"""Console accounts and sessions: argon2id password hashes, random session tokens stored as
SHA-256, idle and absolute expiry. Pure of any web code (the CLI uses it too)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from service.auth.service import Role
from service.console import repository
from service.console.tables import ConsolePerson, ConsoleSession
from service.kit.errors import Conflict, NotFound, Unprocessable
from service.review.service import Actor

ROLES = (Role.moderator, Role.senior_moderator, Role.admin)
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,63}")
MIN_PASSWORD = 10
_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the user name is unknown, so timing does not tell which names exist.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))
PREFS = ("blur", "greyscale")


@dataclass(frozen=True)
class Person:
    """A signed-in person as the pages see them (no hash, no token)."""

    id: int
    username: str
    role: Role
    platform_id: str | None
    prefs: dict[str, Any]

    @property
    def senior(self) -> bool:
        return self.role in (Role.senior_moderator, Role.admin)

    @property
    def admin(self) -> bool:
        return self.role is Role.admin

    @property
    def actor(self) -> Actor:
        return Actor(id=f"person:{self.id}", name=self.username, senior=self.senior)

    @property
    def blur(self) -> bool:
        return bool(self.prefs.get("blur", True))  # photos start blurred

    @property
    def greyscale(self) -> bool:
        return bool(self.prefs.get("greyscale", False))


def person_of(record: ConsolePerson) -> Person:
    return Person(record.id, record.username, Role(record.role), record.platform_id,
                  dict(record.prefs or {}))


def create_person(session: Session, username: str, role: Role | str, password: str,
                  platform_id: str | None = None) -> ConsolePerson:
    try:
        role = Role(role)
    except ValueError:
        role = Role.platform  # refused just below, with the same message
    if role not in ROLES:
        raise Unprocessable("role must be moderator, senior_moderator or admin", code="bad_role")
    if not USERNAME.fullmatch(username):
        raise Unprocessable("user name: 2-64 letters, digits, '.', '_' or '-'",
                            code="bad_username")
    if len(password) < MIN_PASSWORD:
        raise Unprocessable(f"password must be at least {MIN_PASSWORD} characters",
                            code="weak_password")
    platform_id = (platform_id or "").strip() or None
    if platform_id and role is Role.admin:
        raise Unprocessable("an admin belongs to the service, not a platform", code="bad_role")
    if repository.person_by_name(session, username) is not None:
        raise Conflict(f"user {username!r} already exists", code="username_taken")
    return repository.add_person(session, ConsolePerson(
        username=username, role=role.value, platform_id=platform_id,
        password_hash=_HASHER.hash(password), prefs={}))


def check_password(session: Session, username: str, password: str) -> ConsolePerson | None:
    """The active person with this name and password, else None (same cost either way)."""
    record = repository.person_by_name(session, username) if USERNAME.fullmatch(username) \
        else None
    try:
        _HASHER.verify(record.password_hash if record else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if record is None or record.disabled_at is not None:
        return None
    if _HASHER.check_needs_rehash(record.password_hash):
        record.password_hash = _HASHER.hash(password)
    return record


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewSession:
    token: str  # for the cookie only
    csrf_token: str


def open_session(session: Session, person: ConsolePerson, now: dt.datetime) -> NewSession:
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    repository.add_session(session, ConsoleSession(
        token_hash=hash_token(token), person_id=person.id, csrf_token=csrf, created_at=now,
        last_seen_at=now))
    return NewSession(token, csrf)


@dataclass(frozen=True)
class Signed:
    person: Person
    csrf_token: str
    started_at: dt.datetime


def resume_session(session: Session, token: str, now: dt.datetime, idle: dt.timedelta,
                   longest: dt.timedelta) -> Signed | None:
    """The session's person, its idle clock restarted; None when unknown, idle too long,
    too old, or its person was disabled (an expired session is deleted)."""
    record = repository.session_by_hash(session, hash_token(token))
    if record is None:
        return None
    person = repository.get_person(session, record.person_id)
    if (now - record.last_seen_at > idle or now - record.created_at > longest
            or person is None or person.disabled_at is not None):
        repository.delete_session(session, record.token_hash)
        session.commit()
        return None
    if (now - record.last_seen_at).total_seconds() > 30:  # one write per half minute at most
        record.last_seen_at = now
        session.commit()
    return Signed(person_of(person), record.csrf_token, record.created_at)


def close_session(session: Session, token: str) -> None:
    repository.delete_session(session, hash_token(token))
    session.commit()


def set_prefs(session: Session, person_id: int, changes: dict[str, bool]) -> Person:
    record = repository.get_person(session, person_id)
    if record is None:
        raise NotFound("no such person")
    record.prefs = {**(record.prefs or {}), **{k: v for k, v in changes.items() if k in PREFS}}
    session.commit()
    return person_of(record)


def disable_person(session: Session, person_id: int, now: dt.datetime) -> ConsolePerson:
    record = repository.get_person(session, person_id)
    if record is None:
        raise NotFound(f"no person {person_id}", code="person_not_found")
    record.disabled_at = record.disabled_at or now
    repository.delete_sessions_of(session, person_id)
    session.flush()
    return record
