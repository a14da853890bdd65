"""Build a copy-detection dev set: enrolled catalog photos, never-enrolled distractors, and
every photo of both put through every named repost edit.

Usage (from the repo root)::

    python -P -m trustdata.copydetect.build --seed 0 --out var/copydetect/calib
    python -P -m trustdata.copydetect.build --seed 1 --out var/copydetect/eval
    python -P -m trustdata.copydetect.build --seed 3 --out var/copydetect/holdout3

`make train ONLY=matching` (training/__main__.py) builds the calibration splits (seeds 0,
1, 5, 6, 8) and the hold-outs the reports are measured on (seeds 3, 7, 9, 10); seeds 2 and 4
have been looked at and are neither (reports/matching/HISTORY.md).

Layout of ``--out``: ``catalog/<id>.jpg`` (what gets enrolled), ``queries/<transform>/
<source>.jpg`` and ``manifest.json`` listing each query with its transform, family and the
catalog id it must match (``null`` for distractors, which must match nothing).
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from PIL import Image
from tqdm import tqdm

from models.hashing.detail import content_free
from trustdata.copydetect.sources import SourceImage, package_photos, product_shots
from trustdata.copydetect.transforms import ALL, NamedTransform


@dataclass(frozen=True)
class Query:
    file: str
    transform: str
    family: str
    source: str
    expected: str | None  # catalog id, or None for a distractor


@dataclass
class DevSplit:
    catalog: list[SourceImage]
    distractors: list[SourceImage]
    fillers: list[SourceImage]


def _normalise_size(img: Image.Image, rng: random.Random) -> Image.Image:
    """Catalog uploads are a few hundred pixels: bring every source to 480-800 long side."""
    side = rng.randint(480, 800)
    scale = side / max(img.size)
    return img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))),
                      Image.Resampling.BICUBIC)


def split_sources(seed: int, n_products: int = 80, photo_share: float = 0.4) -> DevSplit:
    """Assign package-photo tiles and fresh product shots to catalog, distractor and filler.

    Tiles of one photo land in different roles on purpose: same scene, different pixels.
    """
    rng = random.Random(seed)
    # All tiles of one photo share a role: tiles of a symmetric photo (the retina) are
    # mirror images of each other, a true duplicate rather than a fair negative.
    by_photo: dict[str, list[SourceImage]] = {}
    for tile in package_photos():
        by_photo.setdefault(tile.name.rsplit("-", 1)[0], []).append(tile)
    groups = sorted(by_photo.values(), key=lambda g: g[0].name)
    rng.shuffle(groups)
    cut = round(len(groups) * photo_share)
    photo_roles = [[t for g in part for t in g]
                   for part in (groups[:cut], groups[cut:2 * cut], groups[2 * cut:])]
    products = list(product_shots(1_000_000 * (seed + 1), 2 * n_products + n_products // 2))
    catalog = photo_roles[0] + products[:n_products]
    distractors = photo_roles[1] + products[n_products:2 * n_products]
    fillers = photo_roles[2] + products[2 * n_products:]

    def norm(items: list[SourceImage]) -> list[SourceImage]:
        return [SourceImage(s.name, _normalise_size(s.image, rng)) for s in items]

    # Content-free photos are not enrolled (models/hashing/detail.py: two of them cannot be
    # told apart, a brand uploading one is warned); dropped after the sizes are drawn, so
    # every other source of the split is exactly as before. As distractors they stay:
    # nothing enrolled looks like them, so they must match nothing.
    enrolled = [s for s in norm(catalog) if not content_free(s.image)]
    return DevSplit(enrolled, norm(distractors), norm(fillers))


def generate_queries(split: DevSplit, seed: int, transforms: Sequence[NamedTransform] = ALL,
                     ) -> Iterator[tuple[Query, Image.Image]]:
    filler_imgs = [f.image for f in split.fillers]
    labelled = [(s, s.name) for s in split.catalog] + [(s, None) for s in split.distractors]
    for t in transforms:
        for src, expected in labelled:
            rng = random.Random(f"{seed}/{t.name}/{src.name}")
            out = t.fn(src.image, rng, filler_imgs)
            yield Query(f"queries/{t.name}/{src.name}.jpg", t.name, t.family, src.name,
                        expected), out


def build(out: Path, seed: int, n_products: int) -> dict[str, int]:
    split = split_sources(seed, n_products)
    (out / "catalog").mkdir(parents=True, exist_ok=True)
    for s in split.catalog:
        s.image.save(out / "catalog" / f"{s.name}.jpg", "JPEG", quality=92)
    queries: list[dict[str, object]] = []
    total = len(ALL) * (len(split.catalog) + len(split.distractors))
    for q, img in tqdm(generate_queries(split, seed), total=total, desc="queries"):
        path = out / q.file
        path.parent.mkdir(parents=True, exist_ok=True)
        # Recompression is the transform's own business; the rest are saved as a phone would.
        quality = 95 if q.transform == "recompress" else 88
        img.convert("RGB").save(path, "JPEG", quality=quality)
        queries.append(asdict(q))
    manifest = {"seed": seed, "catalog": [s.name for s in split.catalog],
                "distractors": [s.name for s in split.distractors], "queries": queries}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return {"catalog": len(split.catalog), "distractors": len(split.distractors),
            "queries": len(queries)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--products", type=int, default=80)
    ap.add_argument("--out", type=Path, default=Path("var/copydetect/calib"))
    args = ap.parse_args()
    counts = build(args.out, args.seed, args.products)
    print(f"built {args.out}: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
