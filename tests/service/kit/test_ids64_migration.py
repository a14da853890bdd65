"""The 64-bit id migration on a PostgreSQL database that already holds rows under int4 ids:
the columns and their sequences widen, rows and foreign keys survive, and new ids continue
past 2^31; downgrading narrows them again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DataError

from service.kit.migrate import alembic_config, pending_revisions, upgrade
from service.migrations.versions.ids64_0001_bigint_ids import COLUMNS, down_revision
from tests.conftest import throwaway_postgres

PRODUCT = ("INSERT INTO catalog_products (brand, brand_key, name, sku, list_price, currency, "
           "authorized_seller_ids, created_at, updated_at) VALUES ('B', 'b', 'N', :sku, 1, 'USD', "
           "'[]', now(), now()) RETURNING id")
IMAGE = ("INSERT INTO catalog_images (product_id, sha256, byte_size, format, width, height, "
         "created_at, data) VALUES (:p, 'ab', 1, 'JPEG', 16, 16, now(), '\\x00') RETURNING id")


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    with throwaway_postgres("trustd_ids64") as url:
        yield url


def column_types(conn) -> dict[tuple[str, str], str]:
    rows = conn.execute(text("SELECT table_name, column_name, data_type FROM "
                             "information_schema.columns WHERE table_schema = 'public'"))
    return {(t, c): d for t, c, d in rows}


@pytest.mark.postgres
def _and_later(revision: str, cfg) -> set[str]:
    """``revision`` and every revision that builds on it (a downgrade takes them too)."""
    revisions = list(ScriptDirectory.from_config(cfg).walk_revisions())
    later = {revision}
    while True:
        more = {r.revision for r in revisions if r.revision not in later and any(
            d in later for d in ((r.down_revision,) if isinstance(r.down_revision, str)
                                 else (r.down_revision or ())))}
        if not more:
            return later
        later |= more


def test_int4_ids_become_bigint_with_their_rows(empty_postgres: str) -> None:
    cfg = alembic_config(empty_postgres)
    for head in down_revision:  # the database as it was before this revision
        command.upgrade(cfg, head)
    engine = create_engine(empty_postgres)
    with engine.begin() as conn:
        assert column_types(conn)[("catalog_products", "id")] == "integer"
        product = conn.execute(text(PRODUCT), {"sku": "s1"}).scalar_one()
        image = conn.execute(text(IMAGE), {"p": product}).scalar_one()
    upgrade(empty_postgres)
    assert pending_revisions(engine, empty_postgres) == set()
    with engine.begin() as conn:
        types = column_types(conn)
        for table, columns in COLUMNS.items():
            for column in columns:
                assert types[(table, column)] == "bigint", (table, column)
        assert conn.execute(text("SELECT product_id FROM catalog_images WHERE id = :i"),
                            {"i": image}).scalar_one() == product
        conn.execute(text("SELECT setval(pg_get_serial_sequence('catalog_products', 'id'), "
                          ":v)"), {"v": 2**40})
        big = conn.execute(text(PRODUCT), {"sku": "s2"}).scalar_one()
        assert big == 2**40 + 1
        assert conn.execute(text(IMAGE), {"p": big}).scalar_one() > image
        conn.execute(text("DELETE FROM catalog_products WHERE id = :i"), {"i": big})
    # Narrowing a sequence that has passed 2^31 is refused, and nothing changes.
    with pytest.raises(DataError):
        command.downgrade(cfg, down_revision[0])
    # (a revision built on this one may have been downgraded before this one refused)
    assert "ids64_0001" not in pending_revisions(engine, empty_postgres)
    with engine.begin() as conn:
        conn.execute(text("SELECT setval(pg_get_serial_sequence('catalog_products', 'id'), "
                          ":v)"), {"v": product})
    command.downgrade(cfg, down_revision[0])  # back to the merged heads: this revision only
    pending = pending_revisions(engine, empty_postgres)
    assert "ids64_0001" in pending and pending <= _and_later(down_revision[0], cfg)
    with engine.begin() as conn:
        assert column_types(conn)[("catalog_images", "product_id")] == "integer"
    engine.dispose()
