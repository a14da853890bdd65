"""The bank index is exact within its radii (against brute force), forgets withdrawn
entries (also after compaction), and the acceptance rule reads the distances it gives."""

from __future__ import annotations

import numpy as np

from models.banks.acceptance import BankRules, best_matches, pair_confidence
from models.banks.hashes import BankHash
from models.banks.index import PDQ_RADIUS, PHASH_RADIUS, BankIndex, Pairs
from models.hashing.matcher import HashSet


def _flip(raw: bytes, bits: list[int]) -> bytes:
    value = int.from_bytes(raw, "big")
    for b in bits:
        value ^= 1 << b
    return value.to_bytes(len(raw), "big")


def _ham(a: bytes, b: bytes) -> int:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_count()


def _bank(rng, entries: int, views: int, pdq_only_every: int = 0):
    bank = {}
    for e in range(1, entries + 1):
        rows = [BankHash(f"v{i}", rng.bytes(8), rng.bytes(32), 90) for i in range(views)]
        if pdq_only_every and e % pdq_only_every == 0:
            rows = [BankHash(h.view, None, h.pdq, None) for h in rows]
        bank[e] = rows
    return bank


def test_search_finds_exactly_the_rows_within_the_radii():
    rng = np.random.default_rng(3)
    bank = _bank(rng, 600, 20, pdq_only_every=7)
    index = BankIndex()
    index.add_many([(e, bank[e]) for e in range(1, 501)])  # built: 10,000 rows
    for e in range(501, 601):  # 2,000 more, not built yet: scanned
        index.add(e, bank[e])
    queries = []
    for n in range(40):
        e = int(rng.integers(1, 601))
        h = bank[e][int(rng.integers(0, 20))]
        far = [int(b) for b in rng.choice(256, int(rng.integers(0, 20)), replace=False)]
        near = [int(b) for b in rng.choice(64, int(rng.integers(0, 10)), replace=False)]
        queries.append(HashSet(f"r{n}", _flip(h.phash or rng.bytes(8), near), b"",
                               _flip(h.pdq, far), 90))
    found = index.search(queries)
    got = set(zip(found.query.tolist(), found.row.tolist(), strict=True))
    want = set()
    row = 0
    for e in sorted(bank):
        for h in bank[e]:
            for qi, q in enumerate(queries):
                near = (_ham(h.phash, q.phash) <= PHASH_RADIUS if h.phash is not None
                        else _ham(h.pdq, q.pdq) <= PDQ_RADIUS)
                if near:
                    want.add((qi, row))
            row += 1
    assert want and got == want


def test_withdrawn_entries_are_never_found_again_also_after_compaction():
    rng = np.random.default_rng(5)
    bank = _bank(rng, 300, 20)
    index = BankIndex()
    index.add_many(list(bank.items()))
    probe = [HashSet("q", h.phash, b"", h.pdq, 90) for h in (bank[7][0], bank[250][3])]
    assert set(index.search(probe).entry.tolist()) == {7, 250}
    index.remove(7)
    assert set(index.search(probe).entry.tolist()) == {250}
    for e in range(1, 200):  # past a quarter dead: rebuilt
        index.remove(e)
    assert len(index) == 101 * 20
    assert set(index.search(probe).entry.tolist()) == {250}
    index.add(7, bank[7])
    assert set(index.search(probe).entry.tolist()) == {7, 250}


def test_acceptance_follows_the_rules_and_ranks_by_distance():
    rules = BankRules("t", phash_max=4, pdq_confirm_max=30, pdq_max=10, phash_alone_max=1)
    d_phash = np.array([4, 5, 0, -1, -1, 1, 2])
    d_pdq = np.array([30, 0, 40, 10, 11, -1, -1])
    n = len(d_phash)
    pairs = Pairs(np.arange(n), np.arange(1, n + 1), np.arange(n), d_phash, d_pdq)
    accepted = pair_confidence(pairs, rules) > 0
    assert accepted.tolist() == [True, True, False, True, False, True, False]
    exact = Pairs(np.array([0, 1]), np.array([1, 2]), np.array([0, 1]), np.array([0, 3]),
                  np.array([0, 20]))
    ranked = best_matches(exact, np.array([0, 0]), rules)
    assert [m.entry_id for m in ranked] == [1, 2] and ranked[0].confidence == 1.0
