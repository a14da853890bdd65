"""matching: enrollment hashes of catalog images and their change log

Revision ID: matching_0001
Revises: 0001_foundation
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.kit.db import UTCDateTime

revision: str = "matching_0001"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "matching_hashes",
        sa.Column("id", _ID, nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("view", sa.String(length=32), nullable=False),
        sa.Column("phash", sa.String(length=16), nullable=False),
        sa.Column("dhash", sa.String(length=16), nullable=False),
        sa.Column("pdq", sa.String(length=64), nullable=False),
        sa.Column("quality", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(["image_id"], ["catalog_images.id"],
                                name=op.f("fk_matching_hashes_image_id_catalog_images"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matching_hashes")),
    )
    with op.batch_alter_table("matching_hashes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_matching_hashes_image_id"), ["image_id"])
    op.create_table(
        "matching_changes",
        sa.Column("seq", _ID, autoincrement=True, nullable=False),
        sa.Column("image_id", sa.BigInteger(), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_matching_changes")),
    )
    with op.batch_alter_table("matching_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_matching_changes_image_id"), ["image_id"])


def downgrade() -> None:
    with op.batch_alter_table("matching_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_matching_changes_image_id"))
    op.drop_table("matching_changes")
    with op.batch_alter_table("matching_hashes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_matching_hashes_image_id"))
    op.drop_table("matching_hashes")
