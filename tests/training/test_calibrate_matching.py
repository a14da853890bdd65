"""Fitting the match-acceptance model from saved evidence (training/calibrate_matching,
training/acceptance_fit) on small synthetic splits: monotone weights, a threshold above
every wrong pair with its margins, and a deterministic artifact and report."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import numpy as np
import pytest

from models.hashing.acceptance import AcceptanceModel
from models.hashing.pair_evidence import FEATURES
from training import calibrate_matching
from training.acceptance_fit import Margins, figures, pair_table, strengthened
from training.calibrate_matching import DEFAULT_CONFIG, fitted, legacy_figures
from training.legacy_rules import legacy_score
from training.matching_evidence import Scored, load_evidence, save_evidence, stage_score

CONFIG = json.loads(Path(__file__).resolve().parents[2].joinpath(DEFAULT_CONFIG).read_text())


def _split(seed: int, n: int = 120) -> list[Scored]:
    """Copies with strong evidence (hash or a wide, agreeing fit), wrong pairs with weak
    evidence, in one generator's proportions."""
    rng = random.Random(seed)
    out = []
    for q in range(n):
        s = Scored(rng.choice(["blur", "grid9"]), "mild", q % 10)
        if rng.random() < 0.5:
            s.hash_scores[s.expected] = rng.choice([0.0, 1.0, 2.5, 4.0, 6.0])
        if rng.random() < 0.7 or not s.hash_scores:
            s.fits[s.expected] = (rng.randint(30, 200), rng.uniform(0.6, 1.0),
                                  rng.uniform(0.05, 0.6))
        wrong = (s.expected + 1) % 10
        if rng.random() < 0.5:
            s.hash_scores[wrong] = rng.uniform(13.0, 19.0)
        else:
            s.fits[wrong] = (rng.randint(12, 24), rng.uniform(0.1, 0.8), rng.uniform(0, 0.05))
        s.colours = {c: rng.uniform(0.2, 2.0) for c in range(10)}
        s.colours[s.expected] = rng.uniform(0.0, 0.3)
        out.append(s)
    return out


def test_a_pair_table_holds_what_either_stage_found_within_the_models_bounds() -> None:
    s = Scored("blur", "mild", 1, hash_scores={1: 2.0, 2: 19.0, 3: 25.0},
               fits={1: (40, 0.9, 0.3), 4: (11, 0.9, 0.3), 5: (12, 0.2, 0.01)},
               colours={1: 0.01, 2: 0.5, 5: 0.9}, contexts={5: 0.05}, descriptors={1: 0.93},
               fit_colours={1: 0.12, 2: 0.3})
    table = pair_table([s], 19.0, 12)
    # 2 and 3: hash scores at or past the bound; 4: too few inliers
    assert table.label.tolist() == [True, False]
    # 1 stands alone within the served bounds: the next hash score is the bound (19), the
    # next fit has 12 inliers; measured before fits had a context, its context is its
    # whole agreement; its descriptor similarity and fit colour are the evidence's
    np.testing.assert_array_equal(table.rows[0],
                                  [2.0, 40, 0.9, 0.3, 0.01, 17.0, 40 / 12, 0.9, 0.93, 0.12])
    np.testing.assert_array_equal(table.rows[1, 1:4], [12, 0.2, 0.01])
    assert table.rows[1, FEATURES.index("context")] == 0.05
    assert math.isnan(table.rows[1, 0])
    assert math.isnan(table.rows[1, FEATURES.index("descriptor")])  # none recorded
    assert math.isnan(table.rows[1, FEATURES.index("fit_colour")])


def test_the_fit_is_monotone_and_its_threshold_rejects_every_wrong_pair() -> None:
    splits = [_split(seed) for seed in (1, 2, 3)]
    model = fitted(CONFIG, splits, steps=4)
    assert (model.weights >= 0).all()
    margins = Margins(**CONFIG["margin_step"]).times(4)
    for split in splits:
        table = pair_table(split, model.max_hash_score, model.min_inliers)
        assert not (model.scores(table.wrong) <= 1.0).any()
        assert not (model.scores(strengthened(table.wrong, margins)) <= 1.0).any()
        assert figures(model, table)["all"]["recall"] > 0.9
    # The strongest wrong pair, made stronger, sits just under the threshold.
    every = pair_table([s for split in splits for s in split], 19.0 / margins.hash_factor,
                       math.floor(12 / margins.inlier_factor))
    top = model.logits(strengthened(every.wrong, margins)).max()
    assert top < model.threshold <= top + 2e-4


