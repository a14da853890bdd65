"""The in-process bank index: loaded from the database at start-up, kept current by
replaying the bank change log, as the catalog's index is (service/matching/runtime.py).

Every process (API worker, RQ worker, `trustd banks import`) writes an entry's hashes and a
change-log row in the same transaction as the decision or import. A replica applies
changes by re-reading the touched entries (live ones are enrolled anew, withdrawn or
deleted ones removed), so replay is idempotent and order-free; a sharing change (entry 0)
re-reads who sees which bank. It syncs before a lookup when its own process committed a
change, or when `matching_sync_seconds` have passed since the last sync: another process's
entry is seen within that delay, without a restart. Sequence numbers can commit out of
order on PostgreSQL, so gaps are re-read for a while instead of being skipped for good.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from sqlalchemy.orm import Session

from models.banks.acceptance import BankRules, EntryMatch, best_matches, load_rules
from models.banks.hashes import lookup_regions
from models.banks.index import BankIndex, Pairs
from models.hashing.matcher import HashSet
from service.banks import repository
from service.core.state import Component
from service.kit.changefeed import ChangeCursor, LocalChanges

SHARING = 0  # the change log's entry id for a change of who sees which bank
LOCAL_CHANGES = LocalChanges()  # bank changes this process committed


def note_local_change() -> None:
    LOCAL_CHANGES.note()


@dataclass
class BankRuntime:
    rules: BankRules = field(default_factory=load_rules)
    index: BankIndex = field(default_factory=BankIndex)
    bank_of: dict[int, int] = field(default_factory=dict)  # live entry -> its bank
    own: dict[str, int] = field(default_factory=dict)  # platform -> its own bank
    subscribed: dict[str, set[int]] = field(default_factory=dict)  # platform -> shared banks
    cursor: ChangeCursor = field(default_factory=ChangeCursor)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def load(self, session: Session) -> None:
        start = repository.last_change(session)
        with self.lock:
            for entry_id, bank_id, hashes in repository.iter_live(session):
                self.index.add(entry_id, hashes, build=False)
                self.bank_of[entry_id] = bank_id
            self.index.build()
            self.own, self.subscribed = repository.visibility(session)
            self.cursor.seq = start
        self.sync(session)

    def needs_sync(self, interval: float) -> bool:
        return self.cursor.due(LOCAL_CHANGES, interval)

    def sync(self, session: Session) -> int:
        """Apply committed changes since the last sync; returns how many entries changed."""
        generation = LOCAL_CHANGES.generation
        changes = self.cursor.unseen(repository.changes_after(session, self.cursor.floor))
        touched = {entry for _, entry, _ in changes if entry != SHARING}
        fresh = repository.live_entries(session, touched) if touched else {}
        visibility = repository.visibility(session) if changes else None
        with self.lock:
            for entry_id in touched:
                if entry_id in fresh:
                    bank_id, hashes = fresh[entry_id]
                    self.index.add(entry_id, hashes)
                    self.bank_of[entry_id] = bank_id
                else:
                    self.index.remove(entry_id)
                    self.bank_of.pop(entry_id, None)
            if visibility is not None:
                self.own, self.subscribed = visibility
            self.cursor.advance((c[0] for c in changes), generation)
        return len(touched)

    def visible(self, platform_id: str) -> set[int]:
        """The banks a platform's listings are looked up in: its own and the shared ones it
        subscribes to."""
        own = self.own.get(platform_id)
        return ({own} if own is not None else set()) | self.subscribed.get(platform_id, set())

    def lookup(self, platform_id: str, regions: dict[int, list[HashSet]]) -> list[EntryMatch]:
        """Accepted (photo index, entry) matches in the platform's visible banks."""
        queries: list[HashSet] = []
        photo_of: list[int] = []
        for photo, sets in sorted(regions.items()):
            chosen = lookup_regions(sets)
            queries += chosen
            photo_of += [photo] * len(chosen)
        with self.lock:
            banks = self.visible(platform_id)
            if not banks or not queries:
                return []
            pairs = self.index.search(queries)
            entries, where = np.unique(pairs.entry, return_inverse=True)
            seen = np.array([self.bank_of.get(e, -1) in banks for e in entries.tolist()],
                            dtype=bool)
        return best_matches(_subset(pairs, seen[where]), np.array(photo_of), self.rules)


def _subset(pairs: Pairs, keep: np.ndarray) -> Pairs:
    return Pairs(pairs.query[keep], pairs.entry[keep], pairs.row[keep], pairs.d_phash[keep],
                 pairs.d_pdq[keep])


class BanksHost(Protocol):
    @property
    def banks(self) -> Component[BankRuntime]: ...


def entry_ids(matches: Sequence[EntryMatch]) -> set[int]:
    return {m.entry_id for m in matches}
