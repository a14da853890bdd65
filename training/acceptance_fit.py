"""Fitting the match-acceptance model (models/hashing/acceptance.py) on saved evidence.

A pair table holds one row per (query, catalog image) pair either stage found (hash score
under the model's bound, or a keypoint fit with enough inliers), labelled by whether the
image is the one the query copies. The model is a logistic additive model whose terms are
non-negative combinations of monotone ramps (``acceptance.Term``); it is fitted by
L-BFGS-B with the weights bounded at 0 and an L2 penalty, which keeps it monotone by
construction and smooth between the knots the wrong pairs happen to sit on.

Precision, not likelihood, sets the operating point: the threshold is put above the logit
of every wrong pair of the calibration splits, each first made stronger by ``Margins``
(the same kind of relative margin the hand-written rules had: one split's strongest wrong
pair is a noisy estimate of the next split's). How much stronger is chosen by
leave-one-split-out in training/calibrate_matching.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.optimize import minimize

from models.hashing.acceptance import ARTIFACT_DIR, AcceptanceModel, Feature, Term, load_acceptance
from models.hashing.pair_evidence import FEATURES, Distinct, feature_rows
from training.matching_evidence import Scored, query_distinctiveness


@dataclass
class PairTable:
    rows: np.ndarray  # (n, len(FEATURES)), pair_evidence.feature_rows
    label: np.ndarray  # (n,) bool: the expected catalog image
    query: np.ndarray  # (n,) int: index into ``queries``
    queries: list[Scored] = field(default_factory=list)

    @property
    def wrong(self) -> np.ndarray:
        return self.rows[~self.label]


def pair_table(scored: Sequence[Scored], max_hash: float, min_inliers: int) -> PairTable:
    """Every pair the served matcher would score: found by either stage."""
    pairs, label, query = [], [], []
    distinct: list[Distinct] = []
    contexts: list[float | None] = []
    similar: list[float | None] = []
    fit_colours: list[float | None] = []
    for q, s in enumerate(scored):
        hashed = {c for c, v in s.hash_scores.items() if v < max_hash}
        fitted = {c for c, f in s.fits.items() if f[0] >= min_inliers}
        # Measured among the pairs the served matcher sees, whatever this table's bounds.
        d = query_distinctiveness(s)
        for c in sorted(hashed | fitted):
            pairs.append((s.hash_scores.get(c) if c in hashed else None,
                          s.fits.get(c) if c in fitted else None, s.colours.get(c)))
            distinct.append(d[c])
            contexts.append(s.contexts.get(c))
            similar.append(s.descriptors.get(c))
            fit_colours.append(s.fit_colours.get(c))
            label.append(c == s.expected)
            query.append(q)
    return PairTable(feature_rows(pairs, distinct, contexts, similar, fit_colours),
                     np.array(label, dtype=bool),
                     np.array(query, dtype=int), list(scored))


def structure(config: dict) -> AcceptanceModel:
    """The model's features and terms from the training config, all weights 0.

    A one-feature term gets one ramp per interval between that feature's knots; a term
    over several features ramps over the product of their strengths at
    ``interaction_breaks``.
    """
    features = []
    for name in FEATURES[:len(config["features"])]:
        spec = config["features"][name]
        knots = tuple(float(k) for k in spec["knots"])
        levels = tuple(float(v) for v in np.linspace(0.0, 1.0, len(knots)).round(6))
        features.append(Feature(name, knots, levels[::-1] if spec["stronger"] == "lower"
                                else levels))
    by_name = {f.name: f for f in features}
    terms = []
    for names in config["terms"]:
        breaks = tuple(sorted(by_name[names[0]].levels)) if len(names) == 1 else \
            tuple(float(b) for b in config["interaction_breaks"])
        terms.append(Term(tuple(names), breaks, (0.0,) * (len(breaks) - 1)))
    fallback = config.get("fallback")  # scores pairs without a descriptor similarity
    return AcceptanceModel(config["version"], tuple(features), tuple(terms), 0.0, 0.0,
                           *((load_acceptance(ARTIFACT_DIR.parent / fallback / "model.json"),
                              fallback) if fallback else ()))


def with_weights(model: AcceptanceModel, weights: np.ndarray, bias: float) -> AcceptanceModel:
    terms, at = [], 0
    for t in model.terms:
        n = len(t.weights)
        terms.append(replace(t, weights=tuple(float(w) for w in weights[at:at + n])))
        at += n
    return replace(model, terms=tuple(terms), bias=float(bias))


def smoothness_matrix(model: AcceptanceModel) -> np.ndarray:
    """D with |D w|^2 the summed squared change of slope between neighbouring ramps of
    each term (slope: a ramp's weight over its width in strength)."""
    rows, at = [], 0
    n = sum(len(t.weights) for t in model.terms)
    for t in model.terms:
        width = np.diff(t.breaks)
        for j in range(len(width) - 1):
            r = np.zeros(n)
            r[at + j], r[at + j + 1] = -1.0 / width[j], 1.0 / width[j + 1]
            rows.append(r)
        at += len(width)
    return np.array(rows).reshape(-1, n)


def fit(model: AcceptanceModel, table: PairTable, l2: float, smoothness: float,
        negative_weight: float) -> AcceptanceModel:
    """Weights >= 0 and a free bias minimising the weighted log loss plus a smoothness
    penalty (``smoothness``/2 |D w|^2, ``smoothness_matrix``) and a small ridge
    (``l2``/2 |w|^2).

    The smoothness penalty is what a spline GAM uses, and here it matters for more than
    looks: where no wrong pair lies (hash scores under ~11, fits of 50+ agreeing inliers)
    the likelihood is flat, and a ridge alone would let every term level off there, so that
    an exact copy scored hardly better than a wrong pair made a little stronger. Penalising
    changes of slope instead carries each term's slope on into those regions, as the
    hand-written rules' ratios (hash score / bound, bound / inliers) did.
    Positives and negatives weigh as two classes (``negative_weight`` times the positives'
    total), so the thousands of easy wrong pairs do not drown the few hundred hard copies.
    Weights are rounded to 6 decimals: the artifact stores what was evaluated.
    """
    x = model.design(table.rows)
    d = smoothness_matrix(model)
    penalty = smoothness * d.T @ d + l2 * np.eye(x.shape[1])
    sign = np.where(table.label, 1.0, -1.0)
    n_pos, n_neg = int(table.label.sum()), int((~table.label).sum())
    c = np.where(table.label, 1.0 / max(n_pos, 1), negative_weight / max(n_neg, 1))

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        m = sign * (x @ w + b)
        pw = penalty @ w
        value = float(c @ np.logaddexp(0.0, -m)) + 0.5 * float(w @ pw)
        g = -c * sign * 0.5 * (1.0 - np.tanh(m / 2))  # d softplus(-m) / dz
        return value, np.append(x.T @ g + pw, g.sum())

    start = np.zeros(x.shape[1] + 1)
    bounds = [(0.0, None)] * x.shape[1] + [(None, None)]
    res = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"maxiter": 10000, "ftol": 1e-13, "gtol": 1e-10})
    theta = np.round(res.x, 6)
    return with_weights(model, np.maximum(theta[:-1], 0.0), theta[-1])


