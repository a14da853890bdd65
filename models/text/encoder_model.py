"""Small BERT caption encoder (trained from scratch) with batched CPU inference."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from transformers import BertForSequenceClassification, PreTrainedTokenizerFast

ENCODER_KIND = "bert-tiny-scratch"


class EncoderModel:
    kind = ENCODER_KIND

    def __init__(self, model: BertForSequenceClassification,
                 tokenizer: PreTrainedTokenizerFast, max_length: int) -> None:
        self._model = model.eval()
        self._tokenizer = tokenizer
        self.max_length = max_length

    @classmethod
    def load(cls, directory: Path) -> EncoderModel:
        tokenizer = PreTrainedTokenizerFast.from_pretrained(str(directory), local_files_only=True)
        model = BertForSequenceClassification.from_pretrained(
            str(directory), local_files_only=True, use_safetensors=True)
        max_length = int(getattr(model.config, "caption_max_length", 96))
        return cls(model, tokenizer, max_length)

    def logits(self, normalized_texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Counterfeit log-odds (logit[1] - logit[0]) per caption; batches by length."""
        texts = list(normalized_texts)
        if not texts:
            return np.zeros(0)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros(len(texts), dtype=np.float64)
        with torch.inference_mode():
            for begin in range(0, len(order), batch_size):
                chunk = order[begin:begin + batch_size]
                encoded = self._tokenizer([texts[i] for i in chunk], truncation=True,
                                          max_length=self.max_length, padding=True,
                                          return_tensors="pt", return_token_type_ids=False)
                logits = self._model(**encoded).logits.float()
                margin = (logits[:, 1] - logits[:, 0]).numpy()
                out[chunk] = margin
        return out
