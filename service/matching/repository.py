"""Database access for the matching domain."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from models.descriptor.index import pack_views, unpack_views
from models.hashing.analysis import EVIDENCE_VERSION, CatalogEvidence
from models.hashing.keypoints import IN_SOURCE, InSource
from models.hashing.local import LocalFeatures
from models.hashing.matcher import HashSet
from service.catalog.tables import CatalogImage, Product
from service.matching.tables import MatchingChange, MatchingFeatures, MatchingHash

# what one enrolled image holds: hashes, keypoints (IN_SOURCE: left in the database, see
# stored_of), view descriptors
Stored = tuple[list[HashSet], LocalFeatures | InSource | None, np.ndarray | None]

LOAD_BATCH = 5000


def add_evidence(session: Session, image_id: int, evidence: CatalogEvidence) -> None:
    add_hashes(session, image_id, evidence.hashes, log=False)
    descriptors = (pack_views(evidence.descriptors) if evidence.descriptors is not None
                   else None)
    session.add(MatchingFeatures(image_id=image_id, data=evidence.local.to_bytes(),
                                 descriptors=descriptors, evidence_version=EVIDENCE_VERSION))
    session.add(MatchingChange(image_id=image_id, op="add"))


def stale_image_ids(session: Session) -> list[int]:
    """Catalog images whose stored evidence is missing or of another EVIDENCE_VERSION."""
    stmt = (select(CatalogImage.id)
            .outerjoin(MatchingFeatures, MatchingFeatures.image_id == CatalogImage.id)
            .where(or_(MatchingFeatures.image_id.is_(None),
                       MatchingFeatures.evidence_version != EVIDENCE_VERSION))
            .order_by(CatalogImage.id))
    return [int(i) for i in session.scalars(stmt)]


def image_bytes(session: Session, image_id: int) -> bytes | None:
    return session.scalar(select(CatalogImage.data).where(CatalogImage.id == image_id))


def add_hashes(session: Session, image_id: int, hashes: Sequence[HashSet],
               log: bool = True) -> None:
    session.add_all(MatchingHash(image_id=image_id, view=h.name, phash=h.phash.hex(),
                                 dhash=h.dhash.hex(), pdq=h.pdq.hex(), quality=h.quality,
                                 colour=h.colour.hex() or None)
                    for h in hashes)
    if log:
        session.add(MatchingChange(image_id=image_id, op="add"))


def remove_hashes(session: Session, image_ids: Sequence[int]) -> None:
    if not image_ids:
        return
    session.execute(delete(MatchingHash).where(MatchingHash.image_id.in_(image_ids)))
    session.execute(delete(MatchingFeatures).where(MatchingFeatures.image_id.in_(image_ids)))
    session.add_all(MatchingChange(image_id=i, op="remove") for i in image_ids)


def _to_set(row: MatchingHash) -> HashSet:
    return HashSet(row.view, bytes.fromhex(row.phash), bytes.fromhex(row.dhash),
                   bytes.fromhex(row.pdq), row.quality, bytes.fromhex(row.colour or ""))


def iter_all_hashes(session: Session) -> Iterator[tuple[int, list[HashSet]]]:
    """Every enrolled image with its hash sets, streamed in image order."""
    current: int | None = None
    batch: list[HashSet] = []
    stmt = select(MatchingHash).order_by(MatchingHash.image_id, MatchingHash.id)
    for row in session.scalars(stmt.execution_options(yield_per=LOAD_BATCH)):
        if row.image_id != current:
            if current is not None:
                yield current, batch
            current, batch = row.image_id, []
        batch.append(_to_set(row))
    if current is not None:
        yield current, batch


def hashes_of(session: Session, image_ids: Iterable[int]) -> dict[int, list[HashSet]]:
    out: dict[int, list[HashSet]] = {}
    stmt = select(MatchingHash).where(MatchingHash.image_id.in_(list(image_ids)))
    for row in session.scalars(stmt.order_by(MatchingHash.id)):
        out.setdefault(row.image_id, []).append(_to_set(row))
    return out


def features_of(session: Session, image_ids: Iterable[int]) -> dict[int, LocalFeatures]:
    """The keypoints of those of the given images that have them, in one SELECT (columns,
    not entities: the session's identity map keeps nothing)."""
    ids = list(image_ids)
    if not ids:
        return {}
    stmt = (select(MatchingFeatures.image_id, MatchingFeatures.data)
            .where(MatchingFeatures.image_id.in_(ids)))
    return {int(i): LocalFeatures.from_bytes(data) for i, data in session.execute(stmt)}


def feature_ids(session: Session, image_ids: Iterable[int]) -> set[int]:
    """Those of the given images that have keypoints stored (without reading them)."""
    stmt = select(MatchingFeatures.image_id).where(
        MatchingFeatures.image_id.in_(list(image_ids)))
    return {int(i) for i in session.scalars(stmt)}


def iter_feature_ids(session: Session) -> Iterator[int]:
    """Every image with keypoints stored, in image order (start-up, keypoints left stored)."""
    stmt = select(MatchingFeatures.image_id).order_by(MatchingFeatures.image_id)
    for image_id in session.scalars(stmt.execution_options(yield_per=LOAD_BATCH)):
        yield int(image_id)


def iter_all_features(session: Session) -> Iterator[tuple[int, LocalFeatures]]:
    stmt = select(MatchingFeatures).order_by(MatchingFeatures.image_id)
    for row in session.scalars(stmt.execution_options(yield_per=LOAD_BATCH // 10)):
        yield row.image_id, LocalFeatures.from_bytes(row.data)


def iter_all_descriptors(session: Session) -> Iterator[tuple[int, np.ndarray]]:
    """Every enrolled image's view descriptors (images stored without them are left out)."""
    stmt = (select(MatchingFeatures.image_id, MatchingFeatures.descriptors)
            .where(MatchingFeatures.descriptors.is_not(None))
            .order_by(MatchingFeatures.image_id))
    for image_id, data in session.execute(stmt.execution_options(yield_per=LOAD_BATCH)):
        if data is not None:
            yield int(image_id), unpack_views(data)


def descriptors_of(session: Session, image_ids: Iterable[int]) -> dict[int, np.ndarray]:
    stmt = (select(MatchingFeatures.image_id, MatchingFeatures.descriptors)
            .where(MatchingFeatures.image_id.in_(list(image_ids)),
                   MatchingFeatures.descriptors.is_not(None)))
    return {int(i): unpack_views(data) for i, data in session.execute(stmt) if data is not None}


def stored_of(session: Session, image_ids: Iterable[int],
              keypoints: bool = True) -> dict[int, Stored]:
    """Hashes, local features and descriptors of the given images (absent: not enrolled
    any more). ``keypoints=False`` reads no keypoints: IN_SOURCE stands for stored ones."""
    ids = list(image_ids)
    hashes = hashes_of(session, ids)
    features: dict[int, LocalFeatures | InSource] = {}
    if keypoints:
        features.update(features_of(session, ids))
    else:
        features.update((i, IN_SOURCE) for i in feature_ids(session, ids))
    descriptors = descriptors_of(session, ids)
    return {i: (hashes.get(i, []), features.get(i), descriptors.get(i))
            for i in hashes.keys() | features.keys()}


def last_change(session: Session) -> int:
    return int(session.scalar(select(func.max(MatchingChange.seq))) or 0)


def changes_after(session: Session, seq: int) -> list[tuple[int, int, str]]:
    stmt = (select(MatchingChange.seq, MatchingChange.image_id, MatchingChange.op)
            .where(MatchingChange.seq > seq).order_by(MatchingChange.seq))
    return [(int(s), int(i), str(o)) for s, i, o in session.execute(stmt)]


def products_of(session: Session, image_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """image id -> (product id, brand) for images that still exist."""
    stmt = (select(CatalogImage.id, Product.id, Product.brand)
            .join(Product, Product.id == CatalogImage.product_id)
            .where(CatalogImage.id.in_(list(image_ids))))
    return {int(i): (int(p), str(b)) for i, p, b in session.execute(stmt)}
