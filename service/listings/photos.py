"""Matching a listing's photos against the catalog, one stage at a time, cached per photo.

The catalog matcher (`service.matching`) has two stages: the cheap hash stage runs inside
the scoring request; the keypoint ("local") stage, whose cost grows with the catalog, runs
afterwards as a deep check (see `deep_check.py`) for the photos the hash stage left without
a match, unless the caller asked to wait for it; it repeats the hash stage, so the
acceptance model sees both kinds of evidence. Each stage's result is cached per photo
under a key naming the stage, the matcher version and the catalog state, so a result is
never reused after the catalog changed.

The hash stage's region hashes are kept too when the caller asks (the known-counterfeit
bank lookup reads them): cached per photo under the hash evidence's version alone, since
they do not depend on the catalog, and computed again only for a photo whose regions left
the cache before its matches did.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Literal, Protocol

from sqlalchemy.orm import Session

from models.hashing.analysis import EVIDENCE_VERSION
from models.hashing.matcher import HashSet
from models.networks.prints import WHOLE_PHOTO
from service.core.state import Component, CoreState
from service.images.gate import DecodedImage
from service.kit.cache import Cache
from service.matching.runtime import MatchIndex
from service.matching.service import (
    MATCHER_VERSION,
    analyse_queries,
    describes_queries,
    match_hashed,
)

Stage = Literal["hash", "local"]
STAGES: tuple[Stage, ...] = ("hash", "local")


@dataclass(frozen=True)
class Photo:
    index: int
    sha256: str


@dataclass(frozen=True)
class PhotoMatch:
    catalog_image_id: int
    confidence: float
    method: str


PerPhoto = list[list[PhotoMatch]]


class PhotoMatcher(Protocol):
    @property
    def version(self) -> str: ...

    def match(self, session: Session, decoded: Sequence[DecodedImage],
              stage: Stage) -> PerPhoto: ...

    def match_with_regions(self, session: Session, decoded: Sequence[DecodedImage],
                           stage: Stage) -> tuple[PerPhoto, list[list[HashSet]]]:
        """The matches and each photo's region hashes (the hash stage's)."""
        ...

    def regions(self, decoded: Sequence[DecodedImage]) -> list[list[HashSet]]: ...


class CatalogPhotoMatcher:
    """The catalog image matcher behind the scorer's `PhotoMatcher` protocol.

    Its version names the catalog state (the change-log position the index has applied), so
    a cached per-photo result is never reused after the catalog changed.
    """

    def __init__(self, state: CoreState, index: Component[MatchIndex]) -> None:
        self._state, self._index = state, index

    @property
    def version(self) -> str:
        index = self._index.get()
        if index.needs_sync(self._state.settings.matching_sync_seconds):
            with self._state.session_factory() as session:
                index.sync(session)
        return f"{MATCHER_VERSION}@catalog-{index.seq}"

    def match(self, session: Session, decoded: Sequence[DecodedImage],
              stage: Stage) -> PerPhoto:
        return self.match_with_regions(session, decoded, stage)[0]

    def match_with_regions(self, session: Session, decoded: Sequence[DecodedImage],
                           stage: Stage) -> tuple[PerPhoto, list[list[HashSet]]]:
        # The "local" stage runs both stages together, as POST /v1/images/match does: the
        # acceptance model weighs the hash evidence and the keypoint fit of the same photo
        # together, and the hash stage costs a few ms beside the keypoints.
        index = self._index.get()
        evidence = analyse_queries(decoded, hash_stage=True, local_stage=stage == "local",
                                   describe=describes_queries(index),
                                   threads=self._state.settings.matching_analysis_threads)
        results = match_hashed(session, index, evidence,
                               self._state.settings.matching_sync_seconds,
                               self._state.settings.matching_analysis_threads)
        return ([[PhotoMatch(m.image_id, m.confidence, f"{m.hash_kind}:{m.region}")
                  for m in result.matches] for result in results],
                [e.hashes for e in evidence])

    def regions(self, decoded: Sequence[DecodedImage]) -> list[list[HashSet]]:
        return [e.hashes for e in analyse_queries(decoded, local_stage=False)]


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def cache_key(stage: Stage, version: str, sha256: str) -> str:
    return f"listing-photo:{stage}:{version}:{sha256}"


def cached_results(cache: Cache, stage: Stage, version: str,
                   photos: Sequence[Photo]) -> dict[int, list[PhotoMatch]]:
    """photo index -> the stage's cached matches, for the photos that have one."""
    raws = cache.get_many([cache_key(stage, version, p.sha256) for p in photos])
    return {photo.index: [PhotoMatch(**m) for m in json.loads(raw)]
            for photo, raw in zip(photos, raws, strict=True) if raw is not None}


