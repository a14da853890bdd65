"""A (query, catalog image) pair's evidence as a row of features, the acceptance model's input.

What each stage measured for the pair (``FEATURES``), in one column order every acceptance
model reads a prefix of, and how far the pair stands out among everything the stages found
for the same query (``distinctiveness``), measured within the served search bounds so the
matcher and the calibration see the same values. Plain data in, arrays out: the matcher
(models/hashing/pipeline.py) and the calibration (training/) both build rows here, and
models/hashing/acceptance.py scores them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

# Column order of a feature row; "no evidence" is NaN (inliers: 0). The last two say how
# distinctive the pair is among everything the stages found for the same query (see
# ``distinctiveness``); a model reads a prefix of these columns, so a model fitted before
# they existed (v1, v2) reads the first five. ``context`` is a fit's agreement away from its
# inliers (models/hashing/local.py ``agreement``), read by v6; ``descriptor`` the pair's
# global-descriptor similarity, read by v7; ``fit_colour`` the colour-layout distance where
# the fit puts the photo (colour.fitted_distance; lower is stronger), read by v8.
FEATURES = ("hash", "inliers", "agreement", "spread", "colour", "hash_gap", "inlier_ratio",
            "context", "descriptor", "fit_colour")
BASE_FEATURES = FEATURES[:5]
# The served search bounds the distinctiveness features are measured within: the hash
# stage's bound and the fewest inliers the local stage reports (every model so far has these
# bounds; ``AcceptanceModel`` refuses a model that reads the features under other bounds).
DISTINCT_HASH_BOUND = 19.0
DISTINCT_MIN_INLIERS = 12


def feature_row(hash_score: float | None, inliers: int | None, agreement: float | None = None,
                spread: float | None = None, colour: float | None = None,
                hash_gap: float | None = None, inlier_ratio: float | None = None,
                context: float | None = None, descriptor: float | None = None,
                fit_colour: float | None = None) -> np.ndarray:
    """One pair's evidence as a feature row (``FEATURES``); None is no evidence, except a
    fit's ``context``: None there is its whole agreement (evidence measured before the
    context was)."""
    def val(x: float | None) -> float:
        return math.nan if x is None else float(x)
    fit = bool(inliers)
    return np.array([[val(hash_score), float(inliers or 0), val(agreement) if fit else math.nan,
                      val(spread) if fit else math.nan, val(colour), val(hash_gap),
                      val(inlier_ratio) if fit else math.nan,
                      val(agreement if context is None else context) if fit else math.nan,
                      val(descriptor), val(fit_colour) if fit else math.nan]])


Distinct = tuple[float | None, float | None]


def distinct_alone(hash_score: float | None, inliers: int | None) -> Distinct:
    """``distinctiveness`` of a pair when nothing else was found for its query: the hash
    gap to the search bound, the inliers over the fewest reported."""
    return (None if hash_score is None else float(DISTINCT_HASH_BOUND - hash_score),
            float(inliers) / DISTINCT_MIN_INLIERS if inliers else None)


def distinctiveness(hash_scores: Mapping[int, float], inliers: Mapping[int, int],
                    ) -> dict[int, Distinct]:
    """How far each catalog image stands out among all a query's stages found, within the
    served bounds: ``hash_gap``, the next other image's hash score (or the bound) minus this
    one's, and ``inlier_ratio``, this fit's inliers over the most of any other fit (or the
    fewest reported). A copy stands alone; a look-alike in a large catalog of similar
    products has neighbours nearly as close (reports/matching/SCALE.md). None where the
    image has no evidence of that kind. The matcher and the calibration both call this on
    the pairs inside the served bounds, so the two see the same values."""
    hashed = {k: v for k, v in hash_scores.items() if v < DISTINCT_HASH_BOUND}
    fitted = {k: n for k, n in inliers.items() if n >= DISTINCT_MIN_INLIERS}

    def two_best(values: Mapping[int, float], best_low: bool) -> list[tuple[float, int]]:
        key = sorted(((v if best_low else -v), k) for k, v in values.items())[:2]
        return [(v if best_low else -v, k) for v, k in key]

    h2 = two_best(hashed, True)
    n2 = two_best({k: float(n) for k, n in fitted.items()}, False)
    out: dict[int, Distinct] = {}
    for k in hash_scores.keys() | inliers.keys():
        gap = ratio = None
        if k in hashed:
            other = next((v for v, j in h2 if j != k), DISTINCT_HASH_BOUND)
            gap = float(min(other, DISTINCT_HASH_BOUND) - hashed[k])
        if k in fitted:
            other = next((v for v, j in n2 if j != k), float(DISTINCT_MIN_INLIERS))
            ratio = float(fitted[k]) / max(other, float(DISTINCT_MIN_INLIERS))
        out[k] = (gap, ratio)
    return out


def feature_rows(pairs: Sequence[tuple[float | None, tuple[int, float, float] | None,
                                       float | None]],
                 distinct: Sequence[Distinct] | None = None,
                 contexts: Sequence[float | None] | None = None,
                 descriptors: Sequence[float | None] | None = None,
                 fit_colours: Sequence[float | None] | None = None) -> np.ndarray:
    """(hash score, fit (inliers, agreement, spread), colour distance) per pair, its
    ``distinctiveness`` (none given: no such evidence), its fit's context, its descriptor
    similarity and its fit's colour distance -> rows."""
    out = np.full((len(pairs), len(FEATURES)), np.nan)
    out[:, 1] = 0.0
    for i, (h, fit, c) in enumerate(pairs):
        n, a, s = fit if fit is not None else (None, None, None)
        g, r = distinct[i] if distinct is not None else (None, None)
        out[i] = feature_row(h, n, a, s, c, g, r, contexts[i] if contexts else None,
                             descriptors[i] if descriptors else None,
                             fit_colours[i] if fit_colours else None)[0]
    return out
