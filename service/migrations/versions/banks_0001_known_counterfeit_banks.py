"""banks: known-counterfeit banks, entries, hashes, subscriptions and their change log

Revision ID: banks_0001
Revises: 0001_foundation
Create Date: 2027-01-20
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.kit.db import UTCDateTime

revision: str = "banks_0001"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "banks",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("owner_platform_id", sa.String(length=100), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_banks")),
        sa.UniqueConstraint("name", name=op.f("uq_banks_name")),
    )
    op.create_table(
        "bank_subscriptions",
        sa.Column("id", ID, nullable=False),
        sa.Column("platform_id", sa.String(length=100), nullable=False),
        sa.Column("bank_id", ID, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["bank_id"], ["banks.id"], ondelete="CASCADE",
                                name=op.f("fk_bank_subscriptions_bank_id_banks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_subscriptions")),
        sa.UniqueConstraint("platform_id", "bank_id",
                            name=op.f("uq_bank_subscriptions_platform_id_bank_id")),
    )
    op.create_index(op.f("ix_bank_subscriptions_bank_id"), "bank_subscriptions", ["bank_id"])
    op.create_table(
        "bank_entries",
        sa.Column("id", ID, nullable=False),
        sa.Column("bank_id", ID, nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("review_item_id", sa.BigInteger(), nullable=True),
        sa.Column("listing_id", sa.String(length=200), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("photo_index", sa.SmallInteger(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("removed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["bank_id"], ["banks.id"], ondelete="CASCADE",
                                name=op.f("fk_bank_entries_bank_id_banks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_entries")),
        sa.UniqueConstraint("bank_id", "ref", name=op.f("uq_bank_entries_bank_id_ref")),
    )
    op.create_index("ix_bank_entries_review_item_id", "bank_entries", ["review_item_id"])
    op.create_table(
        "bank_hashes",
        sa.Column("id", ID, nullable=False),
        sa.Column("entry_id", ID, nullable=False),
        sa.Column("view", sa.String(length=64), nullable=False),
        sa.Column("signal_type", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("quality", sa.SmallInteger(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["entry_id"], ["bank_entries.id"], ondelete="CASCADE",
                                name=op.f("fk_bank_hashes_entry_id_bank_entries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_hashes")),
    )
    op.create_index(op.f("ix_bank_hashes_entry_id"), "bank_hashes", ["entry_id"])
    op.create_table(
        "bank_changes",
        sa.Column("seq", ID, autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_bank_changes")),
    )
    op.create_index(op.f("ix_bank_changes_entry_id"), "bank_changes", ["entry_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_bank_changes_entry_id"), table_name="bank_changes")
    op.drop_table("bank_changes")
    op.drop_index(op.f("ix_bank_hashes_entry_id"), table_name="bank_hashes")
    op.drop_table("bank_hashes")
    op.drop_index("ix_bank_entries_review_item_id", table_name="bank_entries")
    op.drop_table("bank_entries")
    op.drop_index(op.f("ix_bank_subscriptions_bank_id"), table_name="bank_subscriptions")
    op.drop_table("bank_subscriptions")
    op.drop_table("banks")