def run_stage(session: Session, matcher: PhotoMatcher, stage: Stage, version: str,
              photos: Sequence[Photo], cache: Cache, ttl: int,
              decode: Callable[[int], DecodedImage],
              regions: dict[int, list[HashSet]] | None = None) -> dict[int, list[PhotoMatch]]:
    """photo index -> the stage's matches; only photos without a cached result are decoded
    (`decode` validates untrusted bytes by the imaging rules) and matched. `regions`, when
    given, receives every photo's region hashes (photo index -> hash sets)."""
    results = cached_results(cache, stage, version, photos)
    todo = [p for p in photos if p.index not in results]
    if todo:
        decoded = [decode(p.index) for p in todo]
        fresh = {}
        if regions is None:
            found_all, hashed = matcher.match(session, decoded, stage), None
        else:
            found_all, hashed = matcher.match_with_regions(session, decoded, stage)
        for photo, found in zip(todo, found_all, strict=True):
            results[photo.index] = found
            fresh[cache_key(stage, version, photo.sha256)] = json.dumps(
                [asdict(m) for m in found]).encode()
        if hashed is not None and regions is not None:
            for photo, sets in zip(todo, hashed, strict=True):
                regions[photo.index] = sets
                fresh[regions_key(photo.sha256)] = _regions_json(sets)
        cache.set_many(fresh, ttl)
    if regions is not None:
        _cached_regions(matcher, [p for p in photos if p.index not in regions], cache, ttl,
                        decode, regions)
    return results


def regions_key(sha256: str) -> str:
    return f"listing-photo-regions:{EVIDENCE_VERSION}:{sha256}"


def _regions_json(sets: list[HashSet]) -> bytes:
    # What the bank lookup reads (pHash, PDQ and its quality, not dHash), and the whole
    # photo's colour layout, which seller networks' prints read (models/networks/prints.py).
    return json.dumps([[h.name, h.phash.hex(), h.pdq.hex(), h.quality]
                       + ([h.colour.hex()] if h.colour and h.name == WHOLE_PHOTO else [])
                       for h in sets]).encode()


def _cached_regions(matcher: PhotoMatcher, photos: Sequence[Photo], cache: Cache, ttl: int,
                    decode: Callable[[int], DecodedImage],
                    regions: dict[int, list[HashSet]]) -> None:
    if not photos:
        return
    raws = cache.get_many([regions_key(p.sha256) for p in photos])
    missing = []
    for photo, raw in zip(photos, raws, strict=True):
        if raw is None:
            missing.append(photo)
            continue
        regions[photo.index] = [HashSet(n, bytes.fromhex(p), b"", bytes.fromhex(q), int(quality),
                                        bytes.fromhex(c[0]) if c else b"")
                                for n, p, q, quality, *c in json.loads(raw)]
    if missing:
        computed = matcher.regions([decode(p.index) for p in missing])
        for photo, sets in zip(missing, computed, strict=True):
            regions[photo.index] = sets
        cache.set_many({regions_key(p.sha256): _regions_json(s)
                        for p, s in zip(missing, computed, strict=True)}, ttl)


def merge(*stages: dict[int, list[PhotoMatch]], count: int) -> PerPhoto:
    """Per photo, the union of the stages' matches (best confidence per catalog image)."""
    merged: PerPhoto = []
    for index in range(count):
        best: dict[int, PhotoMatch] = {}
        for found in stages:
            for m in found.get(index, []):
                if m.catalog_image_id not in best or m.confidence > best[
                        m.catalog_image_id].confidence:
                    best[m.catalog_image_id] = m
        merged.append(sorted(best.values(), key=lambda m: -m.confidence))
    return merged


def to_json(found: dict[int, list[PhotoMatch]]) -> dict[str, list[dict[str, object]]]:
    return {str(i): [asdict(m) for m in ms] for i, ms in found.items()}


def from_json(raw: dict[str, list[dict[str, object]]]) -> dict[int, list[PhotoMatch]]:
    return {int(i): [PhotoMatch(**m) for m in ms]  # type: ignore[arg-type]
            for i, ms in raw.items()}
