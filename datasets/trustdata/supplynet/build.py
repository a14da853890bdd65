"""Generate a simulated supplier network: `python -P -m trustdata.supplynet.build`.

    python -P -m trustdata.supplynet.build --out var/supplynet/default
    python -P -m trustdata.supplynet.build --small --out var/supplynet/small
    python -P -m trustdata.supplynet.build --config my-sizes.json --seed 5 --out var/supplynet/s5

Data preparation only. Layout of ``--out``:

* ``world.json``: the catalog to enrol first (brands, products, official photo files,
  authorised sellers), the suppliers (their products, photos and captions) and every seller
  with its ground truth (kind, supplier, recruiter, edit habit, stock photos);
* ``timeline.jsonl``: the listings in time order, each with its ground truth (seller kind,
  supplier, which original each photo is and how it was edited, the caption's edits);
* ``catalog/*.jpg`` and ``listings/*.jpg``: the photos; ``manifest.json``: config and counts.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image
from tqdm import tqdm

from trustdata.supplynet.config import NetConfig, load_config
from trustdata.supplynet.io import write_network
from trustdata.supplynet.photos import jpeg, render_edit, render_original
from trustdata.supplynet.timeline import Listing, make_timeline
from trustdata.supplynet.world import PhotoSource, World, make_world


def _world_json(world: World) -> dict[str, Any]:
    return {
        "catalog": [{**asdict(p), "currency": "CNY",
                     "files": [f"catalog/{photo}.jpg" for photo in p.photos]}
                    for p in world.catalog],
        "suppliers": [{"supplier_id": s.supplier_id, "brand": s.brand, "start_day": s.start_day,
                       "discreet": s.discreet,
                       "products": [{**{k: v for k, v in asdict(p).items() if k != "caption"},
                                     "caption": p.caption.text()} for p in s.products]}
                      for s in world.suppliers],
        "sellers": [asdict(s) for s in world.sellers],
        "photos": {pid: p.kind for pid, p in sorted(world.photos.items())},
    }


def summary(world: World, listings: list[Listing]) -> dict[str, Any]:
    sharers: dict[str, set[str]] = {}
    for listing in listings:
        for photo in listing["photos"]:
            sharers.setdefault(photo["source"], set()).add(listing["seller_id"])
    stock = {p: len(s) for p, s in sharers.items() if world.photos[p].kind == "stock"}
    fakes = [len(s) for p, s in sharers.items() if world.photos[p].kind == "fake"]
    return {
        "sellers": dict(Counter(s.kind for s in world.sellers)),
        "listings": dict(Counter(lst["seller_kind"] for lst in listings)),
        "photos": sum(len(lst["photos"]) for lst in listings),
        "edits": dict(Counter(p["edit"] for lst in listings for p in lst["photos"])),
        "stock_sharers": stock,
        "max_sellers_per_fake_photo": max(fakes, default=0),
        "catalog_products": len(world.catalog),
    }


def build(out: Path, config: NetConfig) -> dict[str, Any]:
    started = time.perf_counter()
    world = make_world(config)
    listings = make_timeline(world)

    @lru_cache(maxsize=256)
    def original(source: PhotoSource) -> Image.Image:
        return render_original(source, config.photo_side)

    for product in world.catalog:
        for photo in product.photos:
            path = out / "catalog" / f"{photo}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(jpeg(original(world.photos[photo]), quality=92))
    (out / "listings").mkdir(parents=True, exist_ok=True)
    for listing in tqdm(listings, desc="listing photos", unit="listing"):
        for entry in listing["photos"]:
            rng = random.Random(f"supplynet/{config.seed}/edit/{entry['file']}")
            fillers = [original(world.photos[f]) for f in entry.get("fillers", ())]
            img = render_edit(original(world.photos[entry["source"]]), entry["edit"], rng,
                              fillers, config.photo_side, config.composite_side)
            quality = 95 if entry["edit"] == "recompress" else 88
            (out / entry["file"]).write_bytes(jpeg(img, quality))
    manifest = {"config": config.to_json(), **summary(world, listings),
                "build_seconds": round(time.perf_counter() - started, 1)}
    write_network(out, _world_json(world), listings, manifest)
    return manifest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("var/supplynet/default"))
    ap.add_argument("--small", action="store_true", help="the few-dozen-listing test network")
    ap.add_argument("--config", type=Path, help="JSON overrides of NetConfig's fields")
    ap.add_argument("--seed", type=int)
    args = ap.parse_args()
    manifest = build(args.out, load_config(args.config, args.small, args.seed))
    print(f"built {args.out} in {manifest['build_seconds']} s: sellers {manifest['sellers']}, "
          f"listings {manifest['listings']}, {manifest['photos']} listing photos, "
          f"stock photo sharers {manifest['stock_sharers']}, at most "
          f"{manifest['max_sellers_per_fake_photo']} sellers per supplier photo")


if __name__ == "__main__":
    main()
