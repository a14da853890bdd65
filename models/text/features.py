"""Lexicon evidence features and the calibrated combination with a model's logit.

The served probability is a logistic function of the classifier's logit and capped
counts of lexicon categories, fitted on the dev split (Platt scaling with lexicon
evidence as extra inputs). It lets an unseen brand nickname or a negation cue move the
score even where the classifier never saw the words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from models.text.lexicon import LexiconSpan

# Plain brand names are left out on purpose: mentioning a brand is no evidence of a fake
# (genuine resale does it too), and dev data would otherwise teach that it is.
LEXICON_FEATURES = ("grade_slang", "factory_claim", "replica_term", "brand_nickname",
                    "ambiguous_nickname", "offplatform_contact", "price_hiding", "legit_cue")
# Pinyin initials ("gf" = 高仿, "yd" = 原单) abbreviate slang and reach the combiner only in
# context (the lexicon gates them), so they count as the slang they stand for: dev holds too
# few of them to fit a weight of their own.
_FEATURE_OF_CATEGORY = {"pinyin_evasion": "grade_slang"}
FEATURE_NAMES = ("model_logit", *LEXICON_FEATURES)
_COUNT_CAP = 3
_LOGIT_CLIP = 12.0


def lexicon_counts(spans: Sequence[LexiconSpan]) -> np.ndarray:
    counts = np.zeros(len(LEXICON_FEATURES), dtype=np.float64)
    index = {name: i for i, name in enumerate(LEXICON_FEATURES)}
    for span in spans:
        i = index.get(_FEATURE_OF_CATEGORY.get(span.category, span.category))
        if i is not None:
            counts[i] = min(counts[i] + 1, _COUNT_CAP)
    return counts


def feature_matrix(logits: np.ndarray, spans: Sequence[Sequence[LexiconSpan]]) -> np.ndarray:
    """Rows of FEATURE_NAMES for a batch: clipped logit, then capped category counts."""
    clipped = np.clip(np.asarray(logits, dtype=np.float64), -_LOGIT_CLIP, _LOGIT_CLIP)
    counts = np.stack([lexicon_counts(s) for s in spans]) if len(spans) else \
        np.zeros((0, len(LEXICON_FEATURES)))
    return np.column_stack([clipped, counts])


@dataclass(frozen=True)
class Combiner:
    """Logistic combination fitted on dev; `coef` aligns with FEATURE_NAMES."""

    coef: tuple[float, ...]
    intercept: float

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        z = features @ np.asarray(self.coef, dtype=np.float64) + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))

    def to_json(self) -> dict[str, object]:
        return {"features": list(FEATURE_NAMES), "coef": list(self.coef),
                "intercept": self.intercept}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Combiner:
        names = data["features"]
        if list(names) != list(FEATURE_NAMES):  # type: ignore[call-overload]
            raise ValueError(f"combiner features {names} do not match {FEATURE_NAMES}")
        coef = tuple(float(c) for c in data["coef"])  # type: ignore[attr-defined]
        return cls(coef=coef, intercept=float(data["intercept"]))  # type: ignore[arg-type]


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, x))))