def test_margins_make_every_axis_stronger() -> None:
    row = np.array([[10.0, 20, 0.5, 0.1, 0.4]])
    assert np.array_equal(strengthened(row, Margins()), row)  # no margin
    m = Margins(0.9, 1.1, 0.05, 1.5, 0.8).times(2)
    out = strengthened(row, m)[0]
    assert out.tolist() == pytest.approx([8.1, 25, 0.6, 0.225, 0.256])  # inliers rounded up
    assert strengthened(np.array([[1.0, 100, 0.99, 0.9, 0.1]]), m)[0, 2:4].tolist() == [1, 1]
    # The descriptor's similarity grows by its step, up to 1, where a row carries it.
    wide = np.array([[10.0, 20, 0.5, 0.1, 0.4, 3.0, 2.0, 0.5, 0.6],
                     [10.0, 20, 0.5, 0.1, 0.4, 3.0, 2.0, 0.5, 0.99]])
    out = strengthened(wide, Margins(descriptor_add=0.01).times(2))
    assert out[:, 8].tolist() == pytest.approx([0.62, 1.0])
    assert out[:, :8].tolist() == wide[:, :8].tolist()
    # A fit's colour distance shrinks by its factor where a row carries it.
    wider = np.hstack([wide, [[0.5], [np.nan]]])
    out = strengthened(wider, Margins(fit_colour_factor=0.9).times(2))
    assert out[0, 9] == pytest.approx(0.405) and math.isnan(out[1, 9])
    assert out[:, :9].tolist() == wider[:, :9].tolist()
    # The committed step leaves the fit's agreement alone (what kind of fit, not how much).
    step = Margins(**CONFIG["margin_step"])
    assert step.agreement_add == 0.0 and step.hash_factor < 1 < step.inlier_factor


def test_the_legacy_rules_score_as_the_committed_rules_did() -> None:
    assert legacy_score(6.5, None) <= 1.0 < legacy_score(7.0, None)  # hash stage alone
    assert legacy_score(None, 43, 0.5, 0.5) <= 1.0 < legacy_score(None, 42, 0.5, 0.5)
    assert legacy_score(None, 60, 0.85, 0.005) > 1.0  # a sliver needs 0.9 agreement
    assert legacy_score(15.0, 22, 0.6, 0.5) <= 1.0  # the joint rule
    assert legacy_score(18.0, None, colour=0.03) <= 1.0  # colour-confirmed
    assert math.isinf(legacy_score(None, None, colour=0.0))
    copy = Scored("blur", "mild", 0, hash_scores={0: 6.0, 1: 9.0}, colours={1: 0.5})
    table = pair_table([copy], 19.0, 12)
    assert legacy_figures(table)["all"] == {"queries": 1, "positives": 1, "recall": 1.0,
                                            "wrong": 0}


def test_each_stage_alone_ignores_the_other_stage_and_the_colour() -> None:
    copy = Scored("recompress", "mild", 3, hash_scores={3: 0.0}, fits={3: (13, 0.3, 0.01)},
                  colours={3: 0.0})
    assert stage_score(copy, 3, "hash") <= 1.0
    assert stage_score(copy, 3, "local") > 1.0
    assert stage_score(Scored("blur", "mild", 3, hash_scores={3: 1.0}), 3, "local") == math.inf


