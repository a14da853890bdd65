"""Migrations go up on both databases, and down and up again cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect

from service.kit.db import create_db_engine
from service.kit.migrate import alembic_config, pending_revisions, upgrade
from service.migrations.tables import Base


def test_upgrade_reaches_heads_with_every_table(database_url: str) -> None:
    engine = create_db_engine(database_url)
    upgrade(database_url)  # a second run is a no-op
    assert pending_revisions(engine, database_url) == set()
    tables = set(inspect(engine).get_table_names())
    assert {"api_keys", "app_meta", "catalog_products", "catalog_images"} <= tables
    assert set(Base.metadata.tables) <= tables  # every mapped table has a migration
    engine.dispose()


def test_downgrade_to_base_and_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "base")
    engine = create_db_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(url)
    assert pending_revisions(engine, url) == set()
    engine.dispose()


def test_migrations_match_the_mapped_tables(database_url: str) -> None:
    """What Alembic would autogenerate now must be nothing: models and migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = create_db_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []
