"""Match acceptance: one calibrated, monotone model over a (query, catalog image) pair.

The evidence of a pair is what the two stages and the colour layout measured (``FEATURES``,
a row built by models/hashing/pair_evidence.py): the hash stage's pair score (lower is
stronger; none when it did not find the image), the keypoint fit's inliers, photometric
agreement and inlier spread (none without a fit), and the colour-layout distance (lower is
stronger; none without layouts). Each feature maps to a strength in [0, 1] through its knots
(piecewise linear, 0 for "no evidence" and for anything at or past the weakest knot); the
logit is a bias plus a sum of terms, each a non-negative combination of ramps over one
strength or over the product of several (an interaction: a fit's inliers and its agreement,
both stages, strong together). Products of non-negative, non-decreasing strengths are
non-decreasing, and non-negative weights over non-decreasing ramps keep them so: the model
is monotone, stronger evidence on any axis never lowers the logit, so never raises the
score. Which terms exist is the training config's choice
(training/configs/match-acceptance-v8.json, the served one): a fit's inliers enter only with
its agreement, its spread, a hash score or the colour layout, never alone, since one detail
shared by two products (a brand word) gives any number of inliers; so does how many more
inliers it has than any other fit (``inlier_ratio``), which a word no other catalog photo
carries makes unrivalled (``uncorroborated_terms``, empty for a served model).

The global descriptor's similarity (``descriptor``: the best inner product between any of
the query's described regions and any of the catalog photo's enrolled views) is a feature
from v7 on, read only together with a fit or a hash score: look-alike products sit close in
descriptor space too, so it corroborates other evidence and never accepts alone. Until v6 the
descriptor only proposed which catalog images the keypoint stage verifies; a deep crop or a
grid cell it ranks first with a modest, compact fit was then rejected for its small inlier
hull (reports/matching/SCALE.md). A model reading it is tied to the descriptor artifact it was
fitted with (``analysis.EVIDENCE_VERSION``'s last part); every model calibrated at scale (v2
on) already depended on the pairs the descriptor's candidates let the keypoint stage see, so
a new descriptor calls for a refit, as does any change to the evidence it reads (hash,
keypoint and colour stages; the fit's context, ``local.agreement``).

The public contract of ``pipeline.unified_score`` is kept: ``score = exp(threshold -
logit)``, the pair's odds of being wrong relative to the odds at the threshold, so <= 1
accepts and lower is stronger; a pair with neither hash nor keypoint evidence scores inf
(the colour layout never accepts alone). The artifact is plain JSON
(models/artifacts/match-acceptance-v8/model.json), fitted by training/calibrate_matching.py;
the artifacts it replaced stay beside it as baselines (v1: calibrated on ~100-photo
catalogs, served until v6; v6, served until v8 and its fallback), and the measured
candidates that were not served (their cards say why).

From v8 on the served model also reads ``fit_colour``: the colour layout compared where the
keypoint fit puts the photo (colour.fitted_distance), which tells a colourway look-alike
(the same silhouette in other colours, which luma keypoints and gradients cannot) from a
copy. A model reading the similarity names a ``fallback`` (v8: v6) for the pairs without
one, since every pair it was fitted on carries one.
"""

from __future__ import annotations

import bisect
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from models.hashing.pair_evidence import (
    BASE_FEATURES,
    DISTINCT_HASH_BOUND,
    DISTINCT_MIN_INLIERS,
    FEATURES,
    distinct_alone,
    feature_row,
)

ARTIFACT_DIR = Path(__file__).resolve().parent.parent / "artifacts" / "match-acceptance-v8"
_DESCRIPTOR = FEATURES.index("descriptor")
_FIT_FEATURES = ("agreement", "spread", "inlier_ratio", "context", "fit_colour")  # fit only
# What a fit's count never stands on alone: how many inliers there are, and how many more than
# any other fit, say nothing about whether the rest of the photo is there. One printed word
# shared by two products gives any number of inliers, and with no other fit in the catalog
# an unrivalled number; a term over counts must read one of these too.
_COUNTS = ("inliers", "inlier_ratio")
_CORROBORATION = ("agreement", "spread", "hash", "colour", "context", "fit_colour")


@dataclass(frozen=True)
class Feature:
    """How one raw feature maps to a strength: ``knots`` ascending, ``levels`` the strength
    at each (ascending, or descending where lower is stronger), clamped outside."""

    name: str
    knots: tuple[float, ...]
    levels: tuple[float, ...]

    def strength(self, x: np.ndarray) -> np.ndarray:
        u = np.interp(x, self.knots, self.levels)
        return np.where(np.isnan(x), 0.0, u)

    def strength_of(self, x: float) -> float:
        """``strength`` of one value, without numpy's per-call cost (the served path)."""
        k, v = self.knots, self.levels
        if math.isnan(x):
            return 0.0
        if x <= k[0]:
            return v[0]
        if x >= k[-1]:
            return v[-1]
        j = bisect.bisect_right(k, x) - 1
        return v[j] + (x - k[j]) * (v[j + 1] - v[j]) / (k[j + 1] - k[j])


@dataclass(frozen=True)
class Term:
    """Ramps over the strength of one feature, or over the product of several's."""

    features: tuple[str, ...]
    breaks: tuple[float, ...]  # ascending, in [0, 1]
    weights: tuple[float, ...]  # one per ramp (len(breaks) - 1), all >= 0

    def ramps(self, u: np.ndarray) -> np.ndarray:
        b = np.asarray(self.breaks)
        return np.clip((u[:, None] - b[:-1]) / np.diff(b), 0.0, 1.0)

    def value_of(self, u: float) -> float:
        """The term at one strength: ``ramps`` times the weights, without numpy."""
        b, total = self.breaks, 0.0
        for j, w in enumerate(self.weights):
            if u <= b[j]:
                break
            total += w * min((u - b[j]) / (b[j + 1] - b[j]), 1.0)
        return total


