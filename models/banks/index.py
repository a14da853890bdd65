"""The in-process index of bank hashes: exact Hamming range search, batched over a listing.

Why this structure. A listing's lookup is about a hundred region hashes (9 photos, ~12
regions each) against up to millions of bank hashes, inside the scoring request: a budget
of a few milliseconds. Brute force reads every stored code per query (1M PDQ codes are
32 MB); faiss's IndexBinaryMultiHash is exact but answered 100 queries over 1M codes in
~250 ms here (hash-map buckets, one query at a time). What fits is a multi-index (Norouzi
et al.'s multi-index hashing, as models/hashing/index.py does for the catalog) over the
64-bit pHash, its tables sorted arrays, searched for all the listing's regions at once in a
handful of numpy operations: cut into four 16-bit chunks, any code within radius 7 agrees
with the query to within 1 bit on some chunk (pigeonhole), so only 4 x 17 buckets per
query (~1,000 codes at 1M) are verified; radius 8-11 would enumerate 137 buckets a chunk,
eight times the work, so ``PHASH_RADIUS`` is 7 and the acceptance rule is fitted within it.
PDQ is read for the pHash candidates (one gather), never searched, except for rows that
have no pHash (an imported PDQ-only list): those get a multi-index of their own over 16
chunks, exact for ``PDQ_RADIUS`` 15 with no bit flips (16 buckets per query).

Memory per bank hash (a view with both signals): pHash 8 B and its label 4 B, per chunk an
int32 bucket order and the pHash again in that order (4 x 12 B: a query reads each bucket's
codes as one contiguous run instead of gathering rows, 2.2x faster at 1M), PDQ 32 B, entry
id 8 B, flags 1 B: 101 bytes (about 97 MiB per million), plus 2 MB of bucket offsets; a
PDQ-only row adds its own multi-index (16 chunks x 36 B).
Rows added since the last build (at most ``_REBUILD_PENDING``) are scanned by brute force;
removed rows are masked, and the whole index is rebuilt once a quarter is dead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from models.banks.hashes import BankHash
from models.banks.multi_index import MultiIndex, pack_codes, popcount_rows
from models.hashing.matcher import HashSet
from models.thresholds import MATCH_PDQ_MIN_QUALITY

PHASH_RADIUS = 7  # the widest pHash distance any rule may accept (4 chunks, 1 bit flipped)
PDQ_RADIUS = 15  # the widest PDQ distance searched for rows without a pHash (16 chunks)
@dataclass(frozen=True)
class Pairs:
    """Candidate (query region, bank row) pairs; a distance is -1 where it is not known
    (the row lacks that signal, or a PDQ of too low quality on either side)."""

    query: np.ndarray
    entry: np.ndarray
    row: np.ndarray  # the bank row (one stored view)
    d_phash: np.ndarray
    d_pdq: np.ndarray


class BankIndex:
    """Bank rows (one stored view each) of many entries, searched by query regions."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._n = self._dead = 0
        self._entry = np.zeros(0, dtype=np.int64)
        self._pdq = np.zeros((0, 4), dtype=np.uint64)
        self._flags = np.zeros(0, dtype=np.uint8)  # bit 0 alive, 1 has PDQ, 2 PDQ usable
        self._phash = MultiIndex(1)
        self._pdq_only = MultiIndex(4)
        self._rows_of: dict[int, tuple[int, int]] = {}

    def __len__(self) -> int:
        return self._n - self._dead

    def __contains__(self, entry_id: int) -> bool:
        return entry_id in self._rows_of

    @property
    def entries(self) -> int:
        return len(self._rows_of)

    def nbytes(self) -> int:
        """Bytes held for the rows (arrays and indexes, not Python's per-entry dict)."""
        return (self._n * (8 + 32 + 1) + self._phash.nbytes() + self._pdq_only.nbytes())

    def _grow(self, need: int) -> None:
        if need > len(self._entry):
            cap = max(need, 2 * len(self._entry), 1024)
            self._entry = np.resize(self._entry, cap)
            self._pdq = np.resize(self._pdq, (cap, 4))
            self._flags = np.resize(self._flags, cap)

    def build(self) -> None:
        """Index every row added so far (after a bulk load with ``build=False``)."""
        self._phash.build()
        self._pdq_only.build()

    def add(self, entry_id: int, hashes: Sequence[BankHash], build: bool = True) -> None:
        """Add (or replace) one entry's rows; ``build=False`` defers the index rebuild
        (call ``build`` after the last one)."""
        self.remove(entry_id)
        rows = [h for h in hashes if h.phash is not None or h.pdq is not None]
        if not rows:
            return
        lo, hi = self._n, self._n + len(rows)
        self._grow(hi)
        self._entry[lo:hi] = entry_id
        self._pdq[lo:hi] = pack_codes([h.pdq or bytes(32) for h in rows], 4)
        self._flags[lo:hi] = [1 | (2 if h.pdq is not None else 0) | (4 if h.pdq_usable else 0)
                              for h in rows]
        self._n = hi
        self._rows_of[entry_id] = (lo, hi)
        numbers = np.arange(lo, hi, dtype=np.int32)
        with_phash = np.array([h.phash is not None for h in rows])
        if with_phash.any():
            self._phash.add(numbers[with_phash],
                            pack_codes([h.phash for h in rows if h.phash is not None], 1), build)
        if (~with_phash).any():
            self._pdq_only.add(numbers[~with_phash], self._pdq[lo:hi][~with_phash], build)

    def add_many(self, items: Iterable[tuple[int, Sequence[BankHash]]]) -> None:
        """A bulk load: the multi-indexes are built once, at the end."""
        for entry_id, hashes in items:
            self.add(entry_id, hashes, build=False)
        self.build()

    def remove(self, entry_id: int) -> bool:
        span = self._rows_of.pop(entry_id, None)
        if span is None:
            return False
        self._flags[span[0]:span[1]] &= np.uint8(0xFE)
        self._dead += span[1] - span[0]
        if self._dead > 1024 and self._dead > self._n // 4:
            self._compact()
        return True

    def _compact(self) -> None:
        """Rebuild from the live rows (row numbers change; entries keep their ids)."""
        keep = np.flatnonzero(self._flags[:self._n] & 1)
        entry, pdq, flags = self._entry[keep], self._pdq[keep], self._flags[keep]
        phash_rows = self._phash_codes()
        phash = {int(r): c for r, c in phash_rows.items() if self._flags[r] & 1}
        self._reset()
        self._grow(len(keep))
        self._entry[:len(keep)], self._pdq[:len(keep)] = entry, pdq
        self._flags[:len(keep)] = flags
        self._n = len(keep)
        new_of = {int(old): new for new, old in enumerate(keep)}
        for new, e in enumerate(entry.tolist()):
            lo, _ = self._rows_of.get(e, (new, new))
            self._rows_of[e] = (lo, new + 1)
        labels = np.array([new_of[r] for r in phash], dtype=np.int32)
        if len(labels):
            self._phash.add(labels, np.array(list(phash.values()), dtype=np.uint64)[:, None],
                            build=False)
        lacking = np.setdiff1d(np.arange(self._n, dtype=np.int32), labels)
        lacking = lacking[(self._flags[lacking] & 2) > 0]
        if len(lacking):
            self._pdq_only.add(lacking, self._pdq[lacking], build=False)
        self.build()

    def _phash_codes(self) -> dict[int, np.uint64]:
        n = len(self._phash)
        labels, codes = self._phash._labels[:n], self._phash._codes[:n, 0]
        return dict(zip(labels.tolist(), codes, strict=True))

    def search(self, regions: Sequence[HashSet]) -> Pairs:
        """Every live row within ``PHASH_RADIUS`` in pHash (PDQ_RADIUS in PDQ for rows
        without one) of any region, with both distances where known."""
        if not regions or not self._rows_of:
            empty = np.zeros(0, dtype=np.int64)
            return Pairs(empty, empty, empty, empty, empty)
        q_phash = pack_codes([r.phash for r in regions], 1)
        q_pdq = pack_codes([r.pdq for r in regions], 4)
        q_usable = np.array([r.quality >= MATCH_PDQ_MIN_QUALITY for r in regions])
        qa, ra, dpa = self._phash.search(q_phash, PHASH_RADIUS)
        usable = q_usable[qa] & ((self._flags[ra] & 4) > 0)
        dqa = np.where(usable, popcount_rows(self._pdq[ra] ^ q_pdq[qa]), -1)
        qb, rb, dqb = (self._pdq_only.search(q_pdq[q_usable], PDQ_RADIUS) if len(self._pdq_only)
                       and q_usable.any() else (np.zeros(0, dtype=np.int64),) * 3)
        qb = np.flatnonzero(q_usable)[qb]
        keep_b = (self._flags[rb] & 4) > 0
        qi = np.concatenate((qa, qb[keep_b]))
        rows = np.concatenate((ra, rb[keep_b]))
        d_phash = np.concatenate((dpa, np.full(int(keep_b.sum()), -1, dtype=np.int64)))
        d_pdq = np.concatenate((dqa, dqb[keep_b]))
        alive = (self._flags[rows] & 1) > 0
        return Pairs(qi[alive], self._entry[rows[alive]], rows[alive], d_phash[alive],
                     d_pdq[alive])
