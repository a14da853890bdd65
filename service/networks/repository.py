"""All SQL of the networks domain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, insert, or_, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from service.networks.tables import (
    CAPTION,
    PHOTO,
    NetworkGroup,
    NetworkGroupKey,
    NetworkMember,
    NetworkPrint,
    NetworkVariant,
    NetworkVariantView,
)


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" \
        else sqlite.insert


def groups_after(session: Session, after: int, also: Sequence[int], limit: int
                 ) -> list[tuple[int, str, str, bytes]]:
    """(id, platform, kind, pHash) of the groups of id above ``after`` or in ``also``, in id
    order, at most ``limit``: what the in-process photo index loads and syncs
    (service/networks/runtime.py). Caption groups come with an empty pHash: their ids
    tell the index how far it has read."""
    g = NetworkGroup
    phash = case((g.kind == PHOTO, func.substr(g.code, 33, 8)), else_=b"")
    wanted = g.id > after if not also else or_(g.id > after, g.id.in_(also))
    query = select(g.id, g.platform_id, g.kind, phash).where(wanted).order_by(g.id).limit(limit)
    return [(int(i), str(platform), str(kind), bytes(code))
            for i, platform, kind, code in session.execute(query)]


@dataclass(frozen=True)
class GroupState:
    kind: str
    code: bytes
    sellers: int
    catalog: bool


def group_states(session: Session, ids: Collection[int]) -> dict[int, GroupState]:
    """What deciding and counting need of these groups, read fresh (counters are updated in
    SQL by concurrent writers): no ORM objects."""
    if not ids:
        return {}
    g = NetworkGroup
    query = select(g.id, g.kind, g.code, g.sellers, g.catalog).where(g.id.in_(sorted(ids)))
    return {int(i): GroupState(str(kind), bytes(code), int(sellers), bool(catalog))
            for i, kind, code, sellers, catalog in session.execute(query)}


def candidate_groups(session: Session, platform_id: str, photo_groups: Collection[int],
                     caption_keys: Sequence[int]) -> dict[int, GroupState]:
    """In one statement: the state of the platform's groups among ``photo_groups`` (found in
    process) and of its caption groups stored under any of these LSH band keys (an index
    probe a key, one row a group that shares the band)."""
    if not photo_groups and not caption_keys:
        return {}
    g, k = NetworkGroup, NetworkGroupKey
    columns = (g.id, g.kind, g.code, g.sellers, g.catalog)
    legs = []
    if photo_groups:
        legs.append(select(*columns).where(g.platform_id == platform_id,
                                           g.id.in_(sorted(photo_groups))))
    if caption_keys:  # a join, not an OR of subqueries: PostgreSQL scans the groups for that
        legs.append(select(*columns).join(k, k.group_id == g.id).where(
            k.platform_id == platform_id, k.kind == CAPTION,
            k.key.in_(sorted(set(caption_keys)))))
    query = legs[0] if len(legs) == 1 else union_all(*legs)
    return {int(i): GroupState(str(kind), bytes(code), int(sellers), bool(catalog))
            for i, kind, code, sellers, catalog in session.execute(query)}


@dataclass(frozen=True)
class NewGroup:
    kind: str
    code: bytes
    keys: Sequence[int]  # captions: their band keys (photos are found in process)
    catalog: bool


def add_groups(session: Session, platform_id: str, new: Sequence[NewGroup],
               now: dt.datetime) -> list[tuple[int, bool]]:
    """(id, whether it already existed) per new group, in order. A group of the same code
    written meanwhile by a concurrent listing is joined, not duplicated (the code is unique
    per platform and kind); only the groups written here get keys."""
    if not new:
        return []
    g = NetworkGroup
    statement = _insert(session)(g).on_conflict_do_nothing(
        index_elements=["platform_id", "kind", "code"]).returning(g.id, g.kind, g.code)
    rows = [{"platform_id": platform_id, "kind": n.kind, "code": n.code, "sellers": 0,
             "catalog": n.catalog, "created_at": now} for n in new]
    made = {(str(kind), bytes(code)): int(i) for i, kind, code in
            session.execute(statement, rows)}
    missing = [n for n in new if (n.kind, n.code) not in made]
    existing: dict[tuple[str, bytes], int] = {}
    if missing:
        query = select(g.id, g.kind, g.code).where(
            g.platform_id == platform_id, g.kind.in_(sorted({n.kind for n in missing})),
            g.code.in_([n.code for n in missing]))
        existing = {(str(kind), bytes(code)): int(i) for i, kind, code in
                    session.execute(query)}
    keys = [{"group_id": made[(n.kind, n.code)], "platform_id": platform_id, "kind": n.kind,
             "key": key}
            for n in new if (n.kind, n.code) in made for key in dict.fromkeys(n.keys)]
    if keys:
        session.execute(insert(NetworkGroupKey), keys)
    return [(made[(n.kind, n.code)], False) if (n.kind, n.code) in made
            else (existing[(n.kind, n.code)], True) for n in new]


def add_members(session: Session, group_ids: Collection[int], seller_id: str,
                now: dt.datetime) -> set[int]:
    """The groups the seller is new to (a concurrent insert of the same pair is skipped, not
    an error: the pair is unique)."""
    if not group_ids:
        return set()
    m = NetworkMember
    statement = _insert(session)(m).on_conflict_do_nothing(
        index_elements=["group_id", "seller_id"]).returning(m.group_id)
    rows = [{"group_id": group_id, "seller_id": seller_id, "first_seen": now}
            for group_id in sorted(group_ids)]
    return {int(group_id) for group_id in session.scalars(statement, rows)}


def note_groups(session: Session, new_seller: Collection[int], catalog: Collection[int]
                ) -> None:
    """One more seller in each of ``new_seller`` (counted in SQL, so concurrent writers add
    up), and the catalog mark on ``catalog`` (once set, never cleared)."""
    if new_seller:
        session.execute(update(NetworkGroup).where(NetworkGroup.id.in_(sorted(new_seller)))
                        .values(sellers=NetworkGroup.sellers + 1)
                        .execution_options(synchronize_session=False))
    if catalog:
        session.execute(update(NetworkGroup).where(NetworkGroup.id.in_(sorted(catalog)))
                        .values(catalog=True).execution_options(synchronize_session=False))


def add_prints(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(NetworkPrint), list(rows))


def co_members(session: Session, group_ids: Collection[int], seller_id: str,
               limit: int) -> list[tuple[int, str]]:
    """(group_id, seller_id) of the other sellers in these groups, at most ``limit``."""
    if not group_ids:
        return []
    query = select(NetworkMember.group_id, NetworkMember.seller_id).where(
        NetworkMember.group_id.in_(sorted(group_ids)), NetworkMember.seller_id != seller_id
    ).order_by(NetworkMember.id).limit(limit)
    return [(int(row[0]), str(row[1])) for row in session.execute(query)]


def shared_groups(session: Session, platform_id: str, seller_id: str,
                  others: Collection[str], limit: int) -> list[tuple[int, str]]:
    """(group_id, other seller) for every group of the platform this seller and one of
    ``others`` both posted, at most ``limit``."""
    if not others:
        return []
    mine, theirs, g = NetworkMember, aliased(NetworkMember), NetworkGroup
    query = select(theirs.group_id, theirs.seller_id).join(
        mine, mine.group_id == theirs.group_id).join(g, g.id == theirs.group_id).where(
        mine.seller_id == seller_id, theirs.seller_id.in_(sorted(others)),
        g.platform_id == platform_id).order_by(theirs.id).limit(limit)
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


def print_hashes(session: Session, group_ids: Collection[int], per_group: int
                 ) -> list[tuple[int, bytes, bytes]]:
    """(group id, PDQ, pHash) of the first ``per_group`` photo prints of each of these
    groups (a popular group's thousands of prints are near-identical to its first)."""
    if not group_ids:
        return []
    p = NetworkPrint
    ranked = select(p.group_id, p.pdq, p.phash, func.row_number().over(
        partition_by=p.group_id, order_by=p.id).label("n")).where(
        p.group_id.in_(sorted(group_ids)), p.pdq.is_not(None), p.phash.is_not(None)).subquery()
    query = select(ranked.c.group_id, ranked.c.pdq, ranked.c.phash).where(
        ranked.c.n <= per_group).order_by(ranked.c.group_id, ranked.c.n)
    return [(int(g), bytes(pdq), bytes(ph)) for g, pdq, ph in session.execute(query)
            if g is not None and pdq is not None and ph is not None]


@dataclass(frozen=True)
class ViewRow:
    id: int
    platform_id: str
    group_id: int
    view: str
    phash: bytes
    pdq: bytes
    quality: int
    content: bool  # a shared screenshot's content region, not a popular photo's view


def views_after(session: Session, after: int, limit: int) -> list[ViewRow]:
    """The views (enrolment views and content regions) of id above ``after``, in id
    order."""
    v = NetworkVariantView
    query = select(v.id, v.platform_id, v.group_id, v.view, v.phash, v.pdq, v.quality,
                   v.content).where(v.id > after).order_by(v.id).limit(limit)
    return [ViewRow(int(i), str(p), int(g), str(name), bytes(ph), bytes(pdq), int(q), bool(c))
            for i, p, g, name, ph, pdq, q, c in session.execute(query)]


def add_views(session: Session, platform_id: str, group_id: int,
              views: Sequence[tuple[str, bytes, bytes, int]], content: bool = False) -> None:
    """(view, pHash, PDQ, quality) of one group's enrolment views, or of its content
    regions (``content``)."""
    if views:
        session.execute(insert(NetworkVariantView), [
            {"platform_id": platform_id, "group_id": group_id, "view": view, "phash": phash,
             "pdq": pdq, "quality": quality, "content": content}
            for view, phash, pdq, quality in views])


def add_variants(session: Session, pairs: Collection[tuple[int, int]]) -> None:
    """Pairs of groups that are edits of one photo, stored both ways (a pair already
    stored is skipped)."""
    both = sorted({p for a, b in pairs if a != b for p in ((a, b), (b, a))})
    if not both:
        return
    v = NetworkVariant
    statement = _insert(session)(v).on_conflict_do_nothing(
        index_elements=["group_id", "variant_id"])
    session.execute(statement, [{"group_id": a, "variant_id": b} for a, b in both])


@dataclass(frozen=True)
class Popularity:
    sellers: int  # distinct sellers of the group and its variants (up to the members kept)
    catalog: bool  # the group or a variant matched a catalog photo


def _family(wanted: list[int]) -> Any:
    """(owner, member): each of these groups with its variants up to two steps away (a crop
    is paired with the popular photo it is cut from, and through it with that photo's other
    crops and screenshots; a caption with the texts filled in from its formula)."""
    g, v, w = NetworkGroup, NetworkVariant, aliased(NetworkVariant)
    return union_all(
        select(g.id.label("owner"), g.id.label("member")).where(g.id.in_(wanted)),
        select(v.group_id.label("owner"), v.variant_id.label("member")).where(
            v.group_id.in_(wanted)),
        select(v.group_id.label("owner"), w.variant_id.label("member")).join(
            w, w.group_id == v.variant_id).where(v.group_id.in_(wanted))).subquery()


def popularity(session: Session, ids: Collection[int]) -> dict[int, Popularity]:
    """Per group: the distinct sellers who posted it or any of its variants, and whether any
    of them is an official photo."""
    if not ids:
        return {}
    g, m = NetworkGroup, NetworkMember
    wanted = sorted(ids)
    family = _family(wanted)
    sellers = select(family.c.owner, func.count(func.distinct(m.seller_id))).join(
        m, m.group_id == family.c.member).group_by(family.c.owner)
    catalog = select(family.c.owner).join(g, g.id == family.c.member).where(
        g.catalog.is_(True)).distinct()
    counts = {int(o): int(n) for o, n in session.execute(sellers)}
    official = {int(o) for (o,) in session.execute(catalog)}
    return {i: Popularity(counts.get(i, 0), i in official) for i in wanted}


def beside_catalog(session: Session, caption_ids: Collection[int]) -> dict[int, int]:
    """Per caption group: the distinct sellers who posted it or a variant beside a photo that
    matched the catalog (their caption print is marked)."""
    if not caption_ids:
        return {}
    p = NetworkPrint
    family = _family(sorted(caption_ids))
    query = select(family.c.owner, func.count(func.distinct(p.seller_id))).join(
        p, p.group_id == family.c.member).where(p.kind == CAPTION, p.catalog.is_(True)
                                                ).group_by(family.c.owner)
    return {int(o): int(n) for o, n in session.execute(query)}


def mark_catalog(session: Session, platform_id: str, listing_id: str,
                 photo_indexes: Collection[int]) -> None:
    """A later stage found these photos in the catalog: their prints and groups are
    official photos from now on, and the listing's caption was posted beside one."""
    if not photo_indexes:
        return
    session.execute(update(NetworkPrint).where(
        NetworkPrint.platform_id == platform_id, NetworkPrint.listing_id == listing_id,
        NetworkPrint.kind == CAPTION).values(catalog=True).execution_options(
        synchronize_session=False))
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
