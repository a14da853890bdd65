"""When a listing photo matches a bank entry: a small calibrated rule over two distances.

A pair is a query region and a stored view, found by the bank index (index.py) within its
search radii, with its pHash distance and its PDQ distance (-1 where unknown: a signal the
row lacks, or a PDQ of too low quality on either side). It is accepted when

* both are known: pHash <= ``phash_max`` and PDQ <= ``pdq_confirm_max`` (a pHash near-copy
  that PDQ does not contradict), or PDQ <= ``pdq_max``;
* only pHash is known: pHash <= ``phash_alone_max``;
* only PDQ is known: PDQ <= ``pdq_max``.

The thresholds are fitted by training/fit_bank_acceptance.py on generated data for zero
wrong matches on its calibration split (models/artifacts/bank-acceptance-v1, with its
hold-out metrics). A photo matches an entry when any of its regions' pairs with the
entry's views is accepted; its confidence is that of the strongest accepted pair,
``1 - 0.5 * d / (t + 1)`` of the rule that accepted it (1 for an exact copy, above 0.5
at the threshold): a ranking of accepted matches, not a probability.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from models.banks.index import PDQ_RADIUS, PHASH_RADIUS, Pairs

ARTIFACT_DIR = Path(__file__).resolve().parent.parent / "artifacts" / "bank-acceptance-v1"


@dataclass(frozen=True)
class BankRules:
    version: str = "bank-acceptance-untrained"
    phash_max: int = 4
    pdq_confirm_max: int = 40
    pdq_max: int = 10
    phash_alone_max: int = 2

    def __post_init__(self) -> None:
        if not (0 <= self.phash_max <= PHASH_RADIUS and 0 <= self.phash_alone_max <= PHASH_RADIUS
                and 0 <= self.pdq_max <= PDQ_RADIUS and 0 <= self.pdq_confirm_max <= 256):
            raise ValueError(f"bank rules outside the index's search radii: {self}")

    def to_json(self) -> dict[str, object]:
        return asdict(self)


@lru_cache(maxsize=1)
def load_rules(path: Path = ARTIFACT_DIR / "config.json") -> BankRules:
    raw = json.loads(path.read_text())
    return BankRules(**{k: raw[k] for k in ("version", "phash_max", "pdq_confirm_max",
                                            "pdq_max", "phash_alone_max")})


def pair_confidence(pairs: Pairs, rules: BankRules) -> np.ndarray:
    """Per pair: its confidence when accepted, 0 when not."""
    dp, dq = pairs.d_phash, pairs.d_pdq
    has_p, has_q = dp >= 0, dq >= 0

    def conf(d: np.ndarray, t: int) -> np.ndarray:
        return 1.0 - 0.5 * d / (t + 1.0)

    out = np.zeros(len(dp))
    both = has_p & has_q
    joint = both & (dp <= rules.phash_max) & (dq <= rules.pdq_confirm_max)
    out = np.where(joint, np.minimum(conf(dp, rules.phash_max),
                                     conf(dq, rules.pdq_confirm_max)), out)
    by_pdq = has_q & (dq <= rules.pdq_max)
    out = np.maximum(out, np.where(by_pdq, conf(dq, rules.pdq_max), 0.0))
    alone = has_p & ~has_q & (dp <= rules.phash_alone_max)
    return np.maximum(out, np.where(alone, conf(dp, rules.phash_alone_max), 0.0))


@dataclass(frozen=True)
class EntryMatch:
    photo: int  # the caller's photo number
    entry_id: int
    confidence: float


def best_matches(pairs: Pairs, photo_of_query: np.ndarray, rules: BankRules) -> list[EntryMatch]:
    """Per (photo, entry) the strongest accepted pair, strongest first."""
    conf = pair_confidence(pairs, rules)
    ok = np.flatnonzero(conf > 0)
    if not len(ok):
        return []
    photo, entry, conf = photo_of_query[pairs.query[ok]], pairs.entry[ok], conf[ok]
    order = np.lexsort((-conf, entry, photo))  # by photo, entry, then strongest first
    photo, entry, conf = photo[order], entry[order], conf[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (photo[1:] != photo[:-1]) | (entry[1:] != entry[:-1])
    found = [EntryMatch(int(p), int(e), round(float(c), 3))
             for p, e, c in zip(photo[first], entry[first], conf[first], strict=True)]
    return sorted(found, key=lambda m: (-m.confidence, m.photo, m.entry_id))
