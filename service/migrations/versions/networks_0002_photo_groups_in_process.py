"""networks: photo groups are searched in process, not through bucket keys in the database

Photo groups lose their bucket key rows (and the key rows their pHash column): every
process holds the platforms' photo groups by pHash in memory (service/networks/runtime.py),
loaded from network_groups. Caption groups keep their LSH band keys. Downgrading writes the
photo groups' bucket keys again from their codes.

Revision ID: networks_0002
Revises: networks_0001
Create Date: 2027-01-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "networks_0002"
down_revision: str | Sequence[str] | None = "networks_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEYS = sa.table("network_group_keys", sa.column("group_id", sa.BigInteger()),
                 sa.column("platform_id", sa.String()), sa.column("kind", sa.String()),
                 sa.column("key", sa.BigInteger()), sa.column("phash", sa.LargeBinary()))
_GROUPS = sa.table("network_groups", sa.column("id", sa.BigInteger()),
                   sa.column("platform_id", sa.String()), sa.column("kind", sa.String()),
                   sa.column("code", sa.LargeBinary()))


def upgrade() -> None:
    op.execute(_KEYS.delete().where(_KEYS.c.kind == "photo"))
    with op.batch_alter_table("network_group_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_network_group_keys_lookup")
        batch_op.drop_column("phash")
        batch_op.create_index("ix_network_group_keys_lookup",
                              ["platform_id", "kind", "key", "group_id"])


def _photo_keys(phash: bytes) -> list[int]:
    """models/networks/buckets.stored_keys as it was when the keys were dropped (written
    here: a migration must not change with the code)."""
    value = int.from_bytes(phash, "big")
    return [(i << 16) | ((value >> (16 * (3 - i))) & 0xFFFF) for i in range(4)]


def downgrade() -> None:
    with op.batch_alter_table("network_group_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_network_group_keys_lookup")
        batch_op.add_column(sa.Column("phash", sa.LargeBinary(), nullable=True))
        batch_op.create_index("ix_network_group_keys_lookup",
                              ["platform_id", "kind", "key", "group_id", "phash"])
    bind = op.get_bind()
    groups = bind.execute(sa.select(_GROUPS.c.id, _GROUPS.c.platform_id, _GROUPS.c.code)
                          .where(_GROUPS.c.kind == "photo"))
    rows = [{"group_id": i, "platform_id": platform, "kind": "photo", "key": key,
             "phash": bytes(code)[32:40]}
            for i, platform, code in groups for key in _photo_keys(bytes(code)[32:40])]
    if rows:
        bind.execute(_KEYS.insert(), rows)
