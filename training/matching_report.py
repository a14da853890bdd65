"""Markdown + PNG report for the matching evaluation (see training/evaluate_matching.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from training.matching_evidence import Scored
from training.matching_metrics import pr_curve

TARGETS = {"mild": 0.99, "hard": 0.75}
WEAKNESSES = """## How it works, and where it is weak

- Local stage: ORB keypoints (500 per catalog photo plus 500 on its mirror, up to 2,000
  per query spread over an 8x8 grid), exact Hamming kNN over every catalog descriptor
  (faiss binary flat), Lowe's ratio test against the nearest descriptor of *another*
  catalog image, RANSAC similarity fit, then a photometric gate (`local.agreement`): on a
  4x4 grid over the 96 px catalog thumbnail, the gradients of the thumbnail and of the
  query warped by the fit are correlated per cell, and the cells' correlations are
  averaged weighted by the catalog's gradient energy.
- Why that gate: the wrong fits come from shared details. The generated products reuse
  brand-word syllables, fonts and silhouettes, so a fit on one word, or on a bag handle,
  reaches 20-40 inliers. The previous gate, a zero-mean correlation of intensities over
  the whole overlap, could not separate them: two dark products on light backgrounds
  correlate by layout alone (wrong fits up to 0.68), while colour edits and collages
  push real copies below 0 (it was calibrated to 0.0, i.e. off). Gradients ignore flat
  layout; per-cell averaging lets a sticker or banner cost only its cells.
- What it still cannot tell apart: two products of the *same shape* with different
  labels (seed 1: two watches, 21-26 inliers on the strap and case outline, agreement
  0.75-0.89, since a label differs in few pixels of a 96 px thumbnail). Only the inlier
  count keeps them out: the acceptance model's inlier terms.
