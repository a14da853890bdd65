"""Calibrate the matching rules on dev splits so that precision stays 1.0.

Command (from the repo root, after building the splits with trustdata.copydetect.build)::

    python -P -m training.calibrate_matching --data var/copydetect/calib var/copydetect/eval \
        var/copydetect/calib5 var/copydetect/calib6 var/copydetect/calib8

(seeds 0, 1, 5, 6 and 8; training/__main__.py builds them), or, from the evidence the
evaluator saved (``--evidence-out``), without recomputing it::

    python -P -m training.calibrate_matching --evidence var/evidence/calib.json \
        var/evidence/eval.json var/evidence/calib5.json var/evidence/calib6.json \
        var/evidence/calib8.json

Every rule is set from the wrong (query, catalog image) pairs of all the given splits
together, with a relative margin, because one split's extreme is a noisy estimate of the
next one's (the first false hash match scored 15.75 on seed 0 and 11.25 on seed 6; the most
inliers of a wrong local fit were 40 on seed 1 and 74 on seed 6):

* hash stage alone: ``MATCH_HASH_MAX_SCORE`` is the largest half step at most
  ``--hash-ratio`` times the lowest score of a wrong pair;
* local stage alone: for a photometric gate ``LOCAL_MIN_AGREEMENT``, ``LOCAL_MIN_INLIERS``
  is ``--inlier-factor`` times the most inliers of a wrong fit agreeing within
  ``GATE_MARGIN`` below the gate (a margin on that axis too); a fit
  failing it needs ``LOCAL_UNCHECKED_MIN_INLIERS``, ``--inlier-factor`` times the most
  inliers of any wrong fit, spread over ``LOCAL_UNCHECKED_MIN_SPREAD`` of the photo, twice
  the widest inlier hull of a wrong fit failing the gate (rounded up to 0.01);
* joint rule (both stages on the same image): with ``LOCAL_JOINT_MIN_INLIERS`` gated
  inliers (``--joint-inliers``, default half of ``LOCAL_MIN_INLIERS``),
  ``MATCH_JOINT_HASH_MAX_SCORE`` is ``--hash-ratio`` times the lowest hash score of a wrong
  pair that also has such a fit;
* stricter gates whose own inlier count is lower join as ``LOCAL_STRICTER_GATES`` (a
  staircase: each step holds alone);
* the gate (0 to 0.95) is the strictest one whose rules recall within
  ``GATE_RECALL_TOLERANCE`` of the best gate's on these splits; a fit whose inliers lie in
  a sliver (hull under ``LOCAL_SLIVER_SPREAD``, set by hand) passes only at
  ``LOCAL_SLIVER_MIN_AGREEMENT``, ``SLIVER_MARGIN`` above the best-agreeing wrong sliver fit;
* colour-confirmed rules (models/hashing/colour.py), ``MATCH_COLOUR_STEPS``: for each
  colour-layout distance bound in ``COLOUR_BOUNDS``, a hash score ``--hash-ratio`` times
  the lowest one of a wrong pair within ``COLOUR_MARGIN`` times that bound and an inlier
  count ``--inlier-factor`` times the most inliers of a wrong fit (gate or not) within it
  (at least the fewest inliers any fit is verified with; the hash score at most
  ``HASH_SEARCH_MAX_SCORE``); every step no other step covers is kept.

Commit the printed values in models/thresholds.py, then evaluate on a split that was not
used here (seeds 3, 7, 9, 10) with training.evaluate_matching: those are the hold-outs.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from models.hashing.pipeline import Rules
from models.thresholds import LOCAL_MIN_CANDIDATE_MATCHES
from training.evaluate_matching import CURVE_MAX_SCORE, run_matcher
from training.matching_evidence import Scored, load_evidence, pair_score, stage_score

GATES = np.round(np.arange(0.0, 0.96, 0.05), 2)
COLOUR_BOUNDS = (0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3)
# No rule accepts a hash score above this: the hash indexes are searched to radius 9 (a
# pair score of 19 needs a pHash or dHash distance <= 9); radius 12 costs 3x per query at
# 1M hashes (benchmarks/bench_search.py: 0.60 vs 0.21 ms) and bought one positive on seeds
# 0 and 1 when the colour rule wanted it.
HASH_SEARCH_MAX_SCORE = 19.0
GATE_MARGIN = 0.1  # inlier counts for a gate come from wrong fits agreeing >= gate - this
SLIVER_MARGIN = 0.1  # agreement a sliver fit needs above the best-agreeing wrong one
GATE_RECALL_TOLERANCE = 0.005  # recall a stricter photometric gate may give up
COLOUR_MARGIN = 1.5  # thresholds for a colour bound come from wrong pairs within 1.5 x it


def half_step_below(score: float, ratio: float) -> float:
    return math.floor(min(score, CURVE_MAX_SCORE) * ratio * 2) / 2


def first_false_hash(scored: Sequence[Scored]) -> float:
    return min((v for s in scored for c, v in s.hash_scores.items() if c != s.expected),
               default=np.inf)


def _gated(fit: tuple[int, float, float], rules: Rules) -> bool:
    """Rules.gated for a saved fit (inliers, agreement, hull share)."""
    return rules.gated(fit[1], fit[2])


def most_false_inliers(scored: Sequence[Scored], rules: Rules | None) -> int:
    """Most inliers of a wrong fit passing ``rules``' gate (None: of any wrong fit)."""
    return max((f[0] for s in scored for c, f in s.fits.items()
                if c != s.expected and (rules is None or _gated(f, rules))), default=0)