@dataclass(frozen=True)
class Margins:
    """How much stronger every wrong pair is made before the threshold is put above it."""

    hash_factor: float = 1.0  # hash score x this
    inlier_factor: float = 1.0  # inliers x this, rounded up
    agreement_add: float = 0.0  # agreement + this (at most 1)
    spread_factor: float = 1.0  # inlier-hull share x this (at most 1)
    colour_factor: float = 1.0  # colour distance x this
    gap_add: float = 0.0  # hash gap + this
    ratio_factor: float = 1.0  # inlier ratio x this
    descriptor_add: float = 0.0  # descriptor similarity + this (at most 1)
    fit_colour_factor: float = 1.0  # a fit's colour distance x this

    def times(self, steps: int) -> Margins:
        """This margin applied ``steps`` times over."""
        return Margins(self.hash_factor ** steps, self.inlier_factor ** steps,
                       round(self.agreement_add * steps, 6), self.spread_factor ** steps,
                       self.colour_factor ** steps, round(self.gap_add * steps, 6),
                       self.ratio_factor ** steps, round(self.descriptor_add * steps, 6),
                       self.fit_colour_factor ** steps)


def strengthened(rows: np.ndarray, m: Margins) -> np.ndarray:
    out = rows.copy()
    out[:, 0] *= m.hash_factor
    fitted = out[:, 1] > 0
    out[fitted, 1] = np.ceil(np.round(out[fitted, 1] * m.inlier_factor, 6))
    out[:, 2] = np.minimum(out[:, 2] + m.agreement_add, 1.0)
    out[:, 3] = np.minimum(out[:, 3] * m.spread_factor, 1.0)
    out[:, 4] *= m.colour_factor
    if out.shape[1] > 6:  # rows stored for a model without distinctiveness have five
        out[:, 5] += m.gap_add
        out[:, 6] *= m.ratio_factor
    if out.shape[1] > 8:
        out[:, 8] = np.minimum(out[:, 8] + m.descriptor_add, 1.0)
    if out.shape[1] > 9:
        out[:, 9] *= m.fit_colour_factor
    return out


def set_threshold(model: AcceptanceModel, wrong: np.ndarray,
                  margins: Margins) -> AcceptanceModel:
    """Just above the strongest wrong pair made stronger by ``margins``, rounded up to
    1e-4 (at least 1e-4 above it). Pairs still without evidence for the model (a hash
    score past its bound and no fit) are left out: the matcher never scores them."""
    rows = strengthened(wrong, margins)
    rows = rows[(rows[:, 0] < model.max_hash_score) | (rows[:, 1] >= model.min_inliers)]
    top = float(model.logits(rows).max()) if len(rows) else 0.0
    return replace(model, threshold=math.ceil(top * 1e4 + 1) / 1e4)


def accepted(model: AcceptanceModel, table: PairTable) -> np.ndarray:
    return model.scores(table.rows) <= 1.0


def figures(model: AcceptanceModel, table: PairTable,
            by: str = "family") -> dict[str, dict[str, float | int]]:
    """Recall per family (or transform) and overall, and wrong pairs accepted.

    A positive the stages never found counts as a miss, as in the evaluator.
    """
    ok = accepted(model, table)
    hit = np.zeros(len(table.queries), dtype=bool)
    hit[table.query[ok & table.label]] = True
    wrong = np.bincount(table.query[ok & ~table.label], minlength=len(table.queries))
    return summarise(table.queries, hit, wrong, by)


def summarise(queries: Sequence[Scored], hit: np.ndarray, wrong: np.ndarray,
              by: str) -> dict[str, dict[str, float | int]]:
    groups: dict[str, list[int]] = {}
    for i, s in enumerate(queries):
        for key in (getattr(s, by), "all"):
            groups.setdefault(key, []).append(i)
    out: dict[str, dict[str, float | int]] = {}
    for key, idx in sorted(groups.items()):
        pos = [i for i in idx if queries[i].expected >= 0]
        out[key] = {"queries": len(idx), "positives": len(pos),
                    "recall": round(float(np.mean(hit[pos])) if pos else math.nan, 4),
                    "wrong": int(wrong[idx].sum())}
    return out
