"""The in-process image index: loaded from the database at start-up, kept current by
replaying the change log.

Every process (API worker, ``trustd catalog import``) writes hashes, keypoints, global
descriptors and a change-log row in the same transaction as the catalog image. A replica
applies changes by re-reading the current evidence of each touched image (all three), so
replay is idempotent and order-free. It syncs
before serving a match when its own process committed a change, or when
``matching_sync_seconds`` have passed since the last sync, so another process's enrollment
or deletion is visible within that delay. Sequence numbers can commit out of order on
PostgreSQL, so gaps are re-read for a while instead of being skipped for good.

Keypoints stay in the database (``MatchIndex.on_database``, what the service builds): the
index holds their image ids and a bounded cache, and reads a query's candidates when it
matches (service/matching/keypoints.py). Start-up and sync therefore read no keypoint
blobs; a sync drops the cached keypoints of every image it touches.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Annotated, Protocol

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from models.hashing.analysis import QueryEvidence
from models.hashing.matcher import Match
from models.hashing.pipeline import CatalogMatcher
from models.thresholds import LOCAL_CACHE_IMAGES
from service.core.state import Component
from service.kit.changefeed import ChangeCursor, LocalChanges
from service.matching import repository
from service.matching.keypoints import DatabaseKeypoints
from service.matching.threads import ordered_map

LOCAL_CHANGES = LocalChanges()  # catalog image changes this process committed


def note_local_change() -> None:
    LOCAL_CHANGES.note()


@dataclass
class MatchIndex:
    matcher: CatalogMatcher = field(default_factory=CatalogMatcher)
    cursor: ChangeCursor = field(default_factory=ChangeCursor)
    lock: threading.Lock = field(default_factory=threading.Lock)
    keypoints: DatabaseKeypoints | None = None  # where the matcher reads keypoints, if stored

    @classmethod
    def on_database(cls, session_factory: Callable[[], Session],
                    cache_images: int = LOCAL_CACHE_IMAGES) -> MatchIndex:
        """An index whose keypoints stay in the database, ``cache_images`` photos' cached."""
        keypoints = DatabaseKeypoints(session_factory)
        return cls(CatalogMatcher(keypoints=keypoints, cache_images=cache_images),
                   keypoints=keypoints)

    def load(self, session: Session) -> None:
        start = repository.last_change(session)
        for image_id, hashes in repository.iter_all_hashes(session):
            self.matcher.hashes.enroll(image_id, hashes)
        local = self.matcher.local
        if local.resident:
            for image_id, features in repository.iter_all_features(session):
                local.enroll(image_id, features)
        else:
            local.enroll_stored(repository.iter_feature_ids(session))
        self.matcher.enroll_descriptors(repository.iter_all_descriptors(session))
        self.cursor.seq = start
        self.sync(session)  # whatever committed while we were loading
        with self._locked():
            local.warm()  # a catalog that fits the cache is read now, not by a query

    @property
    def seq(self) -> int:
        """The change-log position applied: the catalog state this index answers for."""
        return self.cursor.seq

    def needs_sync(self, interval: float) -> bool:
        return self.cursor.due(LOCAL_CHANGES, interval)

    def sync(self, session: Session) -> int:
        """Apply committed changes since the last sync; returns how many images changed."""
        generation = LOCAL_CHANGES.generation
        changes = self.cursor.unseen(repository.changes_after(session, self.cursor.floor))
        touched = {image_id for _, image_id, _ in changes}
        fresh = repository.stored_of(session, touched, keypoints=self.matcher.local.resident) \
            if touched else {}
        with self.lock:
            for image_id in touched:
                if image_id in fresh:
                    self.matcher.enroll(image_id, *fresh[image_id])
                else:
                    self.matcher.remove(image_id)
            self.cursor.advance((c[0] for c in changes), generation)
        return len(touched)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The lock, for work that may read keypoints: their connection is taken first
        (service/matching/keypoints.py says why)."""
        with self.keypoints.reading() if self.keypoints is not None else nullcontext(), \
                self.lock:
            yield

    def match(self, queries: Sequence[QueryEvidence], threads: int = 1) -> list[list[Match]]:
        """Each query's accepted matches, in order; up to ``threads`` queries searched at
        once when they carry keypoints (the kNN and fits run outside the GIL; the
        matcher's shared state, its keypoint cache, has its own lock). A hash-only search
        stays in the calling thread: a few milliseconds of mostly Python work would only
        contend for the GIL."""
        if all(q.local is None for q in queries):
            threads = 1
        with self._locked():
            session = self.keypoints.lent() if self.keypoints is not None else None

            def one(query: QueryEvidence) -> list[Match]:
                with self.keypoints.borrowing(session) if self.keypoints is not None \
                        else nullcontext():
                    return self.matcher.match(query)

            return ordered_map(one, queries, threads, "match-search")


class MatchingHost(Protocol):
    @property
    def matching(self) -> Component[MatchIndex]: ...


async def _index_dep(request: Request) -> MatchIndex:
    host: MatchingHost = request.app.state.trust
    return host.matching.get()


MatchIndexDep = Annotated[MatchIndex, Depends(_index_dep)]
