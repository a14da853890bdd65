"""Catalog keypoints read from the database for the local stage's candidates.

``MatchIndex`` (service/matching/runtime.py) keeps keypoints in the database's
``matching_features`` rows rather than in every worker (models/hashing/keypoints.py says
why) and reads the ones a query needs through ``DatabaseKeypoints``: one SELECT of the
requested ids per verification.

Reads run while the index's lock is held, which every other matching thread waits on,
often while holding a pooled connection of its own (its request's session). Were the lock
holder to wait for the pool too, a full pool would stall every match until the pool timed
out; so ``reading`` checks a connection out *before* the caller takes the lock, and the
reads inside it use that one. A read outside ``reading`` (start-up, tests) opens a session
of its own. Either way the session ends with the read or the match: nothing is held open
across the process. Each SELECT sees the rows committed when it runs (PostgreSQL's default
READ COMMITTED; SQLite begins no transaction for reads), and a sync applies its changes
under the same lock, so a read never returns keypoints older than the index's last sync
(an image a sync invalidated is read anew, not from an earlier snapshot).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from models.hashing.local import LocalFeatures
from service.matching import repository


class DatabaseKeypoints:
    """A ``KeypointSource`` over ``matching_features.data``."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._session_factory = session_factory
        self._local = threading.local()  # the thread's session inside ``reading``
        self.reads = 0  # SELECTs issued: tests and benchmarks watch the cache work

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Reads in this thread within the block share one session, connected on entry."""
        with self._session_factory() as session:
            session.connection()  # take the pooled connection now, not under the lock
            self._local.session = session
            try:
                yield
            finally:
                self._local.session = None

    def lent(self) -> Session | None:
        """This thread's session inside ``reading`` (None outside), for ``borrowing``."""
        session: Session | None = getattr(self._local, "session", None)
        return session

    @contextmanager
    def borrowing(self, session: Session | None) -> Iterator[None]:
        """Reads in this thread use ``session``, another thread's from ``lent``: a thread
        helping that one's match reads through its connection instead of taking a second
        one while the index lock is held. The matcher serialises its reads (LocalIndex's
        lock), so the session is never used by two threads at once. The thread's own
        session, if any, comes back after the block."""
        previous = self.lent()
        self._local.session = session
        try:
            yield
        finally:
            self._local.session = previous

    def load(self, image_ids: Collection[int]) -> dict[int, LocalFeatures]:
        if not image_ids:
            return {}
        self.reads += 1
        session: Session | None = getattr(self._local, "session", None)
        if session is not None:
            return repository.features_of(session, image_ids)
        with self._session_factory() as own:
            return repository.features_of(own, image_ids)
