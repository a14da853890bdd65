"""The served caption classifier: normalise, match the lexicon, score, calibrate.

`load_caption_classifier()` reads models/artifacts/caption-serving/serving.json, which
names the artifact chosen by dev F1 (see training/train_captions_select.py), and returns a
`CaptionClassifier` whose `classify(texts)` is pure given the loaded artifacts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from models.text.features import Combiner, feature_matrix
from models.text.lexicon import Lexicon, LexiconSpan, load_default_lexicon
from models.text.normalize import normalize
from models.thresholds import CAPTION_COUNTERFEIT_PROBABILITY

ARTIFACTS_ROOT = Path(__file__).resolve().parent.parent / "artifacts"
CaptionLabel = Literal["counterfeit", "legitimate"]
LABEL_COUNTERFEIT: CaptionLabel = "counterfeit"
LABEL_LEGITIMATE: CaptionLabel = "legitimate"


class CaptionScorer(Protocol):
    kind: str

    def logits(self, normalized_texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True, slots=True)
class CaptionSpan:
    start: int
    end: int
    term: str
    category: str


@dataclass(frozen=True, slots=True)
class CaptionReason:
    """One reason in words a moderator reads in a second; `code` for machines."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class CaptionResult:
    counterfeit_probability: float
    label: CaptionLabel
    spans: tuple[CaptionSpan, ...]
    normalized_text: str
    reasons: tuple[CaptionReason, ...] = ()


def load_scorer(directory: Path) -> CaptionScorer:
    kind = json.loads((directory / "config.json").read_text(encoding="utf-8"))["model_type"]
    if kind == "char-ngram-logreg":
        from models.text.ngram_model import NgramModel

        return NgramModel.load(directory)
    if kind == "use-ngram-brandprice-lr":
        from models.text.context_model import ContextModel

        return ContextModel.load(directory)
    from models.text.encoder_model import EncoderModel

    return EncoderModel.load(directory)


class CaptionClassifier:
    def __init__(self, scorer: CaptionScorer, combiner: Combiner, lexicon: Lexicon,
                 model_version: str,
                 threshold: float = CAPTION_COUNTERFEIT_PROBABILITY) -> None:
        self.scorer = scorer
        self.combiner = combiner
        self.lexicon = lexicon
        self.model_version = model_version
        self.threshold = threshold

    @classmethod
    def load(cls, directory: Path, lexicon: Lexicon | None = None) -> CaptionClassifier:
        lexicon = lexicon or load_default_lexicon()
        calibration = json.loads((directory / "calibration.json").read_text(encoding="utf-8"))
        if calibration["lexicon_version"] != lexicon.version:
            raise ValueError(f"{directory.name} was calibrated with lexicon "
                             f"{calibration['lexicon_version']}, loaded {lexicon.version}")
        training = json.loads((directory / "training_config.json").read_text(encoding="utf-8"))
        version = f"{directory.name}@{training['artifact_version']}+lexicon@{lexicon.version}"
        # A threshold fitted with the artifact (on its own cross-validation scores) wins over
        # the default.
        threshold = float(calibration.get("threshold", CAPTION_COUNTERFEIT_PROBABILITY))
        return cls(load_scorer(directory), Combiner.from_json(calibration["combiner"]), lexicon,
                   version, threshold)

    def spans_and_logits(self, texts: Sequence[str]) -> tuple[list[list[LexiconSpan]],
                                                              list[str], np.ndarray]:
        spans, norm_texts, logits, _ = self._score(texts)
        return spans, norm_texts, logits

    def _score(self, texts: Sequence[str]) -> tuple[list[list[LexiconSpan]], list[str],
                                                     np.ndarray, list[Any]]:
        normalized = [normalize(t) for t in texts]
        spans = [self.lexicon.match_normalized(n) for n in normalized]
        model_texts = [self.lexicon.model_text(n, s) for n, s in zip(normalized, spans,
                                                                       strict=True)]
        with_evidence = getattr(self.scorer, "logits_and_evidence", None)
        if with_evidence is not None:
            logits, evidence = with_evidence(model_texts)
        else:
            logits, evidence = self.scorer.logits(model_texts), [None] * len(model_texts)
        return spans, [n.text for n in normalized], logits, evidence

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        spans, _, logits = self.spans_and_logits(texts)
        return self.combiner.probabilities(feature_matrix(logits, spans))

    def classify(self, texts: Sequence[str]) -> list[CaptionResult]:
        """One result per caption, in order; batched through the model."""
        if not texts:
            return []
        spans, norm_texts, logits, evidence = self._score(texts)
        probabilities = self.combiner.probabilities(feature_matrix(logits, spans))
        results = []
        for probability, hits, norm_text, found in zip(probabilities, spans, norm_texts,
                                                       evidence, strict=True):
            p = float(probability)
            flagged = p >= self.threshold
            results.append(CaptionResult(
                counterfeit_probability=p,
                label=LABEL_COUNTERFEIT if flagged else LABEL_LEGITIMATE,
                spans=tuple(CaptionSpan(s.start, s.end, s.term, s.category) for s in hits),
                normalized_text=norm_text, reasons=explain(hits, found, flagged)))
        return results


CATEGORY_WORDS = {
    "grade_slang": "counterfeit grade slang", "factory_claim": "factory or original-order claim",
    "replica_term": "replica wording", "brand_nickname": "brand nickname",
    "ambiguous_nickname": "possible brand nickname", "offplatform_contact": "moves the sale to "
    "private chat", "price_hiding": "hides the price", "legit_cue": "authenticity cue",
    "pinyin_evasion": "slang in pinyin initials",
}
NEAREST_MIN_SIMILARITY = 0.5


def explain(spans: Sequence[LexiconSpan], evidence: Any, flagged: bool) -> tuple[
        CaptionReason, ...]:
    """The lexicon hits by category, the brand-price gap and the nearest known post."""
    reasons = []
    by_category: dict[str, list[str]] = {}
    for span in spans:
        by_category.setdefault(span.category, []).append(span.term)
    for category, terms in by_category.items():
        words = CATEGORY_WORDS.get(category, category.replace("_", " "))
        reasons.append(CaptionReason(f"lexicon:{category}",
                                     f"{words}: {', '.join(dict.fromkeys(terms))}"))
    brand_price = getattr(evidence, "brand_price", None)
    if brand_price is not None:
        if brand_price.ratio < 1 / 3:
            reasons.append(CaptionReason("brand_price_gap",
                                         "price far below genuine: " + brand_price.describe()))
        elif brand_price.ratio >= 1:
            reasons.append(CaptionReason("brand_price_plausible",
                                         "price plausible for genuine: " + brand_price.describe()))
    nearest = (getattr(evidence, "nearest", None) or {}).get(int(flagged))
    if nearest is not None and nearest[1] >= NEAREST_MIN_SIMILARITY:
        text, similarity = nearest
        side = "counterfeit" if flagged else "legitimate"
        short = text if len(text) <= 80 else text[:77] + "..."
        reasons.append(CaptionReason("nearest_pattern", f"reads like a known {side} post "
                                     f"(similarity {similarity:.2f}): {short}"))
    return tuple(reasons)


def serving_artifact_dir(root: Path = ARTIFACTS_ROOT) -> Path:
    serving = json.loads((root / "caption-serving" / "serving.json").read_text(encoding="utf-8"))
    return root / serving["artifact"]


def load_caption_classifier(root: Path = ARTIFACTS_ROOT) -> CaptionClassifier:
    """The classifier chosen for serving (by dev F1), ready to `classify`."""
    return CaptionClassifier.load(serving_artifact_dir(root))
