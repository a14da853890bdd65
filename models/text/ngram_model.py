"""Character n-gram TF-IDF + logistic regression caption model, loaded from safetensors + json.

No pickles: the vocabulary is json, the idf vector and the coefficients are safetensors,
and TF-IDF is recomputed here exactly as scikit-learn's TfidfVectorizer does with
`sublinear_tf=True, norm="l2"`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize as l2_normalize

NGRAM_KIND = "char-ngram-logreg"


class NgramModel:
    kind = NGRAM_KIND

    def __init__(self, vocabulary: dict[str, int], ngram_range: tuple[int, int],
                 idf: np.ndarray, coef: np.ndarray, intercept: float) -> None:
        self._counter = CountVectorizer(analyzer="char", ngram_range=ngram_range,
                                        lowercase=False, vocabulary=vocabulary,
                                        dtype=np.float64)
        self._idf = idf.astype(np.float64)
        self._coef = coef.astype(np.float64)
        self._intercept = float(intercept)

    @classmethod
    def load(cls, directory: Path) -> NgramModel:
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        if config["model_type"] != NGRAM_KIND:
            raise ValueError(f"{directory} holds {config['model_type']}, not {NGRAM_KIND}")
        vocabulary = json.loads((directory / "vocab.json").read_text(encoding="utf-8"))
        tensors = load_file(str(directory / "model.safetensors"))
        low, high = config["ngram_range"]
        return cls(vocabulary, (int(low), int(high)), tensors["idf"], tensors["coef"],
                   float(tensors["intercept"][0]))

    def tfidf(self, normalized_texts: Sequence[str]) -> object:
        counts = self._counter.transform(list(normalized_texts)).tocsr()
        counts.data = 1.0 + np.log(counts.data)
        weighted = counts.multiply(self._idf).tocsr()
        return l2_normalize(weighted, norm="l2", copy=False)

    def logits(self, normalized_texts: Sequence[str]) -> np.ndarray:
        """Decision values (log-odds before calibration) for normalised captions."""
        if not normalized_texts:
            return np.zeros(0)
        features = self.tfidf(normalized_texts)
        return np.asarray(features @ self._coef).ravel() + self._intercept  # type: ignore[operator]
