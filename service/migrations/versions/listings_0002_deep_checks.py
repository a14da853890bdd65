"""listings: deferred deep checks (keypoint matching after the response) and their photos

Revision ID: listings_0002
Revises: listings_0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.kit.db import UTCDateTime

revision: str = "listings_0002"
down_revision: str | Sequence[str] | None = "listings_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "listing_deep_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_pk", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("backend", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("photo_count", sa.Integer(), nullable=False),
        sa.Column("request_matches", sa.JSON(), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("result_version", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["assessment_id"], ["listing_assessments.id"],
                                name=op.f("fk_listing_deep_checks_assessment_id_listing_assessments"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["listing_pk"], ["listings.id"],
                                name=op.f("fk_listing_deep_checks_listing_pk_listings"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_deep_checks")),
        sa.UniqueConstraint("assessment_id", name=op.f("uq_listing_deep_checks_assessment_id")),
    )
    with op.batch_alter_table("listing_deep_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_listing_deep_checks_listing_pk"), ["listing_pk"],
                              unique=False)
        batch_op.create_index("ix_listing_deep_checks_status_backend", ["status", "backend"],
                              unique=False)

    op.create_table(
        "listing_deep_check_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("photo_index", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["check_id"], ["listing_deep_checks.id"],
                                name=op.f("fk_listing_deep_check_photos_check_id_listing_deep_checks"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_deep_check_photos")),
    )
    with op.batch_alter_table("listing_deep_check_photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_listing_deep_check_photos_check_id"), ["check_id"],
                              unique=False)


def downgrade() -> None:
    op.drop_table("listing_deep_check_photos")
    op.drop_table("listing_deep_checks")
