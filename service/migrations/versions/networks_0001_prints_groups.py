"""networks: prints of listing photos and captions, groups of near-identical prints, their
bucket keys and member sellers

Revision ID: networks_0001
Revises: 0001_foundation
Create Date: 2027-01-20
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.kit.db import UTCDateTime

revision: str = "networks_0001"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "network_groups",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("platform_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("code", sa.LargeBinary(), nullable=False),
        sa.Column("sellers", sa.Integer(), nullable=False),
        sa.Column("catalog", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_groups")),
        sa.UniqueConstraint("platform_id", "kind", "code",
                            name=op.f("uq_network_groups_platform_id_kind_code")),
    )
    op.create_table(
        "network_group_keys",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("group_id", BIG_ID, nullable=False),
        sa.Column("platform_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("key", BIG_ID, nullable=False),
        sa.Column("phash", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["group_id"], ["network_groups.id"], ondelete="CASCADE",
                                name=op.f("fk_network_group_keys_group_id_network_groups")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_group_keys")),
    )
    with op.batch_alter_table("network_group_keys", schema=None) as batch_op:
        batch_op.create_index("ix_network_group_keys_lookup",
                              ["platform_id", "kind", "key", "group_id", "phash"])
        batch_op.create_index(batch_op.f("ix_network_group_keys_group_id"), ["group_id"])
    op.create_table(
        "network_members",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("group_id", BIG_ID, nullable=False),
        sa.Column("seller_id", sa.String(length=200), nullable=False),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["network_groups.id"], ondelete="CASCADE",
                                name=op.f("fk_network_members_group_id_network_groups")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_members")),
        sa.UniqueConstraint("group_id", "seller_id",
                            name=op.f("uq_network_members_group_id_seller_id")),
    )
    with op.batch_alter_table("network_members", schema=None) as batch_op:
        batch_op.create_index("ix_network_members_seller", ["seller_id", "group_id"])
    op.create_table(
        "network_prints",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("platform_id", sa.String(length=100), nullable=False),
        sa.Column("seller_id", sa.String(length=200), nullable=False),
        sa.Column("listing_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("photo_index", sa.Integer(), nullable=True),
        sa.Column("pdq", sa.LargeBinary(), nullable=True),
        sa.Column("phash", sa.LargeBinary(), nullable=True),
        sa.Column("quality", sa.Integer(), nullable=True),
        sa.Column("signature", sa.LargeBinary(), nullable=True),
        sa.Column("catalog", sa.Boolean(), nullable=False),
        sa.Column("group_id", BIG_ID, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["network_groups.id"], ondelete="SET NULL",
                                name=op.f("fk_network_prints_group_id_network_groups")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_prints")),
    )
    with op.batch_alter_table("network_prints", schema=None) as batch_op:
        batch_op.create_index("ix_network_prints_seller", ["platform_id", "seller_id", "id"])
        batch_op.create_index("ix_network_prints_group", ["group_id", "seller_id"])
        batch_op.create_index("ix_network_prints_listing", ["platform_id", "listing_id"])


def downgrade() -> None:
    with op.batch_alter_table("network_prints", schema=None) as batch_op:
        batch_op.drop_index("ix_network_prints_listing")
        batch_op.drop_index("ix_network_prints_group")
        batch_op.drop_index("ix_network_prints_seller")
    op.drop_table("network_prints")
    with op.batch_alter_table("network_members", schema=None) as batch_op:
        batch_op.drop_index("ix_network_members_seller")
    op.drop_table("network_members")
    with op.batch_alter_table("network_group_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_group_keys_group_id"))
        batch_op.drop_index("ix_network_group_keys_lookup")
    op.drop_table("network_group_keys")
    op.drop_table("network_groups")
