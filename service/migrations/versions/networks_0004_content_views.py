"""networks: a shared screenshot's content is stored with its group

network_variant_views.content marks the views that are a small shared group's content
regions (its picture with the app's bands cut) rather than a popular photo's enrolment
views, so that the popular photo's later posts find the screenshots posted before it was
popular.

Revision ID: networks_0004
Revises: networks_0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "networks_0004"
down_revision: str | Sequence[str] | None = "networks_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("network_variant_views", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content", sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("network_variant_views", schema=None) as batch_op:
        batch_op.drop_column("content")
