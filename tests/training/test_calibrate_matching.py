"""Calibration of the colour-confirmed rules from wrong pairs (training/calibrate_matching)."""

from __future__ import annotations

from models.hashing.pipeline import Rules
from models.thresholds import LOCAL_MIN_CANDIDATE_MATCHES
from training.calibrate_matching import COLOUR_MARGIN, colour_rules
from training.evaluate_matching import Scored, load_evidence, pair_score, save_evidence


def _wrong(hash_score: float | None, fit: tuple[int, float, float] | None,
           colour: float) -> Scored:
    """A distractor query whose only candidate is catalog image 7."""
    s = Scored("blur", "mild", -1)
    if hash_score is not None:
        s.hash_scores[7] = hash_score
    if fit is not None:
        s.fits[7] = fit
    s.colours[7] = colour
    return s


def test_thresholds_come_from_wrong_pairs_within_the_wider_colour_bound() -> None:
    bound = 0.1
    scored = [
        _wrong(20.0, None, bound * COLOUR_MARGIN * 0.99),  # inside the margin: counts
        _wrong(10.0, (40, 0.1, 0.5), bound * COLOUR_MARGIN * 1.01),  # outside: ignored
        _wrong(None, (16, 0.2, 0.3), bound * 0.5),
    ]
    rules = colour_rules(scored, Rules(), bound, factor=1.25, hash_ratio=0.6)
    assert rules.colour_max == bound
    assert rules.colour_max_hash == 12.0  # 0.6 x 20, to the half step below
    assert rules.colour_min_inliers == 20  # 1.25 x 16
    # Every wrong pair is rejected by the rules calibrated on it.
    assert all(pair_score(s, 7, rules) > 1.0 for s in scored)


def test_without_wrong_pairs_the_floors_apply() -> None:
    far = [_wrong(5.0, (90, 0.9, 0.9), 0.5)]
    rules = colour_rules(far, Rules(joint_max_hash=30.0), 0.05, 1.25, 0.6)
    assert rules.colour_min_inliers == 2 * LOCAL_MIN_CANDIDATE_MATCHES
    assert rules.colour_max_hash == 24.0  # 0.6 x the evaluator's 40 cap
    # Never past what the other rules search the hash indexes up to.
    assert colour_rules(far, Rules(joint_max_hash=19.0), 0.05, 1.25, 0.6).colour_max_hash \
        == 19.0


def test_saved_evidence_scores_exactly_as_computed(tmp_path) -> None:
    queries = [_wrong(20.0, (16, 0.25, 0.125), 0.5), Scored("grid9", "hard", 3)]
    queries[1].fits[3] = (40, 0.7, 0.2)
    queries[1].colours[3] = 0.03
    path = tmp_path / "evidence.json"
    save_evidence(queries, path)
    loaded = load_evidence(path)
    assert [(s.transform, s.family, s.expected) for s in loaded] == \
        [(s.transform, s.family, s.expected) for s in queries]
    for a, b in zip(queries, loaded, strict=True):
        for image_id in a.hash_scores.keys() | a.fits.keys():
            assert pair_score(a, image_id) == pair_score(b, image_id)
        assert (a.hash_scores, a.fits, a.colours) == (b.hash_scores, b.fits, b.colours)
