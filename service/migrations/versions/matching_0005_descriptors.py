"""matching: global descriptors of each catalog image (the photo, its mirror, its centre)

float16 rows of models/artifacts/descriptor-v1's 256 dimensions
(models.descriptor.index.pack_views). NULL on rows computed by an earlier pipeline
version, which the service re-enrols (their evidence_version differs).

Revision ID: matching_0005
Revises: matching_0004
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "matching_0005"
down_revision: str | Sequence[str] | None = "matching_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("matching_features") as batch:
        batch.add_column(sa.Column("descriptors", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("matching_features") as batch:
        batch.drop_column("descriptors")
