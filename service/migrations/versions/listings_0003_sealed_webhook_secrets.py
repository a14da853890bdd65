"""webhooks: room for sealed signing secrets (service/webhooks/sealing.py)

Existing plain values keep working (they carry no seal prefix) and are left as they are.

Revision ID: listings_0003
Revises: listings_0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "listings_0003"
down_revision: str | Sequence[str] | None = "listings_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.alter_column("secret", existing_type=sa.String(length=100),
                           type_=sa.String(length=160), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.alter_column("secret", existing_type=sa.String(length=160),
                           type_=sa.String(length=100), existing_nullable=False)
