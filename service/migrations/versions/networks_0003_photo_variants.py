"""networks: a popular photo's edits count towards its popularity

network_variant_views holds the enrolment views of photo groups posted by many sellers;
network_variants pairs photo groups that are edits of one photo (a crop, a screenshot), so
that the cap on sellers counts every variant of a photo, not one group of near-identical
prints.

Revision ID: networks_0003
Revises: networks_0002
Create Date: 2027-02-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "networks_0003"
down_revision: str | Sequence[str] | None = "networks_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "network_variant_views",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("group_id", BIG_ID, nullable=False),
        sa.Column("platform_id", sa.String(length=100), nullable=False),
        sa.Column("view", sa.String(length=40), nullable=False),
        sa.Column("phash", sa.LargeBinary(), nullable=False),
        sa.Column("pdq", sa.LargeBinary(), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["network_groups.id"], ondelete="CASCADE",
                                name=op.f("fk_network_variant_views_group_id_network_groups")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_variant_views")),
    )
    with op.batch_alter_table("network_variant_views", schema=None) as batch_op:
        batch_op.create_index("ix_network_variant_views_group", ["group_id"])
    op.create_table(
        "network_variants",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("group_id", BIG_ID, nullable=False),
        sa.Column("variant_id", BIG_ID, nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["network_groups.id"], ondelete="CASCADE",
                                name=op.f("fk_network_variants_group_id_network_groups")),
        sa.ForeignKeyConstraint(["variant_id"], ["network_groups.id"], ondelete="CASCADE",
                                name=op.f("fk_network_variants_variant_id_network_groups")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_variants")),
        sa.UniqueConstraint("group_id", "variant_id",
                            name=op.f("uq_network_variants_group_id_variant_id")),
    )


def downgrade() -> None:
    op.drop_table("network_variants")
    with op.batch_alter_table("network_variant_views", schema=None) as batch_op:
        batch_op.drop_index("ix_network_variant_views_group")
    op.drop_table("network_variant_views")
