"""The hand-written acceptance rules the acceptance model replaced, frozen as data.

Kept only as the baseline of reports/matching/acceptance.md: the same evidence scored by
both, side by side. Nothing serves these rules any more. Each value was calibrated on the
seed-0, 1, 5, 6 and 8 splits by the previous training/calibrate_matching.py; why each one
is what it is, is in reports/matching/CALIBRATION.md. ``legacy_score`` is the old
``pipeline.unified_score``: <= 1 accepts, lower is stronger.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class LegacyRules:
    max_hash: float = 6.5
    min_inliers: int = 43
    min_agreement: float = 0.5
    unchecked_min_inliers: int = 93
    unchecked_min_spread: float = 0.06
    joint_max_hash: float = 16.0
    joint_min_inliers: int = 22
    # (colour distance <=, hash score <=, inliers >=)
    colour_steps: tuple[tuple[float, float, int], ...] = (
        (0.04, 19.0, 12), (0.06, 14.0, 12), (0.08, 12.0, 12), (0.15, 10.0, 12),
        (0.2, 7.5, 12), (0.25, 7.5, 19), (0.3, 7.5, 39))
    sliver_spread: float = 0.01
    sliver_min_agreement: float = 0.9
    # (agreement >=, inliers >=)
    stricter_gates: tuple[tuple[float, int], ...] = ((0.85, 34), (0.9, 33))

    def gated(self, agreement: float, spread: float, gate: float | None = None) -> bool:
        gate = self.min_agreement if gate is None else gate
        if spread < self.sliver_spread:
            return agreement >= max(gate, self.sliver_min_agreement)
        return agreement >= gate


def legacy_score(hash_score: float | None, inliers: int | None, agreement: float = 1.0,
                 spread: float = 1.0, colour: float | None = None,
                 rules: LegacyRules | None = None) -> float:
    """The old unified score: the smallest ratio any rule gives, accepted at <= 1."""
    r = rules or LegacyRules()
    checked = r.gated(agreement, spread)
    by_hash = hash_score / r.max_hash if hash_score is not None else math.inf
    by_local = math.inf
    if inliers and checked:
        by_local = min([r.min_inliers / inliers] + [
            need / inliers for gate, need in r.stricter_gates
            if r.gated(agreement, spread, gate)])
    elif inliers and spread >= r.unchecked_min_spread:
        by_local = r.unchecked_min_inliers / inliers
    joint = max(hash_score / r.joint_max_hash, r.joint_min_inliers / inliers) \
        if hash_score is not None and inliers and checked else math.inf
    by_colour = math.inf
    for max_colour, max_hash, min_inliers in r.colour_steps:
        if colour is None or colour > max_colour:
            continue
        c = colour / max_colour
        if hash_score is not None:
            by_colour = min(by_colour, max(c, hash_score / max_hash))
        if inliers:
            by_colour = min(by_colour, max(c, min_inliers / inliers))
    return min(by_hash, by_local, joint, by_colour)
