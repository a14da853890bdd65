"""platforms: decision thresholds set through the admin API, and their audit

Revision ID: platforms_0001
Revises: 0001_foundation
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.kit.db import UTCDateTime

revision: str = "platforms_0001"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "platform_thresholds",
        sa.Column("platform_id", sa.String(length=100), nullable=False),
        sa.Column("review", sa.Float(), nullable=False),
        sa.Column("block", sa.Float(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("platform_id", name=op.f("pk_platform_thresholds")),
    )
    op.create_table(
        "platform_threshold_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("platform_id", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("review", sa.Float(), nullable=True),
        sa.Column("block", sa.Float(), nullable=True),
        sa.Column("previous_review", sa.Float(), nullable=False),
        sa.Column("previous_block", sa.Float(), nullable=False),
        sa.Column("actor_key_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_threshold_changes")),
    )
    with op.batch_alter_table("platform_threshold_changes", schema=None) as batch_op:
        batch_op.create_index("ix_platform_threshold_changes_platform_id_id",
                              ["platform_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("platform_threshold_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_platform_threshold_changes_platform_id_id")
    op.drop_table("platform_threshold_changes")
    op.drop_table("platform_thresholds")
