"""Calibration of the matching rules from wrong pairs (training/calibrate_matching)."""

from __future__ import annotations

from models.hashing.pipeline import Rules
from models.thresholds import LOCAL_MIN_CANDIDATE_MATCHES, LOCAL_SLIVER_SPREAD
from training.calibrate_matching import (
    COLOUR_MARGIN,
    GATE_MARGIN,
    GATE_RECALL_TOLERANCE,
    HASH_SEARCH_MAX_SCORE,
    calibrate,
    colour_step,
    recall,
    rules_for_gate,
    staircase,
)
from training.matching_evidence import (
    Scored,
    load_evidence,
    pair_score,
    save_evidence,
    stage_score,
)


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


def test_a_colour_step_comes_from_wrong_pairs_within_the_wider_bound() -> None:
    bound = 0.1
    scored = [
        _wrong(20.0, None, bound * COLOUR_MARGIN * 0.99),  # inside the margin: counts
        _wrong(10.0, (40, 0.1, 0.5), bound * COLOUR_MARGIN * 1.01),  # outside: ignored
        _wrong(None, (16, 0.2, 0.3), bound * 0.5),
    ]
    step = colour_step(scored, bound, factor=1.25, hash_ratio=0.6)
    assert step == (bound, 12.0, 20)  # 0.6 x 20 to the half step below; 1.25 x 16
    # Every wrong pair is rejected by the rules calibrated on it.
    rules = Rules(colour_steps=(step,))
    assert all(pair_score(s, 7, rules) > 1.0 for s in scored)


def test_without_wrong_pairs_the_floors_apply() -> None:
    far = [_wrong(5.0, (90, 0.9, 0.9), 0.5)]
    _, max_hash, need = colour_step(far, 0.05, 1.25, 0.6)
    assert need == 2 * LOCAL_MIN_CANDIDATE_MATCHES
    # 0.6 x the evaluator's 40 cap would be 24: never past the hash indexes' search radius.
    assert max_hash == HASH_SEARCH_MAX_SCORE < 24.0
    assert colour_step(far, 0.05, 1.25, 0.3)[1] == 12.0


def test_the_staircase_keeps_only_steps_no_other_covers() -> None:
    steps = [(0.02, 19.0, 12), (0.04, 19.0, 12), (0.06, 14.0, 12), (0.1, 14.0, 12),
             (0.2, 7.5, 12), (0.25, 7.5, 19)]
    assert staircase(steps) == ((0.04, 19.0, 12), (0.1, 14.0, 12), (0.2, 7.5, 12),
                                (0.25, 7.5, 19))


def test_stricter_gates_accept_fewer_inliers_only_where_no_wrong_fit_agrees() -> None:
    wrong = [_wrong(None, (34, 0.74, 0.3), 0.9), _wrong(None, (26, 0.8, 0.3), 0.9)]
    # Positives that only a loose gate with many inliers, or a strict one with few, keeps.
    loose = [_positive((60, 0.55, 0.5))] * 40
    sharp = [_positive((36, 0.95, 0.5))] * 30
    rules, _ = calibrate(wrong + loose + sharp, 0.6, 1.25)
    assert rules.min_agreement < 0.74 and rules.min_inliers == 43  # 1.25 x 34
    # From 0.85 up only the 26-inlier fit agrees within the margin; from 0.95 up none.
    assert rules.stricter_gates == ((0.85, 33), (0.95, 12))
    assert all(pair_score(s, s.expected, rules) <= 1.0 for s in loose + sharp)
    assert all(pair_score(s, 7, rules) > 1.0 for s in wrong)


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


def _positive(fit: tuple[int, float, float]) -> Scored:
    s = Scored("grid9", "hard", 0)
    s.fits[0] = fit
    return s


