"""Every id column and every column that references one is 64-bit on PostgreSQL: an int4 id
runs out at 2^31, and a 64-bit id stored through an int4 foreign key fails on insert."""

from __future__ import annotations

import pytest
from sqlalchemy import BigInteger, Integer
from sqlalchemy.dialects import postgresql

from service.migrations.tables import Base

COLUMNS = [(table.name, column) for table in Base.metadata.sorted_tables
           for column in table.columns
           if (column.primary_key or column.foreign_keys)
           and isinstance(column.type.dialect_impl(postgresql.dialect()), Integer)]


def test_there_are_integer_id_columns_to_check() -> None:
    assert len(COLUMNS) >= 10


@pytest.mark.parametrize(("table", "column"), COLUMNS, ids=[f"{t}.{c.name}" for t, c in COLUMNS])
def test_integer_ids_and_their_references_are_64_bit_on_postgresql(table: str, column) -> None:
    impl = column.type.dialect_impl(postgresql.dialect())
    assert isinstance(impl, BigInteger), f"{table}.{column.name} is {impl!r} on PostgreSQL"
