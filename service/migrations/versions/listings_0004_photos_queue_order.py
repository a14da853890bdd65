"""listings: flagged listings' photos for the moderator console; review queue indexes

Revision ID: listings_0004_photos
Revises: listings_0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "listings_0004_photos"
down_revision: str | Sequence[str] | None = "listings_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "listing_photos",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("listing_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("photo_index", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["listing_pk"], ["listings.id"],
                                name=op.f("fk_listing_photos_listing_pk_listings"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_photos")),
        sa.UniqueConstraint("listing_pk", "content_hash", "photo_index",
                            name=op.f("uq_listing_photos_listing_pk_content_hash_photo_index")),
    )
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.create_index("ix_review_items_queue_order",
                              ["status", "queue", "level", "enqueued_at", "id"], unique=False)
        batch_op.create_index("ix_review_items_lease_holder", ["lease_holder"], unique=False)
        batch_op.create_index("ix_review_items_platform_seller", ["platform_id", "seller_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.drop_index("ix_review_items_platform_seller")
        batch_op.drop_index("ix_review_items_lease_holder")
        batch_op.drop_index("ix_review_items_queue_order")
    op.drop_table("listing_photos")
