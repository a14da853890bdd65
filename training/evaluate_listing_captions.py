"""Listing-level effect of the caption classifier: how often honest sellers are blocked.

    python -P -m training.evaluate_listing_captions \
        --artifact models/artifacts/caption-ngram-lr --artifact models/artifacts/caption-context \
        --risk models/artifacts/risk-v1 --risk models/artifacts/risk-v2 \
        --risk models/artifacts/risk-v3 --report reports/captions/listings.md

Each caption of each frozen hand-written set (datasets/trustdata/captions/frozen/ and
frozen2/, evaluation only) becomes a listing as an honest seller posts one: the seller's own photos (checked, no
catalog match), no price field (a price written in the caption still counts), a seller with
no history. So the caption is the only evidence, which is where a caption classifier can
block an honest seller on its own. Each classifier is scored through the served risk model
two ways: `decide` alone (the rule before block grounds existed), and the served rule (a
block needs grounds beyond wording: scoring.block_grounds). Figures: the decisions, the
precision at `block` and the share of honest listings blocked and sent to review.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from models.risk import (
    CaptionSignal,
    CaptionSpan,
    ListingSignals,
    RiskModel,
    load_model,
    score_listing,
)
from models.risk.scoring import decide
from models.risk.signals import BrandPriceSignal
from models.text.brands import load_brand_table
from models.text.classifier import CaptionClassifier, CaptionResult
from training.evaluate_captions_frozen import FROZEN_SETS, FrozenCaption, load_frozen

TARGETS = {"block_precision": 0.98, "honest_blocked": 0.01}


def listing_signals(text: str, probability: float, spans: list[CaptionSpan]) -> ListingSignals:
    return ListingSignals(photos_checked=1, caption=CaptionSignal(probability, tuple(spans)),
                          brand_price=BrandPriceSignal.of(load_brand_table().brand_price(text)))


def evaluate(classifier: CaptionClassifier, rows: list[FrozenCaption],
             risk: Path | None = None, model: RiskModel | None = None,
             results: list[CaptionResult] | None = None) -> dict[str, Any]:
    """The decisions for `rows` as listings; `model` (or the artifact at `risk`, or the served
    one) scores them, from the captions' `results` when they were classified already."""
    if model is None:
        model = load_model(risk) if risk is not None else load_model()
    if results is None:
        results = classifier.classify([r.text for r in rows])
    labels = np.array([r.label for r in rows])
    out: dict[str, Any] = {"model_version": f"{classifier.model_version} + {model.version}"}
    decisions: dict[str, list[str]] = {"decide alone": [], "served (block needs grounds)": []}
    for row, result in zip(rows, results, strict=True):
        spans = [CaptionSpan(s.category, s.term, s.start, s.end) for s in result.spans]
        assessment = score_listing(listing_signals(row.text, result.counterfeit_probability,
                                                   spans), model)
        decisions["decide alone"].append(decide(assessment.risk))
        decisions["served (block needs grounds)"].append(assessment.decision)
    for rule, made in decisions.items():
        made_a = np.array(made)
        blocked = made_a == "block"
        honest = labels == 0
        out[rule] = {
            "blocked": int(blocked.sum()), "reviewed": int((made_a == "review").sum()),
            "allowed": int((made_a == "allow").sum()),
            "block_precision": float(labels[blocked].mean()) if blocked.any() else float("nan"),
            "honest_blocked": float(blocked[honest].mean()),
            "honest_reviewed": float((made_a[honest] == "review").mean()),
            "counterfeit_blocked": float(blocked[~honest].mean()),
            "counterfeit_flagged": float((made_a[~honest] != "allow").mean()),
        }
    return out


def report(evaluations: list[dict[str, Any]], rows: list[FrozenCaption], name: str) -> str:
    lines = [f"## Set `{name}`", "",
             f"Each of the {len(rows)} hand-written captions "
             f"({sum(r.label for r in rows)} counterfeit) as a listing with the seller's own "
             "photos (no catalog match), no price field and a seller without history, scored "
             "by each caption model and risk model named.", "",
             "| caption model | decision rule | blocked | review | allowed | precision at "
             "block (>= 0.98) | honest blocked (<= 0.01) | honest to review | counterfeit "
             "blocked | counterfeit flagged |", "|---|---|---|---|---|---|---|---|---|---|"]
    for e in evaluations:
        for rule in ("decide alone", "served (block needs grounds)"):
            m = e[rule]
            lines.append(f"| `{e['model_version']}` | {rule} | {m['blocked']} | {m['reviewed']} "
                         f"| {m['allowed']} | {m['block_precision']:.3f} | "
                         f"{m['honest_blocked']:.3f} | {m['honest_reviewed']:.3f} | "
                         f"{m['counterfeit_blocked']:.3f} | {m['counterfeit_flagged']:.3f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artifact", type=Path, action="append", required=True)
    parser.add_argument("--risk", type=Path, action="append",
                        help="risk model artifacts to score with (default: the served one)")
    parser.add_argument("--set", dest="sets", action="append", choices=sorted(FROZEN_SETS),
                        help="a frozen set (repeatable); default: every set")
    parser.add_argument("--report", type=Path)
    args = parser.parse_args()
    classifiers = [CaptionClassifier.load(path) for path in args.artifact]
    text = ("# Listing level: the caption as the only evidence\n\nGenerated by "
            "`python -P -m training.evaluate_listing_captions`.\n\n")
    for name in args.sets or sorted(FROZEN_SETS):
        rows = load_frozen(FROZEN_SETS[name])
        text += report([evaluate(c, rows, risk) for risk in (args.risk or [None])
                        for c in classifiers], rows, name) + "\n"
    print(text)
    if args.report:
        args.report.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
