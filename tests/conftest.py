"""Shared fixtures: real SQLite, PostgreSQL and Redis; nothing is mocked.

PostgreSQL and Redis tests skip loudly when the servers are unreachable on a developer's
machine, and fail when CI=true, so CI can never pass by skipping them.
"""

from __future__ import annotations

import contextlib
import os
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from service.app.factory import create_app
from service.auth.service import Role, create_key
from service.kit.db import create_db_engine, make_session_factory, normalize_database_url
from service.kit.migrate import upgrade
from service.kit.settings import Settings

POSTGRES_ADMIN_URL = os.environ.get(
    "TRUST_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_TEST_URL = os.environ.get("TRUST_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(what: str, why: str) -> None:
    """CI must run every backend; a developer without one gets a loud skip."""
    message = f"{what} unreachable ({why}); these tests did NOT run"
    if IN_CI:
        pytest.fail(f"{message} and CI=true requires them", pytrace=False)
    warnings.warn(message, stacklevel=2)
    pytest.skip(message)


@contextlib.contextmanager
def throwaway_postgres(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped on exit; skips (fails under CI) without one."""
    admin_url = normalize_database_url(POSTGRES_ADMIN_URL)
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        unavailable("PostgreSQL at " + POSTGRES_ADMIN_URL, type(exc).__name__)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway database for this test run, dropped at the end."""
    with throwaway_postgres("trustd_test") as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'trustd.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every storage test runs on both databases, migrated once, emptied after each test."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    engine = _migrated_engine(url)
    try:
        yield url
    finally:
        truncate_all(engine)


_MIGRATED: dict[str, Engine] = {}


def _migrated_engine(url: str) -> Engine:
    if url not in _MIGRATED:
        upgrade(url)
        _MIGRATED[url] = create_db_engine(url)
    return _MIGRATED[url]


def truncate_all(engine: Engine) -> None:
    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            if tables:
                quoted = ", ".join(f'"{t}"' for t in tables)
                conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
            if "sqlite_sequence" in inspect(engine).get_table_names():
                conn.execute(text("DELETE FROM sqlite_sequence"))
            conn.execute(text("PRAGMA foreign_keys=ON"))


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The real Redis, on a database number of its own, flushed before and after."""
    client = Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except Exception as exc:
        unavailable("Redis at " + REDIS_TEST_URL, type(exc).__name__)
    client.flushdb()
    try:
        yield REDIS_TEST_URL
    finally:
        client.flushdb()
        client.close()


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def build(**overrides: object) -> Settings:
        # Listing photos the hash stage leaves go to a deep check, as the deep-check tests
        # need; tests/service/listings/test_listing_inline_local.py sets the inline budget.
        values: dict[str, object] = {"env": "test", "var_dir": tmp_path / "var", "log_json": False,
                                     "listing_inline_local_budget_ms": 0.0}
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return build


@dataclass
class ApiKeys:
    admin: dict[str, str]
    platform: dict[str, str]
    other_platform: dict[str, str]
    moderator: dict[str, str]


@pytest.fixture
def settings(make_settings: Callable[..., Settings], database_url: str) -> Settings:
    return make_settings(database_url=database_url)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, load_in_background=False)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def api_keys(client: TestClient) -> ApiKeys:
    factory = client.app.state.trust.session_factory  # type: ignore[attr-defined]

    def header(role: Role, name: str, platform: str | None = None) -> dict[str, str]:
        with factory() as session:
            created = create_key(session, role, name, platform)
            session.commit()
        return {"Authorization": f"Bearer {created.secret}"}

    return ApiKeys(
        admin=header(Role.admin, "test-admin"),
        platform=header(Role.platform, "shop-a", "shop-a"),
        other_platform=header(Role.platform, "shop-b", "shop-b"),
        moderator=header(Role.moderator, "test-moderator"),
    )


@pytest.fixture
def session_factory(client: TestClient) -> sessionmaker[Session]:
    return make_session_factory(client.app.state.trust.engine)  # type: ignore[attr-defined]


def encode_image(img: Any, fmt: str = "JPEG", **params: object) -> bytes:
    import io

    out = io.BytesIO()
    img.save(out, format=fmt, **params)
    return out.getvalue()


@pytest.fixture
def photo() -> Callable[..., bytes]:
    """Distinct, realistic product photos generated in code: photo(seed, size=..., fmt=...)."""
    import io

    from PIL import Image

    from service.catalog.demo import product_photo

    def make(seed: int = 0, size: int = 320, fmt: str = "JPEG") -> bytes:
        data = product_photo(seed, size=size)
        if fmt == "JPEG":
            return data
        return encode_image(Image.open(io.BytesIO(data)), fmt)

    return make