def widest_false_unchecked(scored: Sequence[Scored], rules: Rules, min_inliers: int) -> float:
    """Largest inlier-hull share of a wrong fit failing the gate with ``min_inliers``."""
    return max((f[2] for s in scored for c, f in s.fits.items()
                if c != s.expected and not _gated(f, rules) and f[0] >= min_inliers),
               default=0.0)


def first_false_joint(scored: Sequence[Scored], min_inliers: int, rules: Rules) -> float:
    """Lowest hash score of a wrong pair that also has a gated fit of ``min_inliers``."""
    return min((v for s in scored for c, v in s.hash_scores.items()
                if c != s.expected and c in s.fits and s.fits[c][0] >= min_inliers
                and _gated(s.fits[c], rules)), default=np.inf)


def sliver_agreement(scored: Sequence[Scored], sliver_spread: float, min_inliers: int,
                     gate: float) -> float:
    """The gate for sliver fits: ``SLIVER_MARGIN`` above the best-agreeing wrong sliver fit
    with ``min_inliers`` (fewer pass no gated rule), up to 0.05, between ``gate`` and 0.95."""
    worst = max((f[1] for s in scored for c, f in s.fits.items()
                 if c != s.expected and f[2] < sliver_spread and f[0] >= min_inliers),
                default=0.0)
    return max(min(math.ceil(round((worst + SLIVER_MARGIN) * 20, 6)) / 20, 0.95), gate)


def first_false_colour_hash(scored: Sequence[Scored], bound: float) -> float:
    """Lowest hash score of a wrong pair whose colour layouts are within ``bound``."""
    return min((v for s in scored for c, v in s.hash_scores.items()
                if c != s.expected and s.colours.get(c, np.inf) <= bound), default=np.inf)


def most_false_colour_inliers(scored: Sequence[Scored], bound: float) -> int:
    """Most inliers of a wrong fit (gate or not) whose colour layouts are within ``bound``."""
    return max((n for s in scored for c, (n, _, _) in s.fits.items()
                if c != s.expected and s.colours.get(c, np.inf) <= bound), default=0)


def colour_step(scored: Sequence[Scored], bound: float, factor: float, hash_ratio: float,
                colour_margin: float = COLOUR_MARGIN) -> tuple[float, float, int]:
    """One step of the colour-confirmed staircase, (bound, hash score <=, inliers >=), set
    from the wrong pairs within ``colour_margin`` times the bound: a margin on that axis."""
    wider = bound * colour_margin
    need = max(math.ceil(most_false_colour_inliers(scored, wider) * factor),
               2 * LOCAL_MIN_CANDIDATE_MATCHES)
    max_hash = min(half_step_below(first_false_colour_hash(scored, wider), hash_ratio),
                   HASH_SEARCH_MAX_SCORE)
    return (bound, max_hash, need)


