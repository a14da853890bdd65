"""Figures of a matching evaluation over scored (query, catalog image) pairs.

Shared by training.evaluate_matching (the summary table) and training.matching_report (the
curves): a ``Scored``'s ``candidates`` rank the pairs, lower is better.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from training.matching_evidence import Scored


def first_false(scored: Sequence[Scored]) -> float:
    """Lowest score any wrong (query, catalog image) pair reached: precision-1.0 ceiling."""
    worst = np.inf
    for s in scored:
        for cid, score in s.candidates.items():
            if cid != s.expected:
                worst = min(worst, score)
    return float(worst)


def recall_at(scored: Sequence[Scored], threshold: float, strict: bool) -> float:
    pos = [s for s in scored if s.expected >= 0]
    if not pos:
        return float("nan")
    hit = 0
    for s in pos:
        score = s.candidates.get(s.expected, np.inf)
        hit += score < threshold if strict else score <= threshold
    return hit / len(pos)


def precision_at(scored: Sequence[Scored], threshold: float) -> float:
    tp = fp = 0
    for s in scored:
        for cid, score in s.candidates.items():
            if score <= threshold:
                tp += cid == s.expected
                fp += cid != s.expected
    return tp / (tp + fp) if tp + fp else 1.0


def pr_curve(scored: Sequence[Scored]) -> tuple[np.ndarray, np.ndarray, float]:
    """Micro precision/recall over all pairs; positives never retrieved count as misses."""
    n_pos = sum(s.expected >= 0 for s in scored)
    pairs = [(score, cid == s.expected) for s in scored for cid, score in s.candidates.items()]
    if not pairs or not n_pos:
        return np.array([0.0]), np.array([1.0]), 0.0
    pairs.sort(key=lambda p: p[0])
    hits = np.array([p[1] for p in pairs], dtype=float)
    tp = np.cumsum(hits)
    precision = tp / np.arange(1, len(hits) + 1)
    recall = tp / n_pos
    ap = float(np.sum(precision * hits) / n_pos)
    return recall, precision, ap
