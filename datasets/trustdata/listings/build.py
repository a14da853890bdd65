"""Build the labelled listing set: `python -P -m trustdata.listings.build`.

    python -P -m trustdata.listings.build --out var/datasets/listings --seed 20240611 \
        --caption-bank var/captions-context/oof_captions.jsonl

With --caption-bank, each listing's caption is a real hand-written caption of its kind with
the served caption pipeline's out-of-fold score (written by training/train_captions_context),
instead of a simulated probability and lexicon hits.

Writes train.jsonl and test.jsonl (test = held-out sellers and brands) and manifest.json.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from tqdm import tqdm

from trustdata.listings.io import DEFAULT_DIR, SPLITS, write_jsonl
from trustdata.listings.simulate import CaptionBank, make_listings
from trustdata.listings.world import make_world

DEFAULT_SEED = 20240611


def build(out: Path, seed: int = DEFAULT_SEED, n_sellers: int = 3_000,
          n_brands: int = 60, caption_bank: Path | None = None) -> dict[str, Any]:
    world = make_world(seed, n_brands=n_brands, n_sellers=n_sellers)
    bank = None
    if caption_bank is not None:
        rows = [json.loads(line) for line in caption_bank.read_text(encoding="utf-8")
                .splitlines() if line.strip()]
        bank = CaptionBank(rows)
    records = make_listings(world, seed, bank)
    manifest: dict[str, Any] = {"seed": seed, "n_sellers": n_sellers, "n_brands": n_brands,
                                "caption_bank": str(caption_bank) if caption_bank else None}
    for split in tqdm(SPLITS, desc="writing splits"):
        rows = [r for r in records if r["split"] == split]
        write_jsonl(out / f"{split}.jsonl", rows)
        manifest[split] = {
            "listings": len(rows),
            "counterfeit": sum(r["label"] for r in rows),
            "sellers": len({r["seller_id"] for r in rows}),
            "brands": sorted({r["brand"] for r in rows if r["brand"]}),
            "archetypes": dict(Counter(r["archetype"] for r in rows)),
        }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--sellers", type=int, default=3_000)
    parser.add_argument("--brands", type=int, default=60)
    parser.add_argument("--caption-bank", type=Path,
                        help="real captions with out-of-fold caption scores (JSONL)")
    args = parser.parse_args()
    manifest = build(args.out, args.seed, args.sellers, args.brands, args.caption_bank)
    for split in SPLITS:
        info = manifest[split]
        print(f"{split}: {info['listings']} listings, {info['counterfeit']} counterfeit, "
              f"{info['sellers']} sellers, {len(info['brands'])} brands")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
