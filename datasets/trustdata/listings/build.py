"""Build the labelled listing set: `python -P -m trustdata.listings.build`.

    python -P -m trustdata.listings.build --out var/datasets/listings --seed 20240611 \
        --caption-bank var/captions-context/oof_captions.jsonl

With --caption-bank, each listing's caption is a real hand-written caption of its kind with
the served caption pipeline's out-of-fold score (written by training/train_captions_context),
instead of a simulated probability and lexicon hits. Listings carry supplier-network signals
(bank matches, links to sellers with confirmed counterfeits; trustdata/listings/networks.py)
unless --no-network-signals, which writes exactly the records drawn before those existed.

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
from trustdata.listings.world import World, make_world

DEFAULT_SEED = 20240611


def _network_summary(world: World, rows: list[dict[str, Any]]) -> dict[str, Any]:
    def share(selected: list[dict[str, Any]], key: str) -> float:
        return round(sum(bool(r.get(key)) for r in selected) / max(len(selected), 1), 4)

    in_network = {s.seller_id for s in world.sellers if s.network is not None}
    fakes = [r for r in rows if r["label"] and r["seller_id"] in in_network]
    honest = [r for r in rows if not r["label"]]
    return {"networks": len({s.network for s in world.sellers
                             if s.network is not None and s.seller_id in
                             {r["seller_id"] for r in rows}}),
            "network_counterfeit_listings": len(fakes),
            "network_counterfeit_banked": share(fakes, "bank_matches"),
            "network_counterfeit_linked": share(fakes, "linked_counterfeit"),
            "honest_banked": share(honest, "bank_matches"),
            "honest_linked": share(honest, "linked_counterfeit")}


def build(out: Path, seed: int = DEFAULT_SEED, n_sellers: int = 3_000,
          n_brands: int = 60, caption_bank: Path | None = None,
          network_signals: bool = True) -> dict[str, Any]:
    world = make_world(seed, n_brands=n_brands, n_sellers=n_sellers)
    bank = None
    if caption_bank is not None:
        rows = [json.loads(line) for line in caption_bank.read_text(encoding="utf-8")
                .splitlines() if line.strip()]
        bank = CaptionBank(rows)
    records = make_listings(world, seed, bank, with_network_signals=network_signals)
    manifest: dict[str, Any] = {"seed": seed, "n_sellers": n_sellers, "n_brands": n_brands,
                                "caption_bank": str(caption_bank) if caption_bank else None,
                                "network_signals": network_signals}
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
        if network_signals:
            manifest[split]["network_signals"] = _network_summary(world, rows)
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
    parser.add_argument("--no-network-signals", dest="network_signals", action="store_false",
                        help="no bank matches or seller links (the records risk-v2 had)")
    args = parser.parse_args()
    manifest = build(args.out, args.seed, args.sellers, args.brands, args.caption_bank,
                     args.network_signals)
    for split in SPLITS:
        info = manifest[split]
        print(f"{split}: {info['listings']} listings, {info['counterfeit']} counterfeit, "
              f"{info['sellers']} sellers, {len(info['brands'])} brands")
        if "network_signals" in info:
            print(f"  network signals: {info['network_signals']}")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
