"""Key creation, revocation and resolution. Keys are random, shown once, stored as SHA-256.

A SHA-256 of a 256-bit random key is safe at rest (no dictionary to attack) and cheap enough
to compute on every request, unlike password hashes.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from service.auth import repository
from service.auth.tables import ApiKey
from service.kit.cache import Cache
from service.kit.db import utcnow
from service.kit.errors import Conflict, NotFound, Unauthorized, Unprocessable

KEY_PREFIX = "trk_"
ENV_ADMIN_KEY_NAME = "env:TRUST_ADMIN_KEY"


class Role(StrEnum):
    admin = "admin"
    platform = "platform"
    moderator = "moderator"
    senior_moderator = "senior_moderator"  # a moderator who also takes escalated items


@dataclass(frozen=True)
class Principal:
    key_id: int
    name: str
    role: Role
    platform_id: str | None


@dataclass(frozen=True)
class CreatedKey:
    record: ApiKey
    secret: str  # the only time the plain key exists outside its holder


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _cache_key(key_hash: str) -> str:
    return f"apikey:{key_hash}"


def create_key(
    session: Session, role: Role | str, name: str, platform_id: str | None = None,
    secret: str | None = None,
) -> CreatedKey:
    try:
        role = Role(role)
    except ValueError as exc:
        raise Unprocessable(f"unknown role {role!r}; expected one of admin, platform, moderator") from exc
    name = name.strip()
    if not name or len(name) > 100:
        raise Unprocessable("key name must be 1-100 characters")
    if role is Role.platform:
        platform_id = (platform_id or name).strip()
        if not platform_id or len(platform_id) > 100:
            raise Unprocessable("platform id must be 1-100 characters")
    elif platform_id:
        raise Unprocessable("only platform keys belong to a platform")
    secret = secret or KEY_PREFIX + secrets.token_urlsafe(32)
    key_hash = hash_key(secret)
    if repository.find_by_hash(session, key_hash) is not None:
        raise Conflict("a key with this value already exists")
    record = ApiKey(
        name=name, role=role.value, platform_id=platform_id, prefix=secret[:12], key_hash=key_hash
    )
    repository.add_key(session, record)
    return CreatedKey(record=record, secret=secret)


def ensure_env_admin_key(session: Session, secret: str) -> None:
    """TRUST_ADMIN_KEY: make sure an active admin key with exactly this value exists."""
    existing = repository.find_by_hash(session, hash_key(secret))
    if existing is None:
        create_key(session, Role.admin, ENV_ADMIN_KEY_NAME, secret=secret)
    elif existing.role != Role.admin.value or existing.revoked_at is not None:
        raise Conflict("TRUST_ADMIN_KEY matches a key that is revoked or not an admin key")


def revoke_key(session: Session, key_id: int, cache: Cache | None = None) -> ApiKey:
    key = repository.get_key(session, key_id)
    if key is None:
        raise NotFound(f"no key with id {key_id}")
    if key.revoked_at is None:
        repository.mark_revoked(session, key, utcnow())
    if cache is not None:
        cache.delete(_cache_key(key.key_hash))
    return key


def list_keys(session: Session, include_revoked: bool = False) -> list[ApiKey]:
    return repository.list_keys(session, include_revoked)


def resolve_key(
    sessions: Callable[[], Session], authorization: str | None, cache: Cache, ttl_seconds: int
) -> Principal:
    """The key's principal; the database is read only on a cache miss (`sessions` opens one)."""
    if not authorization:
        raise Unauthorized("missing Authorization: Bearer <key> header")
    scheme, _, secret = authorization.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise Unauthorized("the Authorization header must be 'Bearer <key>'")
    key_hash = hash_key(secret)
    cached = cache.get(_cache_key(key_hash))
    if cached is not None:
        data = json.loads(cached)
        if data is None:
            raise Unauthorized("unknown or revoked API key")
        return Principal(
            key_id=data["key_id"], name=data["name"], role=Role(data["role"]),
            platform_id=data["platform_id"],
        )
    with sessions() as session:
        record = repository.find_by_hash(session, key_hash)
    if record is None or record.revoked_at is not None:
        cache.set(_cache_key(key_hash), b"null", min(ttl_seconds, 5))
        raise Unauthorized("unknown or revoked API key")
    principal = Principal(
        key_id=record.id, name=record.name, role=Role(record.role), platform_id=record.platform_id
    )
    cache.set(_cache_key(key_hash), json.dumps(asdict(principal)).encode(), ttl_seconds)
    return principal
