"""The in-process index of the platforms' photo groups: where a listing photo's candidate
groups are found, without reading the database.

One exact Hamming multi-index (models/hashing/index.py) per platform over its photo groups'
pHash, labelled with the group id. A query gets every group within PHASH_MAX_DISTANCE:
four 16-bit chunks at sub-radius 1, 68 bucket ranges and the ~68 x groups / 65,536 rows
they hold, verified in numpy (about a hundred rows at 100,000 groups, a thousand at
1,000,000, in well under a millisecond), instead of the SQL buckets' rows read through the
driver. The few survivors are then read from the database with their PDQ, seller count
and catalog mark (service/networks/recording.py), so the index holds only what never
changes: a group's platform, id and pHash. A label the database does not know (a test
emptied the tables) is dropped there.

Memory per group: 8 bytes of pHash, 8 of label, 1 alive flag, 4 x 4 of bucket order and
8 in faiss's flat copy (what the index scans while few rows are built): 41 bytes, up to
~58 while its arrays have grown ahead of their rows, plus 2 MB of bucket offsets per
platform. 1,000,000 groups: 41-58 MB in each worker process. Caption groups are not held:
their LSH band keys are exact 62-bit hashes, so the database reads one row per key that
matches and nothing else, whatever the platform's size (cheap enough to stay the record's
job; an in-process copy would cost 16 keys x 16 bytes a caption group).

Replication: the groups table is its own change log. Groups are only ever added, and what
the index holds of one never changes, so every process loads all photo groups at start-up
and, before each search, reads the groups committed since (``id > seq``) over its own
connection: a group another process or this one committed is searched by the next listing
in every process, as the SQL buckets did. PostgreSQL hands out ids before commit, so a
lower id can commit after a higher one: ids skipped over are re-read for GAP_RETRY_SECONDS
(insert conflicts and rollbacks leave gaps that never fill). A group whose transaction
commits later than that is never searched here: the next print of that photo starts a new
group, costing links among the sellers of the first one only.

Popular photos' enrolment views (models/networks/variants.py) are held the same way, in a
known-counterfeit bank index per platform (models/banks/index.py: about 101 bytes a view,
some 62 views a photo, for the few photos posted by a fifth of the link cap or more),
followed by view row id with a change-log cursor (service/kit/changefeed.py). The content
regions of shared screenshots (a few views each, for groups two or more sellers posted) sit
in the same index: a later post matching one is the photo that screenshot shows.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy.orm import Session

from models.banks.acceptance import BankRules
from models.banks.hashes import BankHash, lookup_regions
from models.banks.index import BankIndex
from models.hashing.index import HammingIndex
from models.hashing.matcher import HashSet
from models.networks.rules import PHASH_MAX_DISTANCE
from models.networks.variants import VARIANT_RULES, accepted
from service.core.state import CoreState
from service.kit.changefeed import ChangeCursor
from service.networks import repository
from service.networks.tables import PHOTO

GAP_RETRY_SECONDS = 60.0  # a skipped-over group id is re-read this long
GAP_SPAN = 10_000  # ids further below the newest are not in flight: never re-read
READ_BATCH = 50_000  # groups per statement when loading and syncing


@dataclass
class PhotoGroupIndex:
    """Every platform's photo groups by pHash; ``session_factory`` is where syncs read."""

    session_factory: Callable[[], Session] | None = None
    platforms: dict[str, HammingIndex] = field(default_factory=dict)
    seq: int = 0  # the highest group id applied
    gaps: dict[int, float] = field(default_factory=dict)  # skipped id -> first seen
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Popular groups' enrolment views (models/networks/variants.py), per platform. An
    # index entry is a run of one group's view rows as read (its first row's id), so rows of
    # one group read in two syncs never replace each other.
    variants: dict[str, BankIndex] = field(default_factory=dict)
    group_of_entry: dict[int, int] = field(default_factory=dict)
    enrolled: set[int] = field(default_factory=set)
    with_content: set[int] = field(default_factory=set)  # groups whose content is held
    views_cursor: ChangeCursor = field(default_factory=ChangeCursor)
    rules: BankRules = VARIANT_RULES

    @classmethod
    def loaded(cls, session: Session,
               session_factory: Callable[[], Session] | None = None) -> PhotoGroupIndex:
        """Every photo group ``session`` sees. Without a ``session_factory`` (scripts,
        tests calling the service directly) the index syncs on nothing: a snapshot."""
        index = cls(session_factory)
        index._read(session)
        return index

    def _read(self, session: Session) -> None:
        while True:
            rows = repository.groups_after(session, self.seq, sorted(self.gaps), READ_BATCH)
            self._apply(rows)
            if len(rows) < READ_BATCH:
                break
        while True:
            views = repository.views_after(session, self.views_cursor.floor, READ_BATCH)
            self._apply_views(views)
            if len(views) < READ_BATCH:
                return

    def _apply_views(self, rows: Sequence[repository.ViewRow]) -> None:
        with self.lock:
            fresh = [r for r in rows if r.id > self.views_cursor.seq
                     or r.id in self.views_cursor.gaps]
            runs: list[tuple[int, str, int, bool, list[BankHash]]] = []
            for r in fresh:
                if not runs or runs[-1][1:4] != (r.platform_id, r.group_id, r.content):
                    runs.append((r.id, r.platform_id, r.group_id, r.content, []))
                runs[-1][4].append(BankHash(r.view, r.phash, r.pdq, r.quality))
            for entry, platform_id, group_id, content, hashes in runs:
                self.variants.setdefault(platform_id, BankIndex()).add(entry, hashes)
                self.group_of_entry[entry] = group_id
                (self.with_content if content else self.enrolled).add(group_id)
            self.views_cursor.advance([r.id for r in fresh], self.views_cursor.generation)

    def _apply(self, rows: Sequence[tuple[int, str, str, bytes]]) -> None:
        now = time.monotonic()
        with self.lock:  # concurrent syncs: whichever applies a row first, once
            labels: dict[str, list[int]] = defaultdict(list)
            codes: dict[str, list[bytes]] = defaultdict(list)
            for group_id, platform_id, kind, phash in rows:
                if kind == PHOTO and (group_id > self.seq or group_id in self.gaps):
                    labels[platform_id].append(group_id)
                    codes[platform_id].append(phash)
            for platform_id, ids in labels.items():
                packed = np.frombuffer(b"".join(codes[platform_id]), dtype=">u8")
                self.platforms.setdefault(platform_id, HammingIndex(64)).add(
                    np.array(ids, dtype=np.int64), packed.astype(np.uint64))
            seen = {row[0] for row in rows}
            for s in seen:
                self.gaps.pop(s, None)
            top = max([self.seq, *seen])
            for s in range(max(self.seq + 1, top - GAP_SPAN), top):
                if s not in seen:
                    self.gaps.setdefault(s, now)
            self.gaps = {s: t for s, t in self.gaps.items() if now - t < GAP_RETRY_SECONDS}
            self.seq = top

    def sync(self) -> None:
        """Apply the groups committed since the last sync (by any process)."""
        if self.session_factory is None:
            return
        with self.session_factory() as session:
            self._read(session)

    def search(self, platform_id: str, phashes: Sequence[bytes],
               radius: int = PHASH_MAX_DISTANCE) -> list[set[int]]:
        """Per pHash, the platform's photo groups whose representative is within ``radius``
        of it."""
        with self.lock:
            index = self.platforms.get(platform_id)
            if index is None:
                return [set() for _ in phashes]
            return [{int(label) for label in index.range_search(
                np.frombuffer(p, dtype=">u8").astype(np.uint64), radius)[0]}
                for p in phashes]

    def variants_of(self, platform_id: str, regions: Sequence[HashSet]) -> set[int]:
        """The enrolled popular groups these regions (one photo's) are an edit of."""
        with self.lock:
            index = self.variants.get(platform_id)
            if index is None:
                return set()
            return {self.group_of_entry[e]
                    for _, e in accepted(index, self.rules, lookup_regions(regions))}

    def has_variants(self, platform_id: str) -> bool:
        """Whether the platform holds any view: a popular photo's, a shared screenshot's
        content."""
        with self.lock:
            return platform_id in self.variants

    def is_enrolled(self, group_id: int) -> bool:
        with self.lock:
            return group_id in self.enrolled

    def has_content(self, group_id: int) -> bool:
        with self.lock:
            return group_id in self.with_content

    def __len__(self) -> int:
        return sum(len(i) for i in self.platforms.values())

    @property
    def nbytes(self) -> int:
        return sum(i.nbytes for i in self.platforms.values()) + \
            sum(i.nbytes() for i in self.variants.values())


def build_index(state: CoreState) -> PhotoGroupIndex:
    """Load every platform's photo groups (at start-up)."""
    with state.session_factory() as session:
        return PhotoGroupIndex.loaded(session, state.session_factory)
