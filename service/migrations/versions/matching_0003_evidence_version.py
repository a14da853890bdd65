"""matching: which pipeline version computed each catalog image's stored evidence

Existing rows were computed by the first version ("h1.l1"); the service re-enrols images
whose version differs from models.hashing.analysis.EVIDENCE_VERSION (service.matching).

Revision ID: matching_0003
Revises: matching_0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "matching_0003"
down_revision: str | Sequence[str] | None = "matching_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("matching_features") as batch:
        batch.add_column(sa.Column("evidence_version", sa.String(length=16),
                                   server_default="h1.l1", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("matching_features") as batch:
        batch.drop_column("evidence_version")
