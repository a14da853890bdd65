"""badges: report-form tokens already spent (a token files one report)

Revision ID: badges_0001
Revises: 0001_foundation
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.kit.db import UTCDateTime

revision: str = "badges_0001"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "used_form_tokens",
        sa.Column("token_id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_used_form_tokens")),
    )
    op.create_index(op.f("ix_used_form_tokens_expires_at"), "used_form_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_used_form_tokens_expires_at"), table_name="used_form_tokens")
    op.drop_table("used_form_tokens")