def test_calibration_writes_a_deterministic_artifact_and_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = []
    for name, seed in (("calib", 1), ("eval", 2), ("holdout3", 3)):
        save_evidence(_split(seed), tmp_path / f"{name}.json")
        args.append(str(tmp_path / f"{name}.json"))
    outputs = []
    for run in ("a", "b"):
        out, report = tmp_path / run, tmp_path / f"{run}.md"
        monkeypatch.setattr("sys.argv", ["calibrate", "--evidence", *args[:2], "--holdout",
                                         args[2], "--out", str(out), "--report", str(report)])
        calibrate_matching.main()
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())}
                       | {"report": report.read_bytes()})
    assert outputs[0] == outputs[1]
    assert set(outputs[0]) == {"model.json", "metrics.json", "fixtures.json",
                               "training_config.json", "README.md", "report"}
    model = AcceptanceModel.from_json(json.loads(outputs[0]["model.json"]))
    metrics = json.loads(outputs[0]["metrics.json"])
    assert metrics["threshold"] == model.threshold
    steps = {str(t) for t in CONFIG["margin_steps"]}
    assert set(metrics["leave_one_split_out"]) == steps
    assert all(set(folds) == {"calib", "eval"} for folds in metrics["leave_one_split_out"].values())
    assert str(metrics["margin_steps"]) in steps
    held = metrics["holdout"]["holdout3"]
    assert held["model"]["all"]["positives"] == 120 and "rules" in held
    assert b"| holdout3 |" in outputs[0]["report"]
    assert load_evidence(Path(args[0]))[0].hash_scores == _split(1)[0].hash_scores


def test_a_baseline_model_is_scored_on_the_same_holdout_evidence(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = []
    for name, seed in (("calib", 1), ("eval", 2), ("holdout3", 3)):
        save_evidence(_split(seed), tmp_path / f"{name}.json")
        paths.append(str(tmp_path / f"{name}.json"))
    first, second = tmp_path / "first", tmp_path / "second"
    monkeypatch.setattr("sys.argv", ["calibrate", "--evidence", paths[0], "--holdout", paths[2],
                                     "--out", str(first), "--report", str(tmp_path / "1.md")])
    calibrate_matching.main()
    monkeypatch.setattr("sys.argv", ["calibrate", "--evidence", *paths[:2], "--holdout",
                                     paths[2], "--baseline", str(first), "--out", str(second),
                                     "--report", str(tmp_path / "2.md")])
    calibrate_matching.main()
    metrics = json.loads((second / "metrics.json").read_text())
    earlier = json.loads((first / "metrics.json").read_text())
    held = metrics["holdout"]["holdout3"]
    # the baseline's figures are its own, recomputed: equal to what its own run measured
    assert held["baseline"] == earlier["holdout"]["holdout3"]["model"]
    assert metrics["baseline"] == earlier["model"]
    report = (tmp_path / "2.md").read_text()
    assert f"{earlier['model']}: hard recall" in report


def test_a_margin_chosen_on_selection_splits_is_the_fewest_steps_none_of_them_fails() -> None:
    calib = {f"c{seed}": _split(seed) for seed in (1, 2)}
    selection = {f"s{seed}": _split(seed) for seed in (3, 4)}
    config = {**CONFIG, "margin_steps": [0, 2, 4, 8], "extra_steps": 0}

    def frontier() -> dict[int, dict[str, dict]]:
        tables = {n: pair_table(s, 19.0, 12) for n, s in selection.items()}
        return calibrate_matching.selection_frontier(config, calib, tables)

    assert calibrate_matching.choose_on_selection(config, frontier()) == 0
    # A wrong fit on one selection split stronger than any calibration split's: accepted at
    # zero steps, rejected from two on.
    selection["s4"].append(Scored("grid9", "hard", 0, fits={7: (30, 0.8, 0.06)}))
    found = frontier()
    assert sorted(found) == [0, 2, 4, 8] and set(found[0]) == {"s3", "s4"}
    assert [found[t]["s4"]["wrong"] for t in (0, 2, 4, 8)] == [1, 0, 0, 0]
    assert all(found[t]["s3"]["wrong"] == 0 for t in found)
    mild = [found[t]["s3"]["mild"] for t in sorted(found)]
    assert mild == sorted(mild, reverse=True)  # a wider margin never accepts more
    assert calibrate_matching.choose_on_selection(config, found) == 2
    assert calibrate_matching.choose_on_selection({**config, "extra_steps": 1}, found) == 4