def staircase(steps: Sequence[tuple[float, float, int]]) -> tuple[tuple[float, float, int], ...]:
    """The steps no other step covers (a wider bound with as loose a hash and inlier need)."""
    def covers(a: tuple[float, float, int], b: tuple[float, float, int]) -> bool:
        return a != b and a[0] >= b[0] and a[1] >= b[1] and a[2] <= b[2]
    return tuple(sorted({s for s in steps if not any(covers(o, s) for o in steps)}))


def rules_for_gate(scored: Sequence[Scored], gate: float, max_hash: float, factor: float,
                   hash_ratio: float, joint_inliers: int | None) -> Rules:
    """Every threshold, given the photometric gate, from the wrong pairs of ``scored``."""
    # The inlier count comes from wide wrong fits agreeing within GATE_MARGIN below the
    # gate, a margin on the agreement axis too (a wrong 34-inlier fit at 0.74 once sat just
    # under a 0.75 gate whose count was set by the 27-inlier fits above it); then the sliver
    # gate goes above every wrong sliver fit with enough inliers for a gated rule, so it
    # lets none in and the counts stand.
    near_gate = Rules(min_agreement=float(gate) - GATE_MARGIN, sliver_min_agreement=math.inf)
    need = max(math.ceil(most_false_inliers(scored, near_gate) * factor),
               2 * LOCAL_MIN_CANDIDATE_MATCHES)
    joint_n = math.ceil(need / 2) if joint_inliers is None else joint_inliers
    sliver = sliver_agreement(scored, Rules().sliver_spread, min(need, joint_n), float(gate))
    gating = Rules(min_agreement=float(gate), sliver_min_agreement=sliver)
    unchecked = max(math.ceil(most_false_inliers(scored, None) * factor), need)
    joint_hash = min(half_step_below(first_false_joint(scored, joint_n, gating), hash_ratio),
                     HASH_SEARCH_MAX_SCORE)
    spread = math.ceil(2 * widest_false_unchecked(scored, gating, joint_n) * 100) / 100
    return Rules(max_hash=max_hash, min_inliers=need, min_agreement=float(gate),
                 unchecked_min_inliers=unchecked, unchecked_min_spread=spread,
                 joint_max_hash=max(joint_hash, max_hash), joint_min_inliers=joint_n,
                 colour_steps=(), sliver_min_agreement=sliver, stricter_gates=())


def calibrate(scored: Sequence[Scored], hash_ratio: float, inlier_factor: float,
              joint_inliers: int | None = None) -> tuple[Rules, list[str]]:
    """Rules from the wrong pairs of ``scored``; the gate and colour bound by recall.

    ``joint_inliers`` defaults to half of ``LOCAL_MIN_INLIERS``: each stage brings about
    half the evidence it needs alone.
    """
    max_hash = min(half_step_below(first_false_hash(scored), hash_ratio), HASH_SEARCH_MAX_SCORE)
    lines = []
    by_gate = []
    for gate in GATES:
        rules = rules_for_gate(scored, gate, max_hash, inlier_factor, hash_ratio,
                               joint_inliers)
        rec = recall(scored, rules)
        lines.append(f"agreement >= {gate:.2f}: inliers >= {rules.min_inliers} (else "
                     f"{rules.unchecked_min_inliers}), joint {rules.joint_min_inliers} "
                     f"inliers + hash <= {rules.joint_max_hash}, slivers agreement >= "
                     f"{rules.sliver_min_agreement}: recall {rec:.3f}")
        by_gate.append((rec, rules))
    # The strictest gate within GATE_RECALL_TOLERANCE of the best: a looser gate's few
    # extra positives on these splits are not worth its wider door (gate 0.2 beat 0.65 by
    # 0.003 here once, and let a wrong pair through on another split).
    top = max(rec for rec, _ in by_gate)
    gated = max((r for rec, r in by_gate if rec >= top - GATE_RECALL_TOLERANCE),
                key=lambda r: r.min_agreement)
    # Each stricter gate's own inlier count, where lower: a staircase like the colour one
    # (each step rejects every wrong fit by itself, so all of them together do too; a step
    # is judged with the chosen sliver gate, so one that needed a stricter one is left out).
    stricter = [(rules.min_agreement, rules.min_inliers) for _, rules in by_gate
                if rules.min_agreement > gated.min_agreement
                and rules.min_inliers < gated.min_inliers
                and rules.sliver_min_agreement <= max(rules.min_agreement,
                                                      gated.sliver_min_agreement)]
    gated = replace(gated, stricter_gates=tuple(
        (gate, need) for gate, need in stricter
        if not any(g <= gate and n <= need and (g, n) != (gate, need) for g, n in stricter)))
    without_colour = recall(scored, gated)
    lines.append(f"stricter gates {gated.stricter_gates}: recall {without_colour:.3f}")
    # Every step holds by itself (each rejects every wrong pair, with its margins), so all
    # of them together do too: a staircase rather than one bound.
    steps = [colour_step(scored, bound, inlier_factor, hash_ratio) for bound in COLOUR_BOUNDS]
    for step in steps:
        rec = recall(scored, replace(gated, colour_steps=(step,)))
        lines.append(f"colour <= {step[0]:.2f}: hash <= {step[1]} or inliers >= {step[2]}: "
                     f"recall {rec:.3f} with the gated rules")
    rules = replace(gated, colour_steps=staircase(steps))
    lines.append(f"all steps: recall {recall(scored, rules):.3f} (without colour "
                 f"{without_colour:.3f})")
    return rules, lines


