"""Recording a scored listing's prints: each joins the nearest group of near-identical posts
of the platform, or starts one.

Statements per listing, whatever its photo count: one candidate read for every photo's and
the caption's bucket keys together, one read of the few groups whose pHash survived, then
bulk writes (new groups, their keys, the seller's memberships, the sellers counters, the
prints). The candidate read is index-only: a key row carries its group's pHash, so the
candidates that cannot be within PHASH_MAX_DISTANCE are dropped without touching the groups
(about 68 keys x stored / 65,536 rows per photo for uniform codes: models/networks/buckets.py).

Concurrency: two listings posting the same photo at the same moment each search before
either has written. The groups' code is unique per platform and kind, so two such posts of
byte-identical prints (the same file re-posted) end in one group; two concurrent first
posts of different recompressions of one photo can still start two groups. The later posts
of it then join one of them (the nearest), so what that costs is links among the first two
posters only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from models.networks import buckets
from models.networks.captions import band_keys, caption_print, same_caption
from models.networks.prints import PhotoPrint, same_photo, split_code
from models.networks.rules import PHASH_MAX_DISTANCE
from service.networks import repository
from service.networks.repository import NewGroup

PHOTO, CAPTION = "photo", "caption"
SELLERS_KEPT = 1001  # above the largest cap the setting allows (1000)


@dataclass(frozen=True)
class PhotoPost:
    """One listing photo as the hash stage saw it: its print (None: not analysed) and whether
    it matched a catalog photo."""

    index: int
    print: PhotoPrint | None
    catalog: bool


@dataclass
class _Pending:
    """A print looking for its group: the code, its keys, and the group it ends up in."""

    kind: str
    code: bytes
    catalog: bool
    wanted: list[int]
    stored: list[int]
    group: int | None = None


def _phash_value(code: bytes) -> int:
    return int.from_bytes(split_code(code)[1], "big")


def _distance(kind: str, a: bytes, b: bytes) -> int | None:
    return same_photo(a, b) if kind == PHOTO else same_caption(a, b)


def _nearest(pending: _Pending, candidates: Sequence[tuple[int, bytes]]) -> int | None:
    best, best_distance = None, None
    for group_id, stored in candidates:
        d = _distance(pending.kind, pending.code, stored)
        if d is not None and (best_distance is None or d < best_distance):
            best, best_distance = group_id, d
    return best


def _pending(photos: Sequence[PhotoPost], caption: str) -> tuple[
        list[_Pending | None], _Pending | None, bytes | None]:
    per_photo: list[_Pending | None] = []
    for post in photos:
        p = post.print
        if p is None or not p.usable:
            per_photo.append(None)
            continue
        per_photo.append(_Pending(PHOTO, p.code, post.catalog,
                                  buckets.query_keys(p.phash, PHASH_MAX_DISTANCE),
                                  buckets.stored_keys(p.phash)))
    fingerprint = caption_print(caption)
    if fingerprint is None:
        return per_photo, None, None
    keys = band_keys(fingerprint.signature)
    return per_photo, _Pending(CAPTION, fingerprint.signature, False, keys, keys), \
        fingerprint.signature


def _assign(session: Session, platform_id: str, pending: list[_Pending], now: dt.datetime
            ) -> dict[int, int]:
    """Sets each print's group; returns the joined groups' seller counts (new groups: 0)."""
    photo_keys = sorted({k for p in pending if p.kind == PHOTO for k in p.wanted})
    caption_keys = sorted({k for p in pending if p.kind == CAPTION for k in p.wanted})
    hits = repository.candidate_keys(session, platform_id, photo_keys, caption_keys)
    # Only a candidate within the pHash radius of a print that asked for its key can be that
    # print's group: the rest are dropped before any group is read.
    asked: dict[int, list[int]] = defaultdict(list)
    for p in pending:
        if p.kind == PHOTO:
            for k in p.wanted:
                asked[k].append(_phash_value(p.code))
    keep: set[int] = set()
    for kind, key, group_id, phash in hits:
        if kind == CAPTION or phash is None:
            keep.add(group_id)
            continue
        value = int.from_bytes(phash, "big")
        if any((value ^ w).bit_count() <= PHASH_MAX_DISTANCE for w in asked[key]):
            keep.add(group_id)
    known = repository.group_states(session, keep)
    by_kind: dict[str, list[tuple[int, bytes]]] = {PHOTO: [], CAPTION: []}
    for group_id, state in sorted(known.items()):
        by_kind[state.kind].append((group_id, state.code))
    sellers = {group_id: state.sellers for group_id, state in known.items()}
    # Prints of this listing that start a group are candidates for its later prints, as they
    # would be had each print been searched and stored in turn.
    fresh: list[_Pending] = []
    for p in pending:
        started = [(-1 - i, f.code) for i, f in enumerate(fresh) if f.kind == p.kind]
        p.group = _nearest(p, by_kind[p.kind] + started)
        if p.group is None:
            fresh.append(p)
            p.group = -len(fresh)  # the group it starts, resolved once that has its id
    ids = repository.add_groups(session, platform_id, [
        NewGroup(f.kind, f.code, f.stored, split_code(f.code)[1] if f.kind == PHOTO else None,
                 f.catalog) for f in fresh], now)
    for f, (group_id, existed) in zip(fresh, ids, strict=True):
        f.group = group_id
        sellers[group_id] = -1 if existed else 0  # -1: counted in SQL, not read here
    for p in pending:
        if p.group is not None and p.group < 0:
            p.group = fresh[-1 - p.group].group
    return sellers


def record(session: Session, platform_id: str, seller_id: str, listing_id: str,
           photos: Sequence[PhotoPost], caption: str, now: dt.datetime) -> dict[int, str]:
    """Stores the listing's prints (the caller commits); returns the groups they joined,
    group id -> kind."""
    per_photo, caption_pending, signature = _pending(photos, caption)
    pending = [p for p in per_photo if p is not None]
    if caption_pending is not None:
        pending.append(caption_pending)
    sellers = _assign(session, platform_id, pending, now) if pending else {}
    joined: dict[int, str] = {}
    catalog: set[int] = set()
    for p in pending:
        assert p.group is not None
        joined[p.group] = p.kind
        if p.catalog:
            catalog.add(p.group)
    counted = [g for g in joined if sellers.get(g, 0) < SELLERS_KEPT]
    new_to = repository.add_members(session, counted, seller_id, now)
    repository.note_groups(session, new_to, catalog)
    rows: list[dict[str, Any]] = []
    base = {"platform_id": platform_id, "seller_id": seller_id, "listing_id": listing_id,
            "created_at": now}
    for post, searched in zip(photos, per_photo, strict=True):
        if post.print is None:
            continue
        rows.append({**base, "kind": PHOTO, "photo_index": post.index, "pdq": post.print.pdq,
                     "phash": post.print.phash, "quality": post.print.quality,
                     "signature": None, "catalog": post.catalog,
                     "group_id": None if searched is None else searched.group})
    if caption_pending is not None:
        rows.append({**base, "kind": CAPTION, "photo_index": None, "pdq": None,
                     "phash": None, "quality": None, "signature": signature,
                     "catalog": False, "group_id": caption_pending.group})
    repository.add_prints(session, rows)
    return joined
