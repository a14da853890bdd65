"""Following a domain's change log from every worker process.

A domain that keeps an in-process index of what its tables hold (the catalog matcher, the
known-counterfeit banks) writes one numbered row per change in the same transaction as the
change, and every process applies the rows it has not seen. Sequence numbers are handed out
before commit, so a gap below the highest number read may be a transaction still in flight:
it is re-read for ``GAP_RETRY_SECONDS`` (after that it was rolled back). The process that
made a change bumps its ``LocalChanges`` generation, so it syncs on its next request instead
of waiting for the interval.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

GAP_RETRY_SECONDS = 60.0  # an uncommitted (or rolled back) seq is re-read this long

Change = tuple[int, int, str]  # (seq, the changed row's id, op)


class LocalChanges:
    """How many changes this process committed to one domain's tables."""

    def __init__(self) -> None:
        self._generation = 0
        self._lock = threading.Lock()

    def note(self) -> None:
        with self._lock:
            self._generation += 1

    @property
    def generation(self) -> int:
        return self._generation


@dataclass
class ChangeCursor:
    """Where one process is in a change log: the highest seq applied and the gaps below it."""

    seq: int = 0
    gaps: dict[int, float] = field(default_factory=dict)  # missing seq -> first seen
    synced_at: float = 0.0
    generation: int = -1

    def due(self, local: LocalChanges, interval: float) -> bool:
        return self.generation != local.generation or \
            time.monotonic() - self.synced_at >= interval

    @property
    def floor(self) -> int:
        """Read the log after this: past ``seq``, and from the lowest gap still open."""
        return min([self.seq, *(s - 1 for s in self.gaps)])

    def unseen(self, rows: Iterable[Change]) -> list[Change]:
        """The changes not applied yet, of those read from ``floor`` on."""
        return [c for c in rows if c[0] > self.seq or c[0] in self.gaps]

    def advance(self, applied: Iterable[int], generation: int) -> None:
        """After ``applied`` seqs were applied (under the caller's lock)."""
        now = time.monotonic()
        seen = set(applied)
        for s in seen:
            self.gaps.pop(s, None)
        top = max([self.seq, *seen])
        for s in range(self.seq + 1, top):
            if s not in seen:
                self.gaps.setdefault(s, now)
        self.gaps = {s: t for s, t in self.gaps.items() if now - t < GAP_RETRY_SECONDS}
        self.seq, self.synced_at, self.generation = top, now, generation