def recall(scored: Sequence[Scored], rules: Rules, family: str | None = None,
           stage: str | None = None) -> float:
    """Share of the positives (of one edit family, or all) that ``rules`` accept: all of
    them, or one ``stage`` alone (matching_evidence.stage_score)."""
    pos = [s for s in scored if s.expected >= 0 and family in (None, s.family)]
    hit = sum((pair_score(s, s.expected, rules) if stage is None else
               stage_score(s, s.expected, stage, rules)) <= 1.0 for s in pos)
    return hit / max(len(pos), 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, nargs="+",
                    default=[Path(f"var/copydetect/{n}")
                             for n in ("calib", "eval", "calib5", "calib6", "calib8")])
    ap.add_argument("--hash-ratio", type=float, default=0.6)
    ap.add_argument("--inlier-factor", type=float, default=1.25)
    ap.add_argument("--joint-inliers", type=int, default=None,
                    help="gated inliers of the joint rule (default: half the local one)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--evidence", type=Path, nargs="+", default=None,
                    help="evidence saved by training.evaluate_matching --evidence-out, "
                         "instead of recomputing it from --data")
    args = ap.parse_args()
    if args.evidence:
        scored = [s for path in args.evidence for s in load_evidence(path)]
    else:
        scored = [s for root in args.data for s in run_matcher(root, args.workers)[0]]
    rules, lines = calibrate(scored, args.hash_ratio, args.inlier_factor, args.joint_inliers)
    print("\n".join(lines))
    no_colour = replace(rules, colour_steps=())
    for family in ("mild", "hard"):
        print(f"{family}: recall {recall(scored, rules, family):.3f} (without colour "
              f"{recall(scored, no_colour, family):.3f}, hash stage alone "
              f"{recall(scored, rules, family, 'hash'):.3f}, local stage alone "
              f"{recall(scored, rules, family, 'local'):.3f})")
    gate = rules.min_agreement
    print(f"first false hash match at score {first_false_hash(scored)}; most inliers of a "
          f"wrong fit {most_false_inliers(scored, None)}, of one passing the gate "
          f"{most_false_inliers(scored, rules)}; first false joint pair at hash score "
          f"{first_false_joint(scored, rules.joint_min_inliers, rules)}")
    print(f"commit MATCH_HASH_MAX_SCORE = {rules.max_hash}, LOCAL_MIN_AGREEMENT = {gate}, "
          f"LOCAL_MIN_INLIERS = {rules.min_inliers}, LOCAL_UNCHECKED_MIN_INLIERS = "
          f"{rules.unchecked_min_inliers}, LOCAL_UNCHECKED_MIN_SPREAD = "
          f"{rules.unchecked_min_spread}, MATCH_JOINT_HASH_MAX_SCORE = "
          f"{rules.joint_max_hash}, LOCAL_JOINT_MIN_INLIERS = {rules.joint_min_inliers}, "
          f"LOCAL_SLIVER_MIN_AGREEMENT = {rules.sliver_min_agreement}, "
          f"LOCAL_STRICTER_GATES = {rules.stricter_gates}, "
          f"MATCH_COLOUR_STEPS = {rules.colour_steps}")


if __name__ == "__main__":
    main()
