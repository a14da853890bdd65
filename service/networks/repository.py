"""All SQL of the networks domain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.networks.tables import NetworkGroup, NetworkGroupKey, NetworkMember, NetworkPrint

# Bucket keys per statement: PostgreSQL and SQLite take far more bound values, but a short
# list keeps each statement's plan an index probe per key.
_KEYS_PER_QUERY = 1000


def candidate_groups(session: Session, platform_id: str, kind: str,
                     keys: Sequence[int]) -> dict[int, bytes]:
    """Id -> code of the platform's groups of this kind stored under any of ``keys`` (two
    columns, no ORM objects: a query reads hundreds of candidates to verify)."""
    found: dict[int, bytes] = {}
    unique = sorted(set(keys))
    for start in range(0, len(unique), _KEYS_PER_QUERY):
        part = unique[start:start + _KEYS_PER_QUERY]
        query = select(NetworkGroup.id, NetworkGroup.code).join(
            NetworkGroupKey, NetworkGroupKey.group_id == NetworkGroup.id).where(
            NetworkGroupKey.platform_id == platform_id, NetworkGroupKey.kind == kind,
            NetworkGroupKey.key.in_(part))
        for group_id, code in session.execute(query):
            found[int(group_id)] = bytes(code)
    return found


def add_group(session: Session, platform_id: str, kind: str, code: bytes, keys: Sequence[int],
              catalog: bool, now: dt.datetime) -> NetworkGroup:
    group = NetworkGroup(platform_id=platform_id, kind=kind, code=code, sellers=0,
                         catalog=catalog, created_at=now)
    session.add(group)
    session.flush()
    session.add_all([NetworkGroupKey(group_id=group.id, platform_id=platform_id, kind=kind,
                                     key=k) for k in dict.fromkeys(keys)])
    return group


def add_member(session: Session, group_id: int, seller_id: str, now: dt.datetime) -> bool:
    """Whether the seller is new to the group (a concurrent insert of the same pair is
    skipped, not an error: the pair is unique)."""
    values = {"group_id": group_id, "seller_id": seller_id, "first_seen": now}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(NetworkMember).values(**values).on_conflict_do_nothing(
        index_elements=["group_id", "seller_id"])
    return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def note_group(session: Session, group_id: int, new_seller: bool, catalog: bool) -> None:
    """One more seller (counted in SQL, so concurrent writers add up), and the catalog mark
    (once set, never cleared)."""
    values: dict[str, Any] = {}
    if new_seller:
        values["sellers"] = NetworkGroup.sellers + 1
    if catalog:
        values["catalog"] = True
    if values:
        session.execute(update(NetworkGroup).where(NetworkGroup.id == group_id).values(**values))


def add_prints(session: Session, rows: Sequence[NetworkPrint]) -> None:
    session.add_all(rows)
    session.flush()


def groups_by_id(session: Session, ids: Collection[int]) -> dict[int, NetworkGroup]:
    if not ids:
        return {}
    return {g.id: g for g in session.scalars(select(NetworkGroup).where(
        NetworkGroup.id.in_(sorted(ids))))}


def co_members(session: Session, group_ids: Collection[int], seller_id: str,
               limit: int) -> list[tuple[int, str]]:
    """(group_id, seller_id) of the other sellers in these groups, at most ``limit``."""
    if not group_ids:
        return []
    query = select(NetworkMember.group_id, NetworkMember.seller_id).where(
        NetworkMember.group_id.in_(sorted(group_ids)), NetworkMember.seller_id != seller_id
    ).order_by(NetworkMember.id).limit(limit)
    return [(int(row[0]), str(row[1])) for row in session.execute(query)]


def seller_prints(session: Session, platform_id: str, seller_id: str,
                  limit: int) -> list[NetworkPrint]:
    """The seller's most recent prints that belong to a group."""
    query = select(NetworkPrint).where(
        NetworkPrint.platform_id == platform_id, NetworkPrint.seller_id == seller_id,
        NetworkPrint.group_id.is_not(None)).order_by(NetworkPrint.id.desc()).limit(limit)
    return list(session.scalars(query))


def listing_prints(session: Session, platform_id: str, listing_id: str) -> list[NetworkPrint]:
    query = select(NetworkPrint).where(NetworkPrint.platform_id == platform_id,
                                       NetworkPrint.listing_id == listing_id)
    return list(session.scalars(query.order_by(NetworkPrint.id)))


def has_seller(session: Session, platform_id: str, seller_id: str) -> bool:
    query = select(NetworkPrint.id).where(NetworkPrint.platform_id == platform_id,
                                          NetworkPrint.seller_id == seller_id).limit(1)
    return session.scalar(query) is not None


def platforms_of_seller(session: Session, seller_id: str, limit: int) -> list[str]:
    query = select(NetworkPrint.platform_id).where(NetworkPrint.seller_id == seller_id
                                                   ).distinct().limit(limit)
    return list(session.scalars(query))


def group_prints(session: Session, group_ids: Collection[int], seller_ids: Collection[str],
                 per_query: int) -> list[NetworkPrint]:
    """The prints of these sellers in these groups, newest first, at most ``per_query``."""
    if not group_ids or not seller_ids:
        return []
    query = select(NetworkPrint).where(
        NetworkPrint.group_id.in_(sorted(group_ids)),
        NetworkPrint.seller_id.in_(sorted(seller_ids))).order_by(
        NetworkPrint.id.desc()).limit(per_query)
    return list(session.scalars(query))


def mark_catalog(session: Session, platform_id: str, listing_id: str,
                 photo_indexes: Collection[int]) -> None:
    """A later stage found these photos in the catalog: their prints and groups are
    official photos from now on."""
    if not photo_indexes:
        return
    rows = list(session.scalars(select(NetworkPrint).where(
        NetworkPrint.platform_id == platform_id, NetworkPrint.listing_id == listing_id,
        NetworkPrint.kind == "photo", NetworkPrint.photo_index.in_(sorted(photo_indexes)))))
    for row in rows:
        row.catalog = True
    groups = {r.group_id for r in rows if r.group_id is not None}
    if groups:
        session.execute(update(NetworkGroup).where(NetworkGroup.id.in_(sorted(groups))).values(
            catalog=True))
    session.flush()


def count_prints(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(NetworkPrint)) or 0)