def test_the_strictest_gate_near_the_best_recall_is_kept() -> None:
    clear = [_positive((40, 0.9, 0.5))]
    dim = [_positive((40, 0.25, 0.5))]  # only a loose gate (0.25) passes it
    wrong = [_wrong(None, (45, 0.1, 0.5), 0.9)]  # ungated fits need 57 inliers
    # One positive in 101 (0.0099 of recall) is worth a loose gate ...
    rules, _ = calibrate(clear * 100 + dim + wrong, hash_ratio=0.6, inlier_factor=1.25)
    assert rules.min_agreement == 0.25
    # ... one in 301 (0.0033) is within GATE_RECALL_TOLERANCE: the strictest gate stays.
    assert 1 / 301 < GATE_RECALL_TOLERANCE < 1 / 101
    rules, _ = calibrate(clear * 300 + dim + wrong, hash_ratio=0.6, inlier_factor=1.25)
    assert rules.min_agreement == 0.9


def test_a_sliver_fit_must_agree_more_than_any_wrong_one() -> None:
    sliver = _wrong(None, (60, 0.72, LOCAL_SLIVER_SPREAD / 2), 0.9)
    wide = _wrong(None, (20, 0.95, 0.3), 0.9)
    label = _positive((90, 0.97, LOCAL_SLIVER_SPREAD / 2))  # a copy placed by its label
    rules, _ = calibrate([sliver, wide, label, _positive((40, 0.6, 0.5))], 0.6, 1.25)
    assert rules.min_agreement == 0.6  # the strictest gate that keeps both positives
    assert rules.sliver_min_agreement == 0.85  # 0.72 + SLIVER_MARGIN, up to 0.05
    assert rules.min_inliers == 25  # 1.25 x the wide one: the sliver fails its gate
    assert rules.unchecked_min_inliers == 75  # 1.25 x the sliver's 60
    assert pair_score(sliver, 7, rules) > 1.0 and pair_score(wide, 7, rules) > 1.0
    assert pair_score(label, 0, rules) <= 1.0


def test_a_wrong_fit_just_under_the_gate_still_sets_its_inlier_count() -> None:
    under = _wrong(None, (34, 0.74, 0.3), 0.9)  # the seed-8 bag: fails a 0.75 gate by 0.01
    above = _wrong(None, (27, 0.78, 0.3), 0.9)
    positives = [_positive((60, 0.9, 0.5))] * 10
    rules, _ = calibrate([under, above, *positives], 0.6, 1.25)
    assert rules.min_agreement == 0.9  # every gate keeps the positives: the strictest
    assert rules.min_inliers == 12  # nothing wrong agrees within GATE_MARGIN of 0.9
    forced = rules_for_gate([under, above], 0.75, 6.5, 1.25, 0.6, None)
    assert forced.min_agreement - GATE_MARGIN <= 0.74
    assert forced.min_inliers == 43  # 1.25 x the 34 just under the gate, not x 27


def test_each_stage_alone_ignores_the_other_stage_and_the_colour() -> None:
    # An exact copy (hash score 0) with a weak fit: the hash stage alone accepts it, the
    # local stage alone must not (a tiny hash threshold would have passed the 0 through).
    rules = Rules()
    copy = Scored("recompress", "mild", 3, hash_scores={3: 0.0}, fits={3: (20, 0.99, 0.5)},
                  colours={3: 0.0})
    assert pair_score(copy, 3, rules) <= 1.0
    assert stage_score(copy, 3, "hash", rules) == 0.0
    assert stage_score(copy, 3, "local", rules) > 1.0
    strong_fit = Scored("recompress", "mild", 3, fits={3: (rules.min_inliers, 0.99, 0.5)})
    assert stage_score(strong_fit, 3, "local", rules) <= 1.0
    assert stage_score(strong_fit, 3, "hash", rules) == float("inf")
    assert recall([copy, strong_fit], rules, "mild", "local") == 0.5
    assert recall([copy, strong_fit], rules, "mild", "hash") == 0.5
    assert recall([copy, strong_fit], rules, "mild") == 1.0
