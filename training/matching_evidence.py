"""The raw evidence of a matching evaluation, per query: what calibration and re-scoring read.

training.evaluate_matching computes it (``--evidence-out`` saves it as JSON);
training.calibrate_matching and ``evaluate_matching --evidence`` read it back, so rules can
be re-scored or re-calibrated without the quarter hour of keypoint matching per split.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from models.hashing.analysis import EVIDENCE_VERSION
from models.hashing.pair_evidence import Distinct, distinctiveness
from models.hashing.pipeline import Rules, unified_score


@dataclass
class Scored:
    """Per query: expected catalog index (-1 for a distractor) and scored candidates.

    ``hash_scores`` and ``fits`` are each stage's raw evidence per catalog image;
    ``candidates`` is the ranking score the figures are computed on (lower is better).
    """

    transform: str
    family: str
    expected: int
    candidates: dict[int, float] = field(default_factory=dict)
    hash_scores: dict[int, float] = field(default_factory=dict)
    # (inliers, photometric agreement, inlier-hull share of the catalog photo)
    fits: dict[int, tuple[int, float, float]] = field(default_factory=dict)
    colours: dict[int, float] = field(default_factory=dict)  # colour-layout distance
    # a fit's agreement away from its inliers (local.agreement); none in older evidence
    contexts: dict[int, float] = field(default_factory=dict)
    # global-descriptor similarity of each image either stage found (CatalogMatcher.
    # similarities); none in older evidence, nor for a query or image not described
    descriptors: dict[int, float] = field(default_factory=dict)
    # each fit's colour distance where it puts the photo (CatalogMatcher.fit_colours); none
    # in older evidence, nor for a fit covering too little of the photo
    fit_colours: dict[int, float] = field(default_factory=dict)

    @property
    def query_kind(self) -> str:
        """"split mild", "brand hard", ...: a split's own queries or its brand families'
        (training/scale_evidence.py), by family."""
        return f"{'brand' if self.transform.startswith('brand_') else 'split'} {self.family}"


def query_distinctiveness(s: Scored) -> dict[int, Distinct]:
    """Each candidate's distinctiveness among everything the query's stages found."""
    return distinctiveness(s.hash_scores, {i: f[0] for i, f in s.fits.items()})


def pair_score(s: Scored, image_id: int, rules: Rules | None = None,
               distinct: Mapping[int, Distinct] | None = None) -> float:
    """Unified score of one (query, catalog image) pair as the matcher scores it
    (pipeline.unified_score, with the pair's distinctiveness among the query's evidence,
    ``query_distinctiveness`` unless given, and its fit's context)."""
    fit = s.fits.get(image_id)
    colour = s.colours.get(image_id)
    if distinct is None:
        distinct = query_distinctiveness(s)
    similar = s.descriptors.get(image_id)
    fitted = s.fit_colours.get(image_id)
    if fit is None:
        return unified_score(s.hash_scores.get(image_id), None, rules=rules, colour=colour,
                             distinct=distinct[image_id], descriptor=similar)
    return unified_score(s.hash_scores.get(image_id), fit[0], fit[1], rules, fit[2], colour,
                         distinct[image_id], s.contexts.get(image_id), similar, fitted)


def stage_score(s: Scored, image_id: int, stage: str, rules: Rules | None = None) -> float:
    """Unified score of one stage's evidence alone (``"hash"`` or ``"local"``): the other
    stage and the colour layout left out, rather than switched off by a tiny threshold (an
    exact copy's hash score of 0 would pass any threshold above 0); the pair's
    distinctiveness is measured among that stage's evidence only, as when the other did
    not run."""
    r = rules or Rules()
    if stage == "hash":
        if image_id not in s.hash_scores:
            return unified_score(None, None, rules=r)
        gap, _ = distinctiveness(s.hash_scores, {})[image_id]
        return unified_score(s.hash_scores[image_id], None, rules=r, distinct=(gap, None))
    fit = s.fits.get(image_id)
    if not fit:
        return float("inf")
    _, ratio = distinctiveness({}, {i: f[0] for i, f in s.fits.items()})[image_id]
    return unified_score(None, fit[0], fit[1], r, fit[2], distinct=(None, ratio),
                         context=s.contexts.get(image_id))


def rescore(scored: Sequence[Scored], rules: Rules | None = None) -> None:
    """Unified score of both stages as candidates."""
    for s in scored:
        distinct = query_distinctiveness(s)
        s.candidates = {i: pair_score(s, i, rules, distinct)
                        for i in s.hash_scores.keys() | s.fits.keys()}


def save_evidence(scored: Sequence[Scored], path: Path) -> None:
    """Every query's raw evidence of all three kinds, so rules can be re-scored or
    re-calibrated (training.calibrate_matching --evidence) without recomputing it."""
    rows = [{"transform": s.transform, "family": s.family, "expected": s.expected,
             "hash_scores": s.hash_scores,
             "fits": {k: [*f, s.contexts[k]] if k in s.contexts else list(f)
                      for k, f in s.fits.items()},
             "colours": s.colours, "descriptors": s.descriptors, "fit_colours": s.fit_colours}
            for s in scored]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"evidence_version": EVIDENCE_VERSION, "queries": rows}))


def load_evidence(path: Path, fits_only: bool = False) -> list[Scored]:
    """Saved evidence; only the parts of the version it depends on have to match: the hash
    and keypoint parts (``h5.l1``; the evaluator verifies every catalog image, so the
    global descriptor's part does not enter), or with ``fits_only`` (only its keypoint fits
    will be used) the keypoint part alone."""
    doc = json.loads(path.read_text())
    parts = slice(1, 2) if fits_only else slice(0, 2)
    version = ".".join(doc["evidence_version"].split(".")[parts])
    current = ".".join(EVIDENCE_VERSION.split(".")[parts])
    if version != current:
        raise SystemExit(f"{path} holds evidence {doc['evidence_version']}, this code "
                         f"computes {EVIDENCE_VERSION}: re-run the evaluator")
    out = []
    for row in doc["queries"]:
        s = Scored(row["transform"], row["family"], row["expected"])
        s.hash_scores = {int(k): float(v) for k, v in row["hash_scores"].items()}
        s.fits = {int(k): (int(v[0]), float(v[1]), float(v[2])) for k, v in row["fits"].items()}
        s.contexts = {int(k): float(v[3]) for k, v in row["fits"].items() if len(v) > 3}
        s.colours = {int(k): float(v) for k, v in row["colours"].items()}
        s.descriptors = {int(k): float(v) for k, v in row.get("descriptors", {}).items()}
        s.fit_colours = {int(k): float(v) for k, v in row.get("fit_colours", {}).items()}
        out.append(s)
    return out
