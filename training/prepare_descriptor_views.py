"""Prepare the training views of the copy-detection descriptor (input of train_descriptor).

    python -P -m training.prepare_descriptor_views --out var/descriptor/views

Writes ``views.npy`` ((n, side, side, 3) uint8: each view squeezed to the network's input, as
``Descriptor.pixels`` does) and ``meta.json`` (the source and kind of every view). Seeded:
the same command writes the same bytes.

Sources, none of which any copy-detection split or the descriptor's own evaluation uses:

* procedural product shots from seed ``product_seed`` on (the splits draw theirs from
  1e6 * (split seed + 1), build_descriptor's evaluation from 70,000,360 to 70,000,800);
* the package-photo tiles of the photos build_descriptor fits on (every ``eval_photo_every``-th
  photo by name is held out there and here). The copy-detection hold-outs also cut their
  catalogs from these package photos: the report says so next to every hold-out figure.

Views are what the served pipeline describes (models/hashing/pipeline.py): the catalog photo
itself; the whole query for mild edits, small rotations and screenshots; and the regions the
query recovery cuts out of hard edits: a grid or collage cell (the photo scaled to cover a
cell of another shape and centre-cropped, a few pixels of gutter left in, small), a corner or
off-centre crop, a screenshot's photo area. Positives are views of one source; every other
source in a batch is a negative.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps
from tqdm import tqdm
from trustdata.copydetect import layouts
from trustdata.copydetect.sources import package_photos, product_shot
from trustdata.copydetect.transforms import MILD, rotate

from training.build_descriptor import BuildConfig


@dataclass(frozen=True)
class ViewsConfig:
    seed: int = 20261206
    side: int = 192
    products: int = 2400
    product_seed: int = 71_000_000
    photo_views: int = 12  # views per package-photo tile (few tiles: more views each)
    views: int = 6  # views per product source, the photo itself included
    fillers: int = 40  # product shots the screenshot and grid layouts draw neighbours from


KINDS = ("photo", "mild", "rotate", "cell", "crop", "screenshot")
KIND_WEIGHTS = (0.0, 0.3, 0.08, 0.3, 0.22, 0.1)


def _jpeg(img: Image.Image, rng: random.Random) -> Image.Image:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=rng.randint(55, 92))
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def _cell(img: Image.Image, rng: random.Random) -> Image.Image:
    """A grid or collage cell as the recovery cuts it: the photo covering a cell of another
    shape, centre-cropped, small, with up to a few pixels of gutter or neighbour."""
    aspect = rng.choice((1.0, 1.0, 1.0, rng.uniform(0.3, 0.8), rng.uniform(1.25, 3.0)))
    short = rng.randint(110, 360)
    w, h = (short, round(short / aspect)) if aspect <= 1 else (round(short * aspect), short)
    cell = layouts.fill_crop(img, w, h)
    margin = rng.choice((0, 0, 1, 2, 4, 6))
    if margin:
        colour = rng.choice(((255, 255, 255), (0, 0, 0), (240, 240, 240)))
        cell = ImageOps.expand(cell, border=margin, fill=colour)
    return _jpeg(cell, rng)


def _crop(img: Image.Image, rng: random.Random) -> Image.Image:
    w, h = img.size
    fx, fy = rng.uniform(0.5, 0.8), rng.uniform(0.5, 0.8)
    cw, ch = int(w * fx), int(h * fy)
    x = rng.choice((0, w - cw, rng.randint(0, w - cw)))
    y = rng.choice((0, h - ch, rng.randint(0, h - ch)))
    out = img.crop((x, y, x + cw, y + ch))
    if rng.random() < 0.3:
        out = out.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return _jpeg(out, rng)


def _screenshot(img: Image.Image, rng: random.Random) -> Image.Image:
    """Either the whole screenshot (the pipeline describes the full frame too) or its photo
    area as recovered: the photo scaled down, a thin band of interface possibly left in."""
    if rng.random() < 0.4:
        return layouts.app_screenshot(img, rng).convert("RGB")
    scale = rng.uniform(0.3, 0.7)
    small = img.resize((max(8, round(img.width * scale)), max(8, round(img.height * scale))),
                       Image.Resampling.BILINEAR)
    band = rng.choice((0, 0, 4, 10))
    if band:
        small = ImageOps.expand(small, border=(0, band, 0, 0),
                                fill=(rng.randint(230, 255),) * 3)
    return _jpeg(small, rng)


def make_view(img: Image.Image, kind: str, rng: random.Random,
              fillers: Sequence[Image.Image]) -> Image.Image:
    if kind == "photo":
        return img
    if kind == "mild":
        return rng.choice(MILD).fn(img, rng, fillers).convert("RGB")
    if kind == "rotate":
        return rotate(img, rng, fillers).convert("RGB")
    if kind == "cell":
        return _cell(img, rng)
    if kind == "crop":
        return _crop(img, rng)
    return _screenshot(img, rng)


def _norm(img: Image.Image, rng: random.Random) -> Image.Image:
    side = rng.randint(480, 800)
    scale = side / max(img.size)
    return img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))),
                      Image.Resampling.BICUBIC)


_FILLERS: list[Image.Image] = []
_CFG = ViewsConfig()


def _init(cfg: ViewsConfig) -> None:
    global _CFG
    _CFG = cfg
    _FILLERS[:] = [product_shot(cfg.product_seed - 1 - i) for i in range(cfg.fillers)]


def _views_of(job: tuple[str, int, Image.Image | None]) -> tuple[np.ndarray, list[str]]:
    name, count, image = job
    rng = random.Random(f"{_CFG.seed}/{name}")
    if image is None:  # a product: drawn here, in the worker
        image = product_shot(int(name.split("-")[1]))
    image = _norm(image.convert("RGB"), rng)
    kinds = ["photo", *rng.choices(KINDS, KIND_WEIGHTS, k=count - 1)]
    pixels = []
    for kind in kinds:
        view = make_view(image, kind, rng, _FILLERS)
        view = view.resize((_CFG.side, _CFG.side), Image.Resampling.BILINEAR, reducing_gap=2.0)
        pixels.append(np.asarray(view.convert("RGB"), dtype=np.uint8))
    return np.stack(pixels), kinds


def jobs(cfg: ViewsConfig) -> list[tuple[str, int, Image.Image | None]]:
    build = BuildConfig()
    tiles = package_photos()
    stems = sorted({t.name.rsplit("-", 1)[0] for t in tiles})
    held = set(stems[::build.eval_photo_every])
    out: list[tuple[str, int, Image.Image | None]] = [
        (t.name, cfg.photo_views, t.image) for t in tiles if t.name.rsplit("-", 1)[0] not in held]
    out += [(f"product-{s}", cfg.views, None)
            for s in range(cfg.product_seed, cfg.product_seed + cfg.products)]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("var/descriptor/views"))
    ap.add_argument("--config", type=Path, default=None)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    cfg = ViewsConfig()
    if args.config is not None:
        cfg = replace(cfg, **json.loads(args.config.read_text()))
    todo = jobs(cfg)
    total = sum(n for _, n, _ in todo)
    args.out.mkdir(parents=True, exist_ok=True)
    views = np.lib.format.open_memmap(args.out / "views.npy", mode="w+", dtype=np.uint8,
                                      shape=(total, cfg.side, cfg.side, 3))
    sources: list[int] = []
    kinds: list[str] = []
    names = [name for name, _, _ in todo]
    row = 0
    with multiprocessing.get_context("fork").Pool(args.workers, _init, (cfg,)) as pool, \
            tqdm(total=total, desc="training views") as bar:
        for g, (pixels, ks) in enumerate(pool.imap(_views_of, todo, chunksize=4)):
            views[row:row + len(pixels)] = pixels
            row += len(pixels)
            sources += [g] * len(pixels)
            kinds += ks
            bar.update(len(pixels))
    views.flush()
    meta = {"config": asdict(cfg), "names": names, "source": sources, "kind": kinds}
    (args.out / "meta.json").write_text(json.dumps(meta) + "\n")
    counts = {k: kinds.count(k) for k in KINDS}
    print(f"{total} views of {len(todo)} sources -> {args.out} ({counts})")


if __name__ == "__main__":
    main()
