"""The match-acceptance model's card (README.md in its artifact) and its report
(reports/matching/acceptance.md), both written by training/calibrate_matching.py."""

from __future__ import annotations

import numpy as np

from models.hashing.acceptance import AcceptanceModel
from models.hashing.pair_evidence import FEATURES

TARGETS = {"mild": 0.995, "hard": 0.90}
NOT_A_FEATURE = (
    "The global descriptor's similarity is deliberately not a feature: the descriptor only "
    "proposes which catalog images the keypoint stage verifies, and it is retrained on its "
    "own schedule (descriptor-v1 -> v2). A model that never reads it stays valid when the "
    "candidate generator changes; only a change to the evidence it reads (hash, keypoint "
    "and colour stages) calls for a refit.")
READS_DESCRIPTOR = (
    "The global descriptor's similarity (the best inner product between a described region "
    "of the query and an enrolled view of the catalog photo) is a feature of this model, "
    "read only with a keypoint fit's agreement or context, or with a hash score: look-alike "
    "products are near in descriptor space too, so it corroborates and never accepts "
    "alone. The model is tied to the descriptor artifact its evidence was computed with: "
    "a new descriptor calls for a refit, as does any change to the hash, keypoint and "
    "colour stages.")


def descriptor_note(model: AcceptanceModel) -> str:
    return READS_DESCRIPTOR if "descriptor" in {f.name for f in model.features} \
        else NOT_A_FEATURE


def _f(x: object) -> str:
    return f"{x:.3f}" if isinstance(x, float) else str(x)


def _rec(figures: dict, group: str) -> str:
    return _f(figures[group]["recall"]) if group in figures else "n/a"


