"""matching: colour layout of an enrollment view (models/hashing/colour.py)

Only the whole photo and its banner cuts carry one; NULL elsewhere and on rows computed by
an earlier pipeline version, which the service re-enrols (their evidence_version differs).

Revision ID: matching_0004
Revises: matching_0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "matching_0004"
down_revision: str | Sequence[str] | None = "matching_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("matching_hashes") as batch:
        batch.add_column(sa.Column("colour", sa.String(length=384), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("matching_hashes") as batch:
        batch.drop_column("colour")