- A collage tile hides part of the catalog photo behind its neighbours, which the gate
  counts as disagreement; such fits are accepted at low agreement only with many inliers
  whose convex hull covers enough of the photo (the model's inlier-spread term): a shared
  word can give any number of inliers (66 on three letters on seed 2), but all in a
  sliver of the photo.
- Open hole: a shared word that fills most of what the query shows can pass the gate itself
  (seed 2, corner crop: 48 inliers, agreement 0.59, inlier hull 0.3 % of the photo; it
  passed the 0.55 gate of evidence h2, not the 0.65 one calibrated for h3). Gated
  fits whose inliers sit in a sliver should need more inliers; label-only true matches also
  have small hulls, so that needs calibrating and a fresh split to confirm. It happened
  again on the later hold-outs, once each on seeds 5 and 6 (overlay_text: the overlaid
  words share letters with another product's label; 36 and 40 gated inliers, agreement
  0.71 and 0.79, hulls 0.5 % and 0.7 % of the photo). Measured, not committed: judging
  gated fits with a hull under 1 % as ungated, other thresholds unchanged, accepts no wrong
  pair on seeds 0, 1, 3, 4, 5, 6 and costs 0.2-1.5 points of hard-edit recall (mild at most
  0.2); re-running the calibration around it moved the gate to 0.2 and admitted a wrong
  pair on seed 4. The rules then got a sliver gate; the acceptance model weighs the
  inlier spread as one of its features instead (reports/matching/CALIBRATION.md).
- Both stages on one image: a catalog image that both stages find with weaker evidence
  each may be accepted (the model adds their terms, and a hash-inlier interaction): a
  wrong image rarely comes close in both. It recovers mild edits of flat, low-texture
  catalog photos that neither stage carries alone.
- Colour layout (evidence h4): an 8x8 grid of mean CIELAB colours of the whole photo, its
  banner cuts and, on the query side, its whole, trimmed, banner-cut and central regions.
  Distance: per-cell colour difference, the worst tenth of the cells dropped (stickers,
  emoji), averaged and divided by the catalog layout's own colour spread. It never accepts
  alone: on seeds 0 and 1 wrong pairs came as close as 0.038 (corner crops of similar
  products, with neither a hash score nor a fit), so in the acceptance model it only
  adds to a hash score or a keypoint fit. Hashes are searched to a pair score of 19
  (radius 9 in each 64-bit index): radius 12 cost 4x per query at 1M hashes for one more
  positive on the dev splits. It cannot help a
  photo that neither stage finds at all (two tiles of skimage's `cell` sample in seed 3 are
  flat grey noise, indistinguishable from each other), nor colour edits (brightness,
  contrast and saturation move every cell).
- Colour edits and pale photos in the hash stage (evidence h5). Every kind is invariant to
  a positive scaling of luma, yet two things cost colour-edited copies their hash
  evidence. A dim or low-contrast copy (and a pale product on white, a quarter of the
  catalog photos) rated low on PDQ's quality, a gradient sum: below the information floor
  its regions were not searched at all, below PDQ's usable quality the pair score carried
  the PDQ cap (12 points) whatever the bits said. Qualities are now rated at the photo's
  contrast gain (`detail.information_gain`: the whole photo's 1st-99th percentile luma
  range brought up to `MATCH_INFORMATION_RANGE`, at most `MATCH_INFORMATION_MAX_GAIN`
  times; measured on the whole photo, so a flat crop inside a normal photo is not lifted).
  And a brightened or oversaturated copy clips highlights and colours, which moves luma
  itself (8-15 pair-score points at brightness 1.4 or saturation 1.8); the catalog photo
  is also enrolled through three clipping filters (`views.ENROL_FILTERS`), as it is
  through rotations. Their factors were set before any evaluation and not tuned; the dev
  set's colour edit uses the same PIL enhancers, so real app filters (tone curves) will
  sit farther from these views than the dev set's edits do.
- Exact kNN is linear in the catalog: ~1,000 descriptors per image, so 10k images means
  10M descriptors (320 MB) and seconds per query; beyond a few thousand images it needs an
  inverted-file index (faiss `IndexBinaryIVF`, retrained as the catalog grows) or the hash
  stage's loose hits as the only candidates for the hard cases.
- The local stage is ~5-10x the hash stage's cost per query (see the timings above).
- The acceptance model is calibrated on ~100-image splits; a catalog far larger than the
  dev set adds chances of a false fit and needs re-calibration on a matching dev set."""


def _fmt(x: float) -> str:
    return "n/a" if x != x else f"{x:.3f}"


def table(ours: dict[str, dict], base: dict[str, dict]) -> str:
    head = ("| transform | family | queries | recall @ committed model | precision | "
            "wrong pairs accepted | hash stage alone | local stage alone | recall@P1.0 "
            "(oracle) | micro-AP | pHash recall@P1.0 | pHash micro-AP |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    rows = []
    names = sorted((n for n in ours if not n.startswith("ALL")),
                   key=lambda n: (ours[n]["family"], n))
    names += [n for n in ("ALL mild", "ALL hard", "ALL") if n in ours]
    for n in names:
        o, b = ours[n], base[n]
        label = f"**{n}**" if n.startswith("ALL") else n
        rows.append(f"| {label} | {o['family']} | {o['queries']} | "
                    f"{_fmt(o['recall_at_threshold'])} | {_fmt(o['precision_at_threshold'])} | "
                    f"{o['false_matches']} | {_fmt(o['recall_hash_stage'])} | "
                    f"{_fmt(o['recall_local_stage'])} | {_fmt(o['recall_at_p1'])} | "
                    f"{_fmt(o['micro_ap'])} | {_fmt(b['recall_at_p1'])} | "
                    f"{_fmt(b['micro_ap'])} |")
    return head + "\n".join(rows) + "\n"


def plots(ours: Sequence[Scored], base: Sequence[Scored], summary: dict[str, dict],
          base_summary: dict[str, dict], out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    for ax, family in zip(axes, ("all", "mild", "hard"), strict=True):
        for label, data, style in (("matcher", ours, "-"), ("plain pHash", base, "--")):
            items = [s for s in data if family == "all" or s.family == family]
            r, p, ap = pr_curve(items)
            ax.plot(np.r_[0, r], np.r_[1, p], style, label=f"{label} (AP {ap:.3f})")
        ax.set_title(f"{family} edits")
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.set_ylim(0, 1.02)
        ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(out / "pr_curves.png", dpi=80)
    files.append("pr_curves.png")
    plt.close(fig)

    names = sorted((n for n in summary if not n.startswith("ALL")),
                   key=lambda n: (summary[n]["family"], n))
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(13, 4))
    ax.bar(x - 0.2, [summary[n]["recall_at_p1"] for n in names], 0.4, label="matcher")
    ax.bar(x + 0.2, [base_summary[n]["recall_at_p1"] for n in names], 0.4, label="plain pHash")
    for fam, target in TARGETS.items():
        xs = [i for i, n in enumerate(names) if summary[n]["family"] == fam]
        if xs:
            ax.hlines(target, min(xs) - 0.5, max(xs) + 0.5, colors="k", linestyles=":")
    ax.set_xticks(x, names, rotation=40, ha="right")
    ax.set_ylabel("recall at precision 1.0")
    ax.set_ylim(0, 1.05)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "recall_per_transform.png", dpi=80)
    files.append("recall_per_transform.png")
    plt.close(fig)
    return files


def markdown(ours: dict[str, dict], base: dict[str, dict], meta: dict[str, object],
             images: list[str]) -> str:
    mild, hard = ours["ALL mild"], ours["ALL hard"]
    wrong = [str(w) for w in meta.get("wrong_pairs") or []]  # type: ignore[attr-defined]
    lines = [
        "# Catalog image matching: evaluation",
        "",
        f"Hold-out split `{meta['data']}` (seed {meta['seed']}): {meta['catalog']} enrolled "
        f"catalog photos, {meta['distractors']} never-enrolled distractors, {meta['queries']} "
        "queries (every source and distractor through every edit). Two stages "
        "(models/hashing/pipeline.py): hashes of recovered regions vs enrolled views, and ORB "
        "keypoints verified by a RANSAC similarity fit and a photometric gate, plus an 8x8 "
        "CIELAB colour layout of the whole photo that never accepts by itself. One "
        f"calibrated, monotone model accepts ({meta.get('acceptance')}, "
        "models/artifacts/match-acceptance-v1/README.md): a logistic additive model over "
        "the hash score, keypoint inliers, photometric agreement, inlier spread and colour "
        f"distance, threshold {meta.get('acceptance_threshold')} on its logit; hashes are "
        f"searched to a pair score of {meta.get('hash_search_bound')} and fits reported "
        f"from {meta.get('fewest_inliers')} inliers.",
        "",
        "**How tuned.** The evidence and the rules that came before the model were "
        "designed on seeds 0 and 1 and on seeds 5, 6 and 8 (fresh hold-outs that accepted "
        "wrong pairs; reports/matching/CALIBRATION.md); `training/calibrate_matching.py` "
        "fits the model on evidence of those splits and puts its threshold above every "
        "wrong pair of them made stronger by relative margins "
        "(reports/matching/acceptance.md). Seed 2 (the first "
        "hold-out) and seed 4 (a design split for the colour layout) have been looked at. "
        "Seeds 3 and 7 were hold-outs whose misses were read once: two content-free tiles of "
        "scikit-image's `cell` sample (flat grey noise, indistinguishable from each other) "
        "made most of them, and the dataset builder has since stopped enrolling "
        "content-free photos (as it already left out homogeneous textures); seed 3's misses "
        "were read again before the staircases were added (most had close colour layouts "
        "and hash scores just above the bound), and its colour-edit misses once more before "
        "the contrast-rated qualities and filtered views of evidence h5 (dim copies of pale "
        "products scored the PDQ cap; brightened and saturated ones clipped); no threshold "
        "was set on either split. Seeds 9 and 10 were built after all of that and used for "
        "nothing but reports. On seeds 3, 7, 9 and 10 the committed-model columns are "
        "hold-out figures; the oracle column is "
        "not: it puts the threshold at this split's own first false match.",
        "",
        f"**At the committed model: mild edits recall {mild['recall_at_threshold']:.3f} "
        f"(target {TARGETS['mild']}), hard edits {hard['recall_at_threshold']:.3f} (target "
        f"{TARGETS['hard']}); precision {ours['ALL']['precision_at_threshold']:.3f}, "
        f"{ours['ALL']['false_matches']} wrong (query, catalog image) pairs accepted.** "
        f"Threshold-free recall@P1.0 on this split: mild {mild['recall_at_p1']:.3f}, hard "
        f"{hard['recall_at_p1']:.3f}. Plain pHash in the same run: mild "
        f"{base['ALL mild']['recall_at_p1']:.3f}, hard {base['ALL hard']['recall_at_p1']:.3f}.",
        "",
    ]
    if wrong:
        lines += ["Wrong pairs accepted (hash score; fit = (inliers, agreement)):", ""]
        lines += [f"- {w}" for w in wrong] + [""]
    missed = list(meta.get("most_missed") or [])  # type: ignore[call-overload]
    if missed:
        lines += ["Catalog images missed most often by the committed model (all edits):",
                  ""]
        lines += [f"- `{m['catalog_image']}`: {m['missed']} ({', '.join(m['transforms'])})"
                  for m in missed] + [""]
    if meta.get("hash_p50_ms") is None:
        lines += ["Re-scored from the evidence a full run saved (`--evidence`): no stage "
                  "timings in this run; see benchmarks/bench_hashing.py and "
                  "bench_match_api.py.", ""]
    else:
        lines += [
            "Per query (decode included; inside the evaluator's worker processes on a shared "
            "2-core machine; see benchmarks/bench_hashing.py and bench_match_api.py for clean "
            f"figures): hash stage p50 {meta['hash_p50_ms']} ms (p90 "
            f"{meta['hash_p90_ms']}); " + (
                "keypoint fits reused from a saved run (`--fits-from`)."
                if meta.get("local_p50_ms") is None else
                "local stage (keypoints + exact kNN over all catalog descriptors + RANSAC + "
                f"photometric gate) p50 {meta['local_p50_ms']} ms (p90 "
                f"{meta['local_p90_ms']})."), ""]
    lines += [
        table(ours, base),
        "`hash stage alone` / `local stage alone`: recall the committed model reaches on each "
        "stage's evidence alone (the combined recall adds both stages and the colour layout). "
        "recall@P1.0 (oracle) "
        "puts one threshold on the unified score just below this split's first false match. "
        "micro-AP ranks every (query, catalog image) pair by the unified score; a positive "
        "never retrieved counts as a miss.",
        "",
    ]
    lines += [f"![{name}]({name})" for name in images]
    lines += ["", WEAKNESSES]
    return "\n".join(lines) + "\n"