def _splits(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _side_by_side(metrics: dict, key: str, left: str, right: str, names: tuple[str, str]) -> str:
    """Hold-out figures of two scorers of the same evidence (``left``, ``right`` keys)."""
    a, b = names
    lines = [f"| split | {a}: mild recall | {b}: mild recall | {a}: hard recall | "
             f"{b}: hard recall | {a}: wrong pairs | {b}: wrong pairs |",
             "|---|---|---|---|---|---|---|"]
    for name, h in metrics.get(key, {}).items():
        x, y = h[left], h[right]
        lines.append(f"| {name} | {_rec(x, 'mild')} | {_rec(y, 'mild')} | "
                     f"{_rec(x, 'hard')} | {_rec(y, 'hard')} | "
                     f"{x['all']['wrong']} | {y['all']['wrong']} |")
    return "\n".join(lines) + "\n"


def holdout_table(metrics: dict, key: str = "holdout") -> str:
    return _side_by_side(metrics, key, "rules", "model", ("rules", "model"))


def baseline_table(metrics: dict) -> str:
    """The earlier acceptance model (``--baseline``) and this one on the same hold-outs."""
    return _side_by_side(metrics, "holdout", "baseline", "model",
                         (metrics["baseline"], metrics["model"]))


def _transforms_side_by_side(metrics: dict, left: str, right: str,
                             names: tuple[str, str]) -> str:
    splits = list(metrics["holdout"])
    head = "| transform | " + " | ".join(f"{n} {names[0]} | {n} {names[1]}" for n in splits) + " |"
    lines = [head, "|---|" + "---|---|" * len(splits)]
    first = metrics["holdout"][splits[0]]["model_by_transform"] if splits else {}
    for t in sorted(k for k in first if k != "all"):
        cells = []
        for n in splits:
            h = metrics["holdout"][n]
            cells += [_rec(h[f"{left}_by_transform"], t), _rec(h[f"{right}_by_transform"], t)]
        lines.append(f"| {t} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def baseline_transform_table(metrics: dict) -> str:
    return _transforms_side_by_side(metrics, "baseline", "model",
                                    (metrics["baseline"], metrics["model"]))


def kind_table(metrics: dict) -> str:
    """Hold-outs with brand families: their queries and the split's own apart, the earlier
    model and this one (recall, and the wrong pairs those queries found)."""
    names = (metrics["baseline"], metrics["model"])
    lines = ["| split | queries | " + " | ".join(f"{n}: recall | {n}: wrong pairs"
                                                for n in names) + " |",
             "|---|---|" + "---|---|" * len(names)]
    for split, h in metrics["holdout"].items():
        for kind in sorted(k for k in h.get("model_by_kind", {}) if k != "all"):
            cells = []
            for side in ("baseline", "model"):
                f = h[f"{side}_by_kind"][kind]
                cells += [f"{f['recall']:.3f}", str(f["wrong"])]
            lines.append(f"| {split} | {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _baseline_part(metrics: dict) -> list[str]:
    if not metrics.get("baseline"):
        return []
    branded = any(k.startswith("brand") for h in metrics["holdout"].values()
                  for k in h.get("model_by_kind", {}))
    return [f"The same hold-out evidence scored by {metrics['baseline']} (the model this one "
            "follows) and by this one:", "", baseline_table(metrics),
            *(["The same, the brand families' queries (different products of one brand "
               "sharing its logo; training/scale_evidence.py) and the split's own apart:", "",
               kind_table(metrics)] if branded else [])]


def transform_table(metrics: dict) -> str:
    return _transforms_side_by_side(metrics, "rules", "model", ("rules", "model"))


def calibration_table(metrics: dict) -> str:
    """In-sample figures per calibration split, and the split left out of its own fit at the
    chosen margin."""
    lines = ["| split | mild recall | hard recall | wrong pairs | strongest wrong logit | "
             "left out: threshold | left out: its strongest wrong logit | left out: wrong "
             "accepted | left out: recall |", "|---|---|---|---|---|---|---|---|---|"]
    loso = metrics["leave_one_split_out"].get(str(metrics["margin_steps"]), {})
    for name, c in metrics["calibration"].items():
        f, lo = c["figures"], loso.get(name, {})
        top = c["strongest_wrong"][0]["logit"] if c["strongest_wrong"] else "n/a"
        lines.append(f"| {name} | {_rec(f, 'mild')} | {_rec(f, 'hard')} | "
                     f"{f['all']['wrong']} | {top} | {lo.get('threshold', 'n/a')} | "
                     f"{lo.get('strongest_wrong_logit', 'n/a')} | {lo.get('wrong', 'n/a')} | "
                     f"{_f(lo.get('recall', 'n/a'))} |")
    return "\n".join(lines) + "\n"


def margin_table(metrics: dict) -> str:
    """Per margin step: wrong pairs the left-out splits had accepted, and their recall."""
    lines = ["| margin steps | hash x | inliers x | agreement + | hull x | colour x | "
             "wrong accepted on left-out splits | mean left-out recall |",
             "|---|---|---|---|---|---|---|---|"]
    step = metrics["margin_step"]
    for t, folds in metrics["leave_one_split_out"].items():
        n = int(t)
        wrong = sum(f["wrong"] for f in folds.values())
        recall = float(np.mean([f["recall"] for f in folds.values()])) if folds else "n/a"
        mark = " (chosen)" if n == metrics["margin_steps"] else ""
        lines.append(f"| {t}{mark} | {step['hash_factor'] ** n:.3f} | "
                     f"{step['inlier_factor'] ** n:.3f} | {step['agreement_add'] * n:.3f} | "
                     f"{step['spread_factor'] ** n:.3f} | {step['colour_factor'] ** n:.3f} | "
                     f"{wrong} | {_f(recall)} |")
    return "\n".join(lines) + "\n"


def shape_table(model: AcceptanceModel) -> str:
    """Each term's logit contribution at its breaks: at the knots of a one-feature term, at
    the product of strengths of an interaction."""
    lines = ["| term | where: logit contribution |", "|---|---|"]
    for term in model.terms:
        at = np.asarray(term.breaks)
        values = term.ramps(at) @ np.asarray(term.weights)
        if len(term.features) == 1:
            f = model.feature(term.features[0])
            labels = [f"{k:g}" for _, k in sorted(zip(f.levels, f.knots, strict=True))]
        else:
            labels = [f"{b:g}" for b in term.breaks]
        cells = ", ".join(f"{lab}: {v:.2f}" for lab, v in zip(labels, values, strict=True))
        lines.append(f"| {' x '.join(term.features)} | {cells} |")
    return "\n".join(lines) + "\n"


def alone_bounds(model: AcceptanceModel) -> str:
    """What each stage needs with no other evidence."""
    fits = [f"{model.inliers_alone(a, sp)} at agreement {a} and hull {sp}"
            for a, sp in ((1.0, 0.2), (0.8, 0.2), (0.5, 0.2), (0.2, 0.2), (0.9, 0.005))]
    return (f"alone, the hash stage is accepted up to a pair score of "
            f"{model.hash_alone_bound()}, a keypoint fit from (inliers) " + "; ".join(fits))


LOOKED_AT_NOTE = ("Splits the rules were designed on that are neither calibration nor hold-out "
                  "(seeds 2 and 4, reports/matching/HISTORY.md): the model never saw them, the "
                  "rules partly did.")


def selection_table(metrics: dict) -> str:
    """The margin on the selection splits: wrong pairs accepted, mean recall, per step."""
    lines = ["| margin steps | wrong accepted on selection splits | mean mild recall | "
             "mean hard recall |", "|---|---|---|---|"]
    for t, splits in metrics["selection"].items():
        mark = " (chosen)" if int(t) == metrics["margin_steps"] else ""
        lines.append(f"| {t}{mark} | {sum(f['wrong'] for f in splits.values())} | "
                     f"{np.mean([f.get('mild', np.nan) for f in splits.values()]):.3f} | "
                     f"{np.mean([f.get('hard', np.nan) for f in splits.values()]):.3f} |")
    return "\n".join(lines) + "\n"


def _how_much(metrics: dict, cfg: dict) -> str:
    if metrics.get("margin_rule") == "selection":
        return (f"How much stronger was chosen on selection splits (neither calibration nor "
                f"hold-out): {metrics['margin_steps']} steps of the config's `margin_step`, "
                "the fewest at which none of them had a wrong pair accepted, "
                f"{cfg.get('extra_steps', 0)} grid steps added. {cfg.get('margin_note', '')}")
    if metrics.get("margin_rule") == "fixed":
        return (f"How much stronger is fixed by the config: {metrics['margin_steps']} steps "
                f"of its `margin_step`. {cfg.get('margin_note', '')}")
    return ("How much stronger was chosen by leave-one-split-out: "
            f"{metrics['margin_steps']} steps of the config's `margin_step`, one grid step more "
            "than the fewest at which no split left out of the fit had a wrong pair accepted "
            "(reports/matching/acceptance.md).")


def card(model: AcceptanceModel, metrics: dict, training: dict) -> str:
    cfg = training["config"]
    calib, hold = list(training["calibration"]), list(training["holdout"])
    pos = {n: c["figures"]["all"]["positives"] for n, c in metrics["calibration"].items()}
    return "\n".join([
        f"# match-acceptance-{model.version}: which matches the catalog matcher accepts", "",
        "**What it is.** One calibrated, monotone classifier over a (query, catalog image) "
        "pair's evidence (models/hashing/acceptance.py): the hash stage's pair score, the "
        "keypoint fit's inliers, photometric agreement and inlier spread, and the "
        "colour-layout distance. A logistic additive model: each feature has a strength "
        "in [0, 1] (piecewise linear through its knots, 0 for no evidence), and each term is "
        "a non-negative combination of ramps over one strength or over the product of "
        "several: " + ", ".join(" x ".join(t) for t in cfg["terms"]) + ". The keypoint "
        "fit's inliers never count alone, only with its agreement, its spread, a hash score "
        "or a close colour layout: a shared detail (one brand word on two products) gives "
        "any number of inliers, as every hand-written local rule also said. Non-negative "
        "weights make the model monotone: stronger evidence on any axis never lowers the "
        "logit. It replaces five hand-written rules, two staircases and a sliver gate "
        "(history: reports/matching/CALIBRATION.md).", "",
        *([cfg["about"], ""] if cfg.get("about") else []),
        descriptor_note(model), "",
        "**Score.** `exp(threshold - logit)`, the pair's odds of being wrong relative to the "
        "odds at the threshold: <= 1 accepts, lower is stronger, as `pipeline.unified_score` "
        f"always was. Threshold {model.threshold}; {alone_bounds(model)}. A pair with "
        "neither a hash score nor a keypoint fit scores inf: the colour layout never "
        "accepts alone.", "",
        "**Files.** `model.json` (features, knots, terms, weights, bias, threshold: all "
        "serving reads), `metrics.json`, `fixtures.json` (feature rows and their stored "
        "logits and scores; tests/models/hashing/test_acceptance.py checks the artifact "
        "reproduces them and the calibration's zero wrong accepts), `training_config.json` "
        "(config, evidence files and their sha256).", "",
        "**Built by** `python -P -m training.calibrate_matching` (command in its docstring; "
        "deterministic, under a second of fitting once the evidence is saved).", "",
        f"**Data.** Evidence {training['evidence_version']} of the calibration splits "
        f"{_splits(calib)} ({sum(pos.values())} copies among their queries); the pairs "
        "either stage found (hash score under "
        f"{model.max_hash_score}, or a fit of {model.min_inliers}+ inliers) are the rows, "
        "labelled by whether the catalog image is the one copied. Hold-outs, only measured: "
        f"{_splits(hold) or 'none'}." + (f" {cfg['data_note']}" if cfg.get("data_note") else ""),
        "",
        ("**Threshold.** Just above the strongest wrong calibration pair after that pair's "
        "evidence was made stronger (hash score x{hash_factor:.3f}, inliers "
        "x{inlier_factor:.3f}, colour distance x{colour_factor:.3f}; agreement "
        "+{agreement_add:.3f}, inlier hull x{spread_factor:.3f}): one split's strongest "
        "wrong pair is a noisy estimate of the next one's, as the rules' own relative "
        "margins said.").format(**metrics["margins"]) + " " + _how_much(metrics, cfg), "",
        "**Figures** (precision target 1.0, recall targets mild "
        f"{TARGETS['mild']}, hard {TARGETS['hard']}). Hold-outs, the same evidence scored by "
        "the hand-written rules and by this model:", "",
        holdout_table(metrics),
        *_baseline_part(metrics),
        "Calibration splits (in-sample), and each one left out of its own fit:", "",
        calibration_table(metrics),
        "**Limits.** " + cfg.get("limits", DEFAULT_LIMITS), ""])


DEFAULT_LIMITS = (
    "Fitted on a few hundred wrong pairs per split from one generator of products and "
    "photos; the threshold rests on the strongest few. A catalog far larger than ~100 images "
    "offers more chances of a strong wrong pair and needs calibration splits of that size. "
    "The features are the h5.l1 evidence: a change to hashing, keypoints or colour layouts "
    "(EVIDENCE_VERSION) needs new evidence and a refit.")


def report(model: AcceptanceModel, metrics: dict, training: dict) -> str:
    calib = list(training["calibration"])
    wrong = [f"- {name}: logit {w['logit']}, features "
             + ", ".join(f"{k} {v}" for k, v in zip(FEATURES, w["features"], strict=False))
             for name, c in metrics["calibration"].items() for w in c["strongest_wrong"][:2]]
    return "\n".join([
        "# Match acceptance: the model against the hand-written rules", "",
        f"match-acceptance-{model.version} (models/artifacts/match-acceptance-{model.version}/"
        f"README.md), fitted on {_splits(calib)} by training/calibrate_matching.py; the "
        "rules it replaces are frozen in training/legacy_rules.py and scored here on the same "
        "saved evidence. Recall counts a copy the stages never found as a miss.", "",
        "## Hold-outs", "", holdout_table(metrics),
        *_baseline_part(metrics),
        "Per transform (recall):", "", transform_table(metrics),
        *(["Per transform, the earlier model and this one (recall):", "",
           baseline_transform_table(metrics)] if metrics.get("baseline") else []),
        *([training["config"].get("looked_at_note", LOOKED_AT_NOTE), "",
           holdout_table(metrics, "looked_at")] if metrics.get("looked_at") else []),
        "## Calibration splits", "", calibration_table(metrics),
        "The margin, by leave-one-split-out (each calibration split scored by the model "
        "fitted and thresholded on the others):", "", margin_table(metrics),
        *(["The margin on the selection splits (the model fitted on every calibration "
           f"split; {_splits(list(training.get('selection', {})))}), which chose it:", "",
           selection_table(metrics)] if metrics.get("selection") else []),
        f"Threshold {model.threshold}. Strongest wrong pairs (before the margins):", "",
        *wrong, "",
        "## Shape", "", descriptor_note(model), "", f"Bias {model.bias}; {alone_bounds(model)}.", "",
        shape_table(model), ""])


def summary(metrics: dict) -> str:
    lines = [f"threshold {metrics['threshold']}"]
    for name, h in metrics["holdout"].items():
        m, r = h["model"], h["rules"]
        lines.append(f"{name}: model mild {_rec(m, 'mild')} hard {_rec(m, 'hard')} wrong "
                     f"{m['all']['wrong']}; rules mild {_rec(r, 'mild')} hard "
                     f"{_rec(r, 'hard')} wrong {r['all']['wrong']}")
    lines.append(f"margin steps {metrics['margin_steps']}: {metrics['margins']}")
    for t, folds in metrics["leave_one_split_out"].items():
        lines.append(f"{t} margin steps, left out: " + ", ".join(
            f"{name} wrong {f['wrong']} recall {f['recall']}" for name, f in folds.items()))
    return "\n".join(lines)

