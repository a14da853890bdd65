"""64-bit ids: every int4 id and the columns that reference one become bigint (PostgreSQL).

An id above 2^31 could neither be stored nor looked up; now ids are 64-bit everywhere.
SQLite's INTEGER is 64-bit already: there this revision changes nothing. The serial
sequences behind the ids are widened too (a sequence created for an int4 column stops at
2^31 - 1).

Revision ID: ids64_0001
Revises: listings_0003, matching_0005, sellers_0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ids64_0001"
down_revision: str | Sequence[str] | None = ("listings_0003", "matching_0005", "sellers_0001")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> its int4 id (when it has a serial one) and the columns referencing other ids
COLUMNS: dict[str, tuple[str, ...]] = {
    "api_keys": ("id",),
    "catalog_products": ("id",),
    "catalog_images": ("id", "product_id"),
    "matching_hashes": ("image_id",),
    "matching_features": ("image_id",),
    "listings": ("id",),
    "listing_assessments": ("id", "listing_pk"),
    "listing_deep_checks": ("id", "listing_pk", "assessment_id"),
    "listing_deep_check_photos": ("id", "check_id"),
    "review_items": ("id", "listing_pk", "assessment_id"),
    "review_audit": ("id", "item_id"),
    "webhook_endpoints": ("id",),
    "webhook_deliveries": ("id", "endpoint_id"),
    "webhook_attempts": ("id", "delivery_id"),
    "batch_job_items": ("id",),
    "seller_feedback": ("id",),
    "seller_confirmed_counterfeits": ("id",),
}


def _retype(to: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        changes = ", ".join(f'ALTER COLUMN "{c}" TYPE {to}' for c in columns)
        op.execute(f'ALTER TABLE "{table}" {changes}')
        if "id" in columns:
            sequence = bind.execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"),
                                    {"t": table}).scalar()
            if sequence:
                op.execute(f"ALTER SEQUENCE {sequence} AS {to}")


def upgrade() -> None:
    _retype("BIGINT")


def downgrade() -> None:
    _retype("INTEGER")
