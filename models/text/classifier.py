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
from typing import Literal, Protocol

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
class CaptionResult:
    counterfeit_probability: float
    label: CaptionLabel
    spans: tuple[CaptionSpan, ...]
    normalized_text: str


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
        normalized = [normalize(t) for t in texts]
        spans = [self.lexicon.match_normalized(n) for n in normalized]
        model_texts = [self.lexicon.model_text(n, s) for n, s in zip(normalized, spans,
                                                                       strict=True)]
        return spans, [n.text for n in normalized], self.scorer.logits(model_texts)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        spans, _, logits = self.spans_and_logits(texts)
        return self.combiner.probabilities(feature_matrix(logits, spans))

    def classify(self, texts: Sequence[str]) -> list[CaptionResult]:
        """One result per caption, in order; batched through the model."""
        if not texts:
            return []
        spans, norm_texts, logits = self.spans_and_logits(texts)
        probabilities = self.combiner.probabilities(feature_matrix(logits, spans))
        results = []
        for probability, hits, norm_text in zip(probabilities, spans, norm_texts, strict=True):
            p = float(probability)
            results.append(CaptionResult(
                counterfeit_probability=p,
                label=LABEL_COUNTERFEIT if p >= self.threshold else LABEL_LEGITIMATE,
                spans=tuple(CaptionSpan(s.start, s.end, s.term, s.category) for s in hits),
                normalized_text=norm_text))
        return results


def serving_artifact_dir(root: Path = ARTIFACTS_ROOT) -> Path:
    serving = json.loads((root / "caption-serving" / "serving.json").read_text(encoding="utf-8"))
    return root / serving["artifact"]


def load_caption_classifier(root: Path = ARTIFACTS_ROOT) -> CaptionClassifier:
    """The classifier chosen for serving (by dev F1), ready to `classify`."""
    return CaptionClassifier.load(serving_artifact_dir(root))
