"""The matcher version (part of the listing scorer's per-photo cache key) follows the stored
evidence and the acceptance rules by itself: a recalibration or a re-hash can never reuse
results cached under the old ones."""

from __future__ import annotations

from dataclasses import replace

from models.hashing.pipeline import EVIDENCE_VERSION, Rules
from service.listings.photos import cache_key
from service.matching.service import MATCHER_VERSION, matcher_version


def test_version_names_the_evidence_and_the_committed_rules() -> None:
    assert EVIDENCE_VERSION in MATCHER_VERSION
    assert matcher_version(Rules()) == MATCHER_VERSION


def test_any_recalibrated_rule_gives_another_version_and_cache_key() -> None:
    base = Rules()
    changed = [replace(base, max_hash=base.max_hash + 0.5),
               replace(base, min_agreement=base.min_agreement - 0.05),
               replace(base, min_inliers=base.min_inliers + 1),
               replace(base, unchecked_min_spread=base.unchecked_min_spread + 0.01),
               replace(base, joint_max_hash=base.joint_max_hash - 1.0),
               replace(base, joint_min_inliers=base.joint_min_inliers + 1),
               replace(base, unchecked_min_inliers=base.unchecked_min_inliers + 1),
               replace(base, sliver_min_agreement=base.sliver_min_agreement - 0.05),
               replace(base, sliver_spread=base.sliver_spread + 0.01),
               replace(base, stricter_gates=base.stricter_gates[1:]),
               replace(base, colour_steps=base.colour_steps[1:])]
    versions = {matcher_version(r) for r in changed}
    assert MATCHER_VERSION not in versions and len(versions) == len(changed)
    sha = "ab" * 32
    assert cache_key("hash", MATCHER_VERSION, sha) != cache_key("hash", versions.pop(), sha)