@dataclass(frozen=True)
class AcceptanceModel:
    version: str
    features: tuple[Feature, ...]
    terms: tuple[Term, ...]
    bias: float
    threshold: float  # logit at and above which a pair is accepted
    # What scores a pair without a descriptor similarity, for a model that reads one: a
    # query that was not described (the listing's first answer, a catalog under
    # DESCRIPTOR_MIN_CATALOG) or an image stored without descriptors. A model fitted on
    # pairs that all carry the similarity has never seen one without it.
    fallback: AcceptanceModel | None = None
    fallback_name: str = ""  # its artifact, beside this one

    def __post_init__(self) -> None:
        names = tuple(f.name for f in self.features)
        if self.fallback is not None and (
                "descriptor" not in names or self.fallback.fallback is not None
                or "descriptor" in {f.name for f in self.fallback.features}
                or self.fallback.max_hash_score != float(self.features[0].knots[-1])
                or self.fallback.min_inliers != math.ceil(self.features[1].knots[0])):
            raise ValueError("a fallback serves a model reading the descriptor's similarity, "
                             "reads none itself, and keeps the same search bounds")
        if len(names) < len(BASE_FEATURES) or names != FEATURES[:len(names)]:
            raise ValueError(f"features {names}, expected a prefix of {FEATURES} with at "
                             f"least {BASE_FEATURES}")
        if len(names) > len(BASE_FEATURES) and (
                float(self.features[0].knots[-1]) != DISTINCT_HASH_BOUND
                or math.ceil(self.features[1].knots[0]) != DISTINCT_MIN_INLIERS):
            raise ValueError("a model reading distinctiveness must keep the served bounds "
                             f"(hash {DISTINCT_HASH_BOUND}, inliers {DISTINCT_MIN_INLIERS})")
        for f in self.features:
            if list(f.knots) != sorted(f.knots) or len(f.knots) != len(f.levels) or \
                    not all(0.0 <= v <= 1.0 for v in f.levels):
                raise ValueError(f"feature {f.name}: knots must ascend, levels lie in [0, 1]")
            step = np.diff(f.levels)
            if not (np.all(step >= 0) or np.all(step <= 0)):
                raise ValueError(f"feature {f.name}: strength must be monotone")
        for t in self.terms:
            if any(w < 0 for w in t.weights) or len(t.weights) != len(t.breaks) - 1 or \
                    list(t.breaks) != sorted(set(t.breaks)) or not set(t.features) <= set(names):
                raise ValueError(f"term {t.features}: weights >= 0 over ascending breaks")

    def feature(self, name: str) -> Feature:
        return self.features[FEATURES.index(name)]

    @property
    def max_hash_score(self) -> float:
        """Hash scores at or past this carry nothing: the hash stage's search bound."""
        return float(self.feature("hash").knots[-1])

    @property
    def min_inliers(self) -> int:
        """Fits with fewer inliers carry nothing: the fewest the local stage must report."""
        return math.ceil(self.feature("inliers").knots[0])

    def strengths(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        rows = np.atleast_2d(np.asarray(rows, dtype=float))
        u = {f.name: f.strength(rows[:, i]) for i, f in enumerate(self.features)}
        no_fit = ~(rows[:, FEATURES.index("inliers")] >= self.min_inliers)
        for name in _FIT_FEATURES:
            if name in u:
                u[name] = np.where(no_fit, 0.0, u[name])
        return u

    def design(self, rows: np.ndarray) -> np.ndarray:
        """(n, number of weights): every term's ramps, the columns ``weights`` multiplies."""
        u = self.strengths(rows)
        return np.hstack([t.ramps(np.prod([u[f] for f in t.features], axis=0))
                          for t in self.terms])

    @property
    def weights(self) -> np.ndarray:
        return np.array([w for t in self.terms for w in t.weights], dtype=float)

    def logits(self, rows: np.ndarray) -> np.ndarray:
        return self.bias + self.design(rows) @ self.weights

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """exp(threshold - logit); inf where neither stage has evidence. Rows without a
        descriptor similarity are the fallback's to score, where the model has one."""
        rows = np.atleast_2d(np.asarray(rows, dtype=float))
        if self.fallback is None:
            return self._own_scores(rows)
        missing = np.isnan(rows[:, _DESCRIPTOR])
        out = np.empty(len(rows))
        out[missing] = self.fallback.scores(rows[missing])
        out[~missing] = self._own_scores(rows[~missing])
        return out

    def _own_scores(self, rows: np.ndarray) -> np.ndarray:
        z = self.logits(rows)
        hashed = rows[:, 0] < self.max_hash_score
        fitted = rows[:, 1] >= self.min_inliers
        with np.errstate(over="ignore"):
            return np.where(hashed | fitted, np.exp(self.threshold - z), np.inf)

    def score(self, hash_score: float | None, inliers: int | None, agreement: float | None,
              spread: float | None, colour: float | None, hash_gap: float | None = None,
              inlier_ratio: float | None = None, context: float | None = None,
              descriptor: float | None = None, fit_colour: float | None = None) -> float:
        """``scores`` of one pair, computed without numpy: the matcher scores every catalog
        image either stage found, inside the request (tests/models/hashing/
        test_acceptance.py checks both paths agree)."""
        if self.fallback is not None and descriptor is None:
            return self.fallback.score(hash_score, inliers, agreement, spread, colour, hash_gap,
                                       inlier_ratio, context, None, fit_colour)
        row = feature_row(hash_score, inliers, agreement, spread, colour, hash_gap,
                          inlier_ratio, context, descriptor, fit_colour)[0].tolist()
        fitted = row[1] >= self.min_inliers
        if not (row[0] < self.max_hash_score or fitted):
            return math.inf
        u = {f.name: f.strength_of(x)
             for f, x in zip(self.features, row[:len(self.features)], strict=True)}
        if not fitted:
            for name in _FIT_FEATURES:
                if name in u:
                    u[name] = 0.0
        z = self.bias + sum(t.value_of(math.prod(u[f] for f in t.features))
                            for t in self.terms)
        return math.exp(min(self.threshold - z, 700.0))

    def uncorroborated_terms(self) -> list[tuple[str, ...]]:
        """Terms over a fit's counts alone (``_COUNTS``), or that the descriptor's similarity
        corroborates alone: without it, a term must still be one that may be served. The
        descriptor may only narrow a term (a product of strengths is at most each of them):
        look-alike products, and one brand's products, are near in descriptor space."""
        def bare(names: set[str]) -> bool:
            return not names or (bool(names & set(_COUNTS)) and not names & set(_CORROBORATION))
        return [t.features for t in self.terms if bare(set(t.features) - {"descriptor"})]

    def hash_alone_bound(self, step: float = 0.125) -> float | None:
        """The loosest hash pair score accepted with no other evidence and no other
        candidate (scores come in eighths; the gap is then to the search bound, as
        ``distinctiveness`` measures it); None if none is. Monotone, so everything at or
        below it is accepted."""
        ok = [h * step for h in range(int(self.max_hash_score / step))
              if self.score(h * step, None, None, None, None,
                            *distinct_alone(h * step, None)) <= 1.0]
        return max(ok, default=None)

    def inliers_alone(self, agreement: float, spread: float, most: int = 1000) -> int | None:
        """The fewest inliers a fit of this agreement and spread needs with no other
        evidence and no other candidate; None if no count up to ``most`` is enough."""
        counts = np.arange(self.min_inliers, most + 1)
        rows = np.column_stack([np.full(len(counts), np.nan), counts,
                                np.full(len(counts), agreement), np.full(len(counts), spread),
                                np.full(len(counts), np.nan), np.full(len(counts), np.nan),
                                counts / DISTINCT_MIN_INLIERS, np.full(len(counts), agreement),
                                np.full(len(counts), np.nan), np.full(len(counts), np.nan)])
        ok = counts[self.scores(rows) <= 1.0]
        return int(ok[0]) if len(ok) else None

    def to_json(self) -> dict[str, object]:
        return {
            "name": "match-acceptance", "version": self.version,
            "score": "exp(threshold - logit): <= 1 accepts, lower is stronger",
            "features": [{"name": f.name, "knots": list(f.knots), "levels": list(f.levels)}
                         for f in self.features],
            "terms": [{"features": list(t.features), "breaks": list(t.breaks),
                       "weights": list(t.weights)} for t in self.terms],
            "bias": self.bias, "threshold": self.threshold,
            **({"fallback": self.fallback_name} if self.fallback is not None else {}),
        }

    @classmethod
    def from_json(cls, doc: dict) -> AcceptanceModel:
        return cls(str(doc["version"]),
                   tuple(Feature(f["name"], tuple(map(float, f["knots"])),
                                 tuple(map(float, f["levels"]))) for f in doc["features"]),
                   tuple(Term(tuple(t["features"]), tuple(map(float, t["breaks"])),
                              tuple(map(float, t["weights"]))) for t in doc["terms"]),
                   float(doc["bias"]), float(doc["threshold"]),
                   *((load_acceptance(ARTIFACT_DIR.parent / doc["fallback"] / "model.json"),
                      str(doc["fallback"])) if doc.get("fallback") else ()))


def load_acceptance(path: Path | None = None) -> AcceptanceModel:
    """The committed artifact (or ``path``'s), read once per process."""
    return _load(str(path or ARTIFACT_DIR / "model.json"))


@lru_cache(maxsize=4)
def _load(path: str) -> AcceptanceModel:
    return AcceptanceModel.from_json(json.loads(Path(path).read_text()))
