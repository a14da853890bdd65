"""sellers: buyer feedback and moderator-confirmed counterfeits

Revision ID: sellers_0001
Revises: 0001_foundation
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.kit.db import UTCDateTime

revision: str = "sellers_0001"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "seller_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.String(length=100), nullable=False),
        sa.Column("order_id", sa.String(length=200), nullable=False),
        sa.Column("seller_id", sa.String(length=200), nullable=False),
        sa.Column("buyer_key", sa.String(length=40), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("as_described", sa.Boolean(), nullable=True),
        sa.Column("counterfeit_suspected", sa.Boolean(), nullable=False),
        sa.Column("order_value", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("verified_order", sa.Boolean(), nullable=False),
        sa.Column("buyer_first_seen", UTCDateTime(), nullable=False),
        sa.Column("buyer_orders_other", sa.Integer(), nullable=False),
        sa.Column("buyer_sellers_other", sa.Integer(), nullable=False),
        sa.Column("buyer_account_created", UTCDateTime(), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_feedback")),
        sa.UniqueConstraint("platform_id", "order_id", name=op.f("uq_seller_feedback_platform_id_order_id")),
    )
    with op.batch_alter_table("seller_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seller_feedback_seller_id"), ["seller_id"])
        batch_op.create_index(batch_op.f("ix_seller_feedback_buyer_key"), ["buyer_key"])

    op.create_table(
        "seller_confirmed_counterfeits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("platform_id", sa.String(length=100), nullable=True),
        sa.Column("order_value", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("confirmed_by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("confirmed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_confirmed_counterfeits")),
        sa.UniqueConstraint(
            "seller_id",
            "reference",
            name=op.f("uq_seller_confirmed_counterfeits_seller_id_reference"),
        ),
    )
    with op.batch_alter_table("seller_confirmed_counterfeits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seller_confirmed_counterfeits_seller_id"), ["seller_id"])


def downgrade() -> None:
    with op.batch_alter_table("seller_confirmed_counterfeits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seller_confirmed_counterfeits_seller_id"))
    op.drop_table("seller_confirmed_counterfeits")
    with op.batch_alter_table("seller_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seller_feedback_buyer_key"))
        batch_op.drop_index(batch_op.f("ix_seller_feedback_seller_id"))
    op.drop_table("seller_feedback")
