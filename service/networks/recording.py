"""Recording a scored listing's prints: each joins the nearest group of near-identical posts
of the platform, or starts one.

Search: a photo's candidate groups come from the in-process index of the platform's photo
groups (service/networks/runtime.py: groups within PHASH_MAX_DISTANCE by pHash, from memory,
after reading the groups committed since the last search), a caption's from its LSH band
keys in the database. Statements per listing, whatever its photo count: the index's sync
read (its own connection), one read of the candidate groups (the index's few survivors and
the caption's band matches: their PDQ, seller count and catalog mark, fresh), then bulk
writes (new groups, the caption group's keys, the seller's memberships, the sellers
counters, the prints).

Concurrency: two listings posting the same photo at the same moment each search before
either has written. The groups' code is unique per platform and kind, so two such posts of
byte-identical prints (the same file re-posted) end in one group; two concurrent first
posts of different recompressions of one photo can still start two groups. The later posts
of it then join one of them (the nearest), so what that costs is links among the first two
posters only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image
from sqlalchemy.orm import Session

from models.banks.hashes import BankHash, lookup_regions
from models.banks.index import BankIndex
from models.hashing.matcher import HashSet
from models.networks.captions import band_keys, caption_prints, caption_variant, same_caption
from models.networks.content import content_regions, screen_pictures
from models.networks.prints import WHOLE_PHOTO, PhotoPrint, same_photo, split_code
from models.networks.rules import PDQ_MIN_QUALITY
from models.networks.strength import specific_at_most
from models.networks.variants import accepted, enrol_at, variant_views
from service.networks import repository
from service.networks.repository import NewGroup
from service.networks.runtime import PhotoGroupIndex
from service.networks.tables import CAPTION, PHOTO

__all__ = ["CAPTION", "PHOTO", "PhotoPost", "record"]
SELLERS_KEPT = 1001  # above the largest cap the setting allows (1000)
# Enrolment's search for the groups already recorded that are edits of the new popular
# photo (``_enrol``): representatives this far from a view, and this many prints of each.
ENROL_SEARCH_RADIUS = 10
ENROL_PRINTS_PER_GROUP = 20


@dataclass(frozen=True)
class PhotoPost:
    """One listing photo as the hash stage saw it: its print (None: not analysed) and whether
    it matched a catalog photo."""

    index: int
    print: PhotoPrint | None
    catalog: bool


@dataclass
class _Pending:
    """A print looking for its group: the code, its band keys (captions), and the group it
    ends up in."""

    kind: str
    code: bytes
    catalog: bool
    keys: list[int]
    group: int | None = None
    near: tuple[int, ...] = ()  # captions: other caption groups it resembles (variants)


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
        list[_Pending | None], list[_Pending]]:
    per_photo: list[_Pending | None] = []
    for post in photos:
        p = post.print
        if p is None or not p.usable:
            per_photo.append(None)
            continue
        per_photo.append(_Pending(PHOTO, p.code, post.catalog, []))
    # A caption's print is marked when the listing shows a catalog photo (the brand's words
    # travel with its photos); its group is never marked: it is weighed by how many of its
    # sellers post it so (service/networks/service.rare_groups).
    beside_catalog = any(post.catalog for post in photos)
    captions = [_Pending(CAPTION, f.signature, beside_catalog, band_keys(f.signature))
                for f in caption_prints(caption)]
    return per_photo, captions


def _assign(session: Session, index: PhotoGroupIndex, platform_id: str,
            pending: list[_Pending], now: dt.datetime) -> dict[int, int]:
    """Sets each print's group; returns the joined groups' seller counts (new groups: 0)."""
    photos = [p for p in pending if p.kind == PHOTO]
    index.sync()
    near: set[int] = set().union(*index.search(platform_id,
                                               [split_code(p.code)[1] for p in photos]))
    known = repository.candidate_groups(session, platform_id, near,
                                        [k for p in pending if p.kind == CAPTION
                                         for k in p.keys])
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
        if p.kind == CAPTION:
            p.near = tuple(g for g, code in by_kind[CAPTION] if g != p.group
                           and caption_variant(p.code, code))
        if p.group is None:
            fresh.append(p)
            p.group = -len(fresh)  # the group it starts, resolved once that has its id
    ids = repository.add_groups(session, platform_id, [
        NewGroup(f.kind, f.code, f.keys, f.catalog and f.kind == PHOTO) for f in fresh], now)
    for f, (group_id, existed) in zip(fresh, ids, strict=True):
        f.group = group_id
        sellers[group_id] = -1 if existed else 0  # -1: counted in SQL, not read here
    for p in pending:
        if p.group is not None and p.group < 0:
            p.group = fresh[-1 - p.group].group
    return sellers


@dataclass(frozen=True)
class Variants:
    """What finding a listing's photo variants needs (models/networks/variants.py): each
    photo's recovered regions, its pixels on demand (for its enrolment views, its content
    regions and its screen picture, models/networks/content.py; decoded once however many
    of them one photo needs), and the link cap, which sets when a group is enrolled and up
    to how many sellers a shared photo's content is looked up (past half the cap a shared
    photo is weak evidence, whatever it is an edit of)."""

    regions: Mapping[int, Sequence[HashSet]]
    image: Callable[[int], Image.Image]
    cap: int
    decoded: dict[int, Image.Image] = field(default_factory=dict, repr=False, compare=False)

    def _pixels(self, index: int) -> Image.Image:
        if index not in self.decoded:
            self.decoded[index] = self.image(index)
        return self.decoded[index]

    @property
    def enrol_at(self) -> int:
        return enrol_at(self.cap)

    @property
    def content_upto(self) -> int:
        return specific_at_most(self.cap)

    def views(self, index: int) -> list[BankHash]:
        return variant_views(self._pixels(index))

    def content(self, index: int) -> list[HashSet]:
        return content_regions(self._pixels(index))

    def pictures(self, index: int) -> list[HashSet]:
        return screen_pictures(self._pixels(index))


def _enrol(session: Session, index: PhotoGroupIndex, platform_id: str, group_id: int,
           hashes: Sequence[BankHash]) -> set[tuple[int, int]]:
    """Stores a popular group's views; returns its pairs with the groups already recorded
    one of whose prints matches one of them.

    A group's representative is its first print, and its other prints lie within
    PHASH_MAX_DISTANCE of it, so a group some print of which matches a view can have its
    representative further from every view than the rule's pHash bound: groups are searched
    ENROL_SEARCH_RADIUS from the views, and each one's first ENROL_PRINTS_PER_GROUP prints
    are matched, not only its representative."""
    rows = [(h.view, h.phash, h.pdq, h.quality) for h in hashes
            if h.phash is not None and h.pdq is not None and h.quality is not None]
    repository.add_views(session, platform_id, group_id, rows)
    usable = [BankHash(*row) for row in rows]
    near = set().union(*index.search(platform_id, [phash for _, phash, _, _ in rows],
                                     ENROL_SEARCH_RADIUS)) - {group_id}
    # The index holds photo groups only, and a group's first print is its representative.
    prints = repository.print_hashes(session, near, ENROL_PRINTS_PER_GROUP)
    if not prints:
        return set()
    views = BankIndex()
    views.add(group_id, usable)
    queries = [HashSet(WHOLE_PHOTO, phash, b"", pdq, PDQ_MIN_QUALITY) for _, pdq, phash in prints]
    return {(group_id, prints[q][0]) for q, _ in accepted(views, index.rules, queries)}


def _variant_pairs(session: Session, index: PhotoGroupIndex, platform_id: str,
                   photos: Sequence[PhotoPost], per_photo: Sequence[_Pending | None],
                   counts: Mapping[int, int], variants: Variants) -> set[tuple[int, int]]:
    """The listing's photo groups paired with the popular groups they are edits of, and the
    groups this listing made popular enrolled (with their pairs)."""
    pairs: set[tuple[int, int]] = set()
    enrolled: set[int] = set()
    kept: set[int] = set()  # groups whose picture this listing stored
    for post, pending in zip(photos, per_photo, strict=True):
        if pending is None or pending.group is None:
            continue
        group = pending.group
        count = counts.get(group, 0)
        popular = index.variants_of(platform_id, variants.regions.get(post.index, ()))
        # A photo now posted by two sellers, and few enough to be specific evidence, could
        # link them: when its regions found no popular photo, its content (bands cut) is
        # looked up too. A group just shared keeps the picture its screenshot shows
        # (models/networks/content.screen_pictures): when that photo becomes popular later,
        # its posts find this group as they find enrolled views (screenshots posted before
        # the photo was popular).
        if not popular and 2 <= count <= variants.content_upto \
                and index.has_variants(platform_id):
            popular = index.variants_of(platform_id, variants.content(post.index))
        if count == 2 and count <= variants.content_upto and group not in kept \
                and not index.has_content(group):
            kept.add(group)
            repository.add_views(session, platform_id, group, [
                (h.name, h.phash, h.pdq, h.quality)
                for h in lookup_regions(variants.pictures(post.index))], content=True)
        pairs |= {(group, p) for p in popular}
        if count >= variants.enrol_at and group not in enrolled \
                and not index.is_enrolled(group):
            enrolled.add(group)
            pairs |= _enrol(session, index, platform_id, group, variants.views(post.index))
    return {(a, b) for a, b in pairs if a != b}


def record(session: Session, platform_id: str, seller_id: str, listing_id: str,
           photos: Sequence[PhotoPost], caption: str, now: dt.datetime,
           index: PhotoGroupIndex | None = None,
           variants: Variants | None = None,
           photo_groups: dict[int, int] | None = None) -> dict[int, str]:
    """Stores the listing's prints (the caller commits); returns the groups they joined,
    group id -> kind. ``index``: the process's photo group index (the app's `networks`
    component); without one, the groups the session sees are loaded for this call alone
    (scripts and tests: a read of every photo group). ``variants``: the photos' regions
    and views, to pair the listing's photos with the popular photos they are edits of
    (without it, popularity counts each group alone). ``photo_groups`` receives each photo's
    group (photo index -> group id) for photos that joined one."""
    per_photo, captions = _pending(photos, caption)
    pending = [p for p in per_photo if p is not None] + captions
    if index is None and pending:
        index = PhotoGroupIndex.loaded(session)
    sellers = _assign(session, index, platform_id, pending, now) if index is not None else {}
    if photo_groups is not None:
        photo_groups.update({post.index: p.group for post, p in zip(photos, per_photo, strict=True)
                             if p is not None and p.group is not None})
    joined: dict[int, str] = {}
    catalog: set[int] = set()
    for p in pending:
        assert p.group is not None
        joined[p.group] = p.kind
        if p.catalog and p.kind == PHOTO:
            catalog.add(p.group)
    counted = [g for g in joined if sellers.get(g, 0) < SELLERS_KEPT]
    new_to = repository.add_members(session, counted, seller_id, now)
    repository.note_groups(session, new_to, catalog)
    pairs = {(c.group, g) for c in captions if c.group is not None for g in c.near}
    if variants is not None and index is not None:
        counts = {g: n + (g in new_to) for g, n in sellers.items() if n >= 0}
        pairs |= _variant_pairs(session, index, platform_id, photos, per_photo, counts,
                                variants)
    repository.add_variants(session, pairs)
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
    for c in captions:
        rows.append({**base, "kind": CAPTION, "photo_index": None, "pdq": None,
                     "phash": None, "quality": None, "signature": c.code,
                     "catalog": c.catalog, "group_id": c.group})
    repository.add_prints(session, rows)
    return joined
